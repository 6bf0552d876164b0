"""Fixtures: an app per test on real SQLite and real PostgreSQL, built by the real migrations.

``--db sqlite,postgresql`` (the default) runs every database-backed test on both backends;
PostgreSQL is required: the run fails, not skips, when it cannot be reached.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import jinja2
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get("GRANTS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _share_url_builders() -> None:
    """An app per test compiled the same ~120 URL builders again each time (werkzeug turns every
    rule into generated Python code): most of ``create_app``. A builder is a plain function of
    the rule's parsed parts (it reaches its converters through the rule it is bound to), so the
    test process keeps one per distinct rule. Rules whose defaults fill a variable part (the
    builder then holds a converted value) are compiled as before."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    if getattr(compile_builder, "shared", False):
        return
    builders: dict[tuple, object] = {}

    def shared(self, append_unknown=True):
        defaults = self.defaults or {}
        if any(dynamic and data in defaults for dynamic, data in self._trace):
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(self._trace), tuple(str(k) for k in defaults), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    shared.shared = True
    Rule._compile_builder = shared


_share_url_builders()

#: The session's test databases (``database_url``): the apps of a process share one engine for each.
_SHARED_URLS: set[str] = set()
_ENGINES: dict[tuple, object] = {}


def _share_engines() -> None:
    """An app per test made its own engine, so every test compiled its SQL statements again
    (SQLAlchemy caches the compiled SQL per engine) and set the dialect up on its first
    connection. The apps on a session database now share the engine; each test still ends with
    ``engine.dispose()``, so no connection outlives the test that opened it."""
    from flask_sqlalchemy import SQLAlchemy

    make_engine = SQLAlchemy._make_engine
    if getattr(make_engine, "shared", False):
        return

    def shared(self, bind_key, options, app):
        url = make_url(options["url"]).render_as_string(hide_password=False)
        if url not in _SHARED_URLS:
            return make_engine(self, bind_key, options, app)
        key = (url, bind_key, repr(sorted((k, repr(v)) for k, v in options.items() if k != "url")))
        if key not in _ENGINES:
            _ENGINES[key] = make_engine(self, bind_key, options, app)
        return _ENGINES[key]

    shared.shared = True
    SQLAlchemy._make_engine = shared


_share_engines()


def _forget_engines(url: str) -> None:
    _SHARED_URLS.discard(url)
    for key in [k for k in _ENGINES if k[0] == url]:
        _ENGINES.pop(key).dispose()


def pytest_addoption(parser):
    parser.addoption("--db", default=os.environ.get("GRANTS_TEST_DBS", "sqlite,postgresql"),
                     help="comma-separated backends for database tests: sqlite, postgresql")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = [b.strip() for b in metafunc.config.getoption("--db").split(",") if b.strip()]
        in_e2e = "e2e" in metafunc.definition.path.parts
        if in_e2e or metafunc.definition.get_closest_marker("sqlite_only"):
            backends = [b for b in backends if b == "sqlite"] or ["sqlite"]
        if metafunc.definition.get_closest_marker("postgresql_only"):
            backends = ["postgresql"]  # a property only PostgreSQL can show; never skipped
        if metafunc.definition.get_closest_marker("no_database"):
            backends = backends[:1]  # the app is needed, the database is not: once (checked below)
        metafunc.parametrize("backend", backends, scope="session")


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: run on SQLite only (e.g. browser tests)")
    config.addinivalue_line("markers", "postgresql_only: run on PostgreSQL only (a race SQLite's locking rules out)")
    config.addinivalue_line("markers", "no_database: needs an app but runs no SQL: runs on the first --db backend "
                                       "only; the test fails if it runs any statement")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A ``no_database`` test runs once, not once per database: it fails if it runs any SQL, so the
    marker can never hide a database behaviour from one of the backends."""
    if item.get_closest_marker("no_database") is None:
        return (yield)
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[str] = []

    def statement(conn, cursor, sql, *args):
        seen.append(sql)

    event.listen(Engine, "before_cursor_execute", statement)
    try:
        result = yield
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
    if seen:
        pytest.fail(f"marked no_database but ran {len(seen)} SQL statements (first: {seen[0][:120]!r}): "
                    "remove the marker so it runs on every database", pytrace=False)
    return result


# The longest tests, started first, so none of them runs on after every other test has finished.
# This needs ``--maxschedchunk 1`` (Makefile): with it, xdist's ``--dist load`` hands out tests one
# at a time as workers free up, so these spread over the workers. Without it xdist first gives each
# worker a block of consecutive tests (a quarter of its share): all of these went to the first
# worker, one after another (measured: that worker busy 983 s, the other 770 s).
SLOW_FIRST = ("tests/e2e/test_walk.py", "tests/security/test_bad_input_fuzz.py", "tests/reliability/test_crash_safety.py",
              "tests/e2e/", "tests/reliability/", "tests/jobs/")


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        return next((i for i, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: the order within each group is kept


#: ``GRANTS_TEST_DURATIONS=<file>``: one JSON line per test (setup, call and teardown seconds, the
#: the CPU seconds of the test process, the xdist worker, start and stop times) written by the controlling process, to see where the time goes
#: (sum by file, directory or database; see docs/notes/test-suite-speed-2.md). Off by default.
_DURATIONS = os.environ.get("GRANTS_TEST_DURATIONS")
_TIMES: dict[str, dict] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if _DURATIONS:
        import time

        item.stash[_CPU] = time.process_time()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if _DURATIONS:  # the CPU seconds of the test process (not of its children) since its setup began
        import time

        cpu = round(time.process_time() - item.stash.get(_CPU, 0.0), 3)
        report.user_properties = [*report.user_properties, ("cpu", cpu)]  # not the item's own list
    return report


_CPU = pytest.StashKey[float]()


def pytest_runtest_logreport(report):
    if not _DURATIONS:
        return
    row = _TIMES.setdefault(report.nodeid, {"nodeid": report.nodeid, "start": report.start})
    row[report.when] = round(report.duration, 3)
    row["cpu"] = dict(report.user_properties).get("cpu")
    row["stop"] = report.stop
    node = getattr(report, "node", None)  # the xdist worker that ran it (on the controlling process)
    row["worker"] = getattr(getattr(node, "gateway", None), "id", "main")
    if report.failed:
        row["failed"] = True


def pytest_sessionfinish(session):
    if _DURATIONS and not hasattr(session.config, "workerinput"):
        import json

        with open(_DURATIONS, "w", encoding="utf-8") as out:
            for row in _TIMES.values():
                out.write(json.dumps(row) + "\n")


def _migrate(url: str, instance: str) -> None:
    from flask_migrate import upgrade

    from grants import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        from grants.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory):
    instance = str(tmp_path_factory.mktemp(f"instance-{backend}"))
    if backend == "sqlite":
        url = "sqlite:///" + os.path.join(instance, "test.sqlite")
        _migrate(url, instance)
        _SHARED_URLS.add(make_url(url).render_as_string(hide_password=False))
        yield url
        _forget_engines(make_url(url).render_as_string(hide_password=False))
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"grants_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            # A commit returns without waiting for the WAL to reach the disk (a factory commits
            # every row: 10-20 ms each on this shared disk). What every session sees is the same;
            # only a crash of the PostgreSQL server itself could lose the last commits, and no test
            # crashes the server (tests/reliability kills the app's processes).
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception as exc:  # pragma: no cover - the run must fail loudly, never skip
        pytest.fail(f"PostgreSQL is required for the postgresql backend and could not be reached: {exc}")
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    _migrate(url, instance)
    _SHARED_URLS.add(url)
    yield url
    _forget_engines(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_tables(db) -> None:
    """Every table empty and every id sequence back at its start, as after the migrations.

    PostgreSQL: a TRUNCATE of all tables gives each table and index new files, synced at commit
    (0.3-1.5 s a test here); a test writes a few tables, so only those are emptied, children
    first, and only the sequences that were used restart (as ``TRUNCATE ... RESTART IDENTITY``).
    """
    from grants.models import Base

    tables = [t.name for t in Base.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            filled = set(conn.execute(text(" UNION ALL ".join(
                f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables))).scalars())
            for table in reversed(tables):
                if table in filled:
                    conn.execute(text(f'DELETE FROM "{table}"'))
            for (sequence,) in conn.execute(text(_USED_SEQUENCES), {"tables": tables}):
                conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
        else:
            for table in reversed(tables):
                conn.execute(text(f'DELETE FROM "{table}"'))
            conn.execute(text("DELETE FROM sqlite_sequence")) if conn.execute(
                text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
            ).first() else None


# The sequences owned by our tables' columns (serial or identity) that have handed out a value.
_USED_SEQUENCES = """
SELECT q.sequencename FROM pg_sequences q
WHERE q.schemaname = current_schema() AND q.last_value IS NOT NULL AND EXISTS (
    SELECT 1 FROM pg_class s
    JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
    JOIN pg_class t ON t.oid = d.refobjid
    WHERE s.relname = q.sequencename AND s.relnamespace = t.relnamespace AND t.relname = ANY(:tables))
"""


class SharedBytecode(jinja2.BytecodeCache):
    """Compiled templates shared by the apps of one test process (an app per test would compile
    every template it renders again). Jinja checks each entry against the template's source; the
    key also carries the environment's compile options, so a differently set-up environment never
    gets another's code."""

    def __init__(self):
        self.store: dict[tuple, bytes] = {}

    @staticmethod
    def _key(bucket) -> tuple:
        env = bucket.environment

        def named(value):  # Flask's autoescape is a method of the app: the same code in every app
            function = getattr(value, "__func__", value)
            return f"{function.__module__}.{function.__qualname__}" if callable(function) else value

        return (bucket.key, tuple(sorted(env.extensions)), env.trim_blocks, env.lstrip_blocks,
                env.keep_trailing_newline, env.newline_sequence, env.optimized, named(env.autoescape),
                env.block_start_string, env.variable_start_string, env.comment_start_string,
                env.line_statement_prefix, env.line_comment_prefix, named(env.finalize))

    def load_bytecode(self, bucket) -> None:
        data = self.store.get(self._key(bucket))
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket) -> None:
        self.store[self._key(bucket)] = bucket.bytecode_to_string()


BYTECODE = SharedBytecode()

#: What every test app adds to its configuration for speed alone (nothing a test asserts on).
FAST = {"PASSWORD_HASH_FAST_FOR_TESTS": True}


def speed_up(app):
    """Share compiled templates between the process's apps (call before the first render)."""
    app.jinja_env.bytecode_cache = BYTECODE
    return app


@pytest.fixture
def app(database_url, tmp_path):
    from grants import create_app
    from grants.extensions import db

    app = speed_up(create_app({
        **FAST,
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "PDF_FOLDER": str(tmp_path / "pdfs"),
        "RATELIMIT_STORAGE_URI": "memory://",
        # jobs run at hand-over (tests of what jobs do); tests/jobs runs real workers on both queues
        "QUEUE_URL": "immediate",
    }))
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables(db)
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str = "/") -> str:
    html = client.get(url).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


class Actions:
    """The flaskr-style ``auth`` helper, plus posts that carry the session's real CSRF token."""

    def __init__(self, client):
        self.client = client

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token(self.client))
        return self.client.post(url, data=data, **kwargs)

    def login(self, email, password=None):
        from tests.factories import PASSWORD

        return self.post("/login", {"email": email, "password": password or PASSWORD})

    def logout(self):
        return self.post("/logout")


@pytest.fixture
def auth(client):
    return Actions(client)


@pytest.fixture
def make(app):
    """Factories that write committed rows (see tests/factories.py).

    Each call pushes its own app context: a context held open across requests would share
    ``g`` between them (Flask reuses a pushed app context), which real requests never do.
    """
    from tests import factories

    return factories.Factory(app)


__all__ = ["Decimal", "timedelta", "csrf_token"]


def translate(msgid: str, locale: str = "zh_Hant", **variables) -> str:
    """What the UI shows for ``msgid`` in ``locale`` (from the compiled catalogs), for assertions."""
    from babel.support import Translations

    from grants import ROOT

    text = Translations.load(str(ROOT / "grants" / "translations"), [locale]).gettext(msgid)
    return text % variables if variables else text


@contextlib.contextmanager
def counting_queries(app):
    """Collect the SQL statements run inside the block: ``with counting_queries(app) as seen: ...``."""
    from sqlalchemy import event

    from grants.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
