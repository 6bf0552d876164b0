"""Bad input never breaks a page or pollutes the record (issue 15; input policy in SECURITY.md).

Every POST route of ``app.url_map`` (so routes added later are covered without editing this file)
is driven as a role allowed to use it, in the world of the access matrix (``build`` + ``furnish``):

1. the route's own forms are read from the rendered pages, with the values a browser would send
   (the BASELINE: a valid submission as far as the page goes);
2. for EVERY field of every such form, each CASE of the bad-input classes below is put into that
   one field (the others keep their baseline values) -- the matrix;
3. hypothesis then draws (field, value) pairs from the same classes plus random Unicode
   (derandomized: the same examples every run);
4. every GET route with an ``<int:...>`` argument is requested with the boundary ids;
5. every GET page is requested with every query parameter the pages read set to a bad value.

For every request: no response >= 500, no exception, no log record carrying a traceback; a request
that is REFUSED (4xx, a page re-rendered with an error next to a field, or a redirect with an error
flash) must change no row of any table (row digests before/after). The counts (routes x fields x
cases tried, refused with a message, accepted) go to test-artifacts/security-report.txt.

SQLite runs the full breadth; PostgreSQL a representative slice (every POST route, but one value
per class and field, and fewer hypothesis examples) -- sized so both stay well within ``make test``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy import text as sql

from grants.extensions import db
from grants.models import Base
from grants.platform.web import MAX_ID
from tests.conftest import csrf_token
from tests.security.htmlforms import HtmlForm, forms_of
from tests.security.test_access_matrix import OK, REDIRECT, cells, entry, furnish, minimal_data
from tests.security.world import build, login, report

SKIP = {"auth.logout"}
NOT_PAGES = (".pdf", ".xlsx", ".csv", ".json", ".zip", ".png")  # ends the session every later request of the role needs
PREFERRED = ["admin", "appA", "rev", "anonymous", "appB", "revU", "revC"]


def _jpeg_html() -> bytes:
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            b"<html><script>alert(1)</script></html>\xff\xd9")


# class -> values; the first value of each class is the PostgreSQL slice
CASES: dict[str, list[str]] = {
    "nul": ["a\x00b", "\x00"],
    "control": ["ab\x07c\x1b[31m", "x\x7f\x85y"],
    "invisible_only": ["\u200b\u2060\ufeff", "\u200d\u00ad\u3000 "],
    "bidi_override": ["名稱\u202egnp.exe", "\u2066abc\u2069"],
    "huge_text": ["字" * 25_000, "x" * 120_000],
    "non_finite": ["NaN", "-Infinity", "sNaN", "inf"],
    "huge_number": ["1e309", "9" * 40, str(2**63), "-" + "9" * 30],
    "number_forms": ["1e2", "1_000", "１２３", "１２.５０", "1.23456", "-1", "0x10", "١٢٣"],
    "dates": ["0001-01-01", "9999-12-31T23:59", "2027-02-30", "1899-12-31", "2101-01-01 00:00", "0000-00-00"],
}
FILE_CASES = {
    "html_in_jpeg": ("photo.jpg", _jpeg_html()),
    "svg_named_svg": ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    "html_named_pdf": ("report.pdf", b"<html><body>not a pdf</body></html>"),
    "empty": ("empty.pdf", b""),
}
# which classes each kind of control gets (a money or score box is a text input: it gets them all)
CHOICE_CLASSES = ["nul", "invisible_only", "huge_number", "huge_text", "non_finite"]
KIND_CLASSES = {
    "select": CHOICE_CLASSES, "radio": CHOICE_CLASSES, "checkbox": CHOICE_CLASSES, "hidden": CHOICE_CLASSES,
    "submit": CHOICE_CLASSES,
    "number": ["nul", "invisible_only", "non_finite", "huge_number", "number_forms", "dates"],
    "date": ["nul", "invisible_only", "huge_number", "number_forms", "dates"],
    "datetime-local": ["nul", "invisible_only", "huge_number", "number_forms", "dates"],
}
# 5. query strings: every parameter a page reads, all at once, with one bad value per request
QUERY_PARAMS = ("q", "category", "status", "district", "page", "version", "basis", "stage", "code", "sha256",
                "extra", "inline", "change", "next", "mode")
QUERY_VALUES = ["\x00", "9" * 25, "²"]
BOUNDARY_IDS = [0, 1, MAX_ID, MAX_ID + 1, 2**63, 10**30]

random_text = st.text(st.characters(codec="utf-8"), max_size=60)
bad_value = st.one_of(
    random_text,
    st.sampled_from([v for values in CASES.values() for v in values if len(v) < 1000]),
    st.integers(-(10**20), 10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
)


@dataclass
class Target:
    endpoint: str
    role: str
    url: str
    form: HtmlForm | None  # None: no page shows this route's form (fuzzed with guessed names)


def _role(endpoint: str) -> str | None:
    outcomes, _overrides = entry(endpoint)
    allowed = [r for r, o in (outcomes or {}).items() if o in (OK, REDIRECT)]
    return next((r for r in PREFERRED if r in allowed), None)


def _url(app, world, endpoint, rule) -> str:
    _outcomes, overrides = entry(endpoint)
    with app.test_request_context():
        return url_for(endpoint, **world.url_values(rule, {k: world.ids[v] for k, v in overrides.items()}))


def _targets(app, world, clients) -> list[Target]:
    posts = [(e, r) for e, m, r in cells(app) if m == "POST" and e not in SKIP]
    pages: dict[str, dict[str, list[HtmlForm]]] = {}
    for role in {_role(e) for e, _r in posts} - {None}:
        found: dict[str, list[HtmlForm]] = {}
        for endpoint, method, rule in cells(app):
            outcomes, _o = entry(endpoint)
            if method != "GET" or (outcomes or {}).get(role) != OK or endpoint == "auth.logout" \
                    or rule.rule.endswith(NOT_PAGES) or any(w in endpoint for w in ("pdf", "xlsx", "csv", "download")):
                continue  # files, not pages with forms (a PDF costs a WeasyPrint run)
            url = _url(app, world, endpoint, rule)
            response = clients[role].get(url)
            if response.mimetype == "text/html":
                for path, forms in forms_of(response.get_data(as_text=True), url.split("?")[0]).items():
                    for form in forms:
                        if all(tuple(f.names) != tuple(form.names) for f in found.get(path, [])):
                            found.setdefault(path, []).append(form)
        pages[role] = found
    out = []
    for endpoint, rule in posts:
        role = _role(endpoint)
        if role is None:
            continue
        url = _url(app, world, endpoint, rule)
        forms = pages[role].get(url.split("?")[0]) or [None]
        out.extend(Target(endpoint, role, url, form) for form in forms)
    return out


def _fields(form: HtmlForm | None) -> list[str]:
    """The fields to fuzz: every named control, repeatable rows counted once (``budget_lines-1-item``
    is the same field as ``budget_lines-0-item``)."""
    if form is None:
        return ["name", "reason", "amount"]
    seen, out = set(), []
    for name in form.names:
        shape = re.sub(r"-\d+-", "-#-", name)
        if name != "csrf_token" and shape not in seen:
            seen.add(shape)
            out.append(name)
    return out or ["unexpected"]  # a form of buttons only: a field it does not expect


def _baseline(world, target: Target, token: str) -> dict:
    data: dict = {k: list(v) for k, v in (target.form.values.items() if target.form else ())}
    for key, value in minimal_data(world, target.endpoint, token).items():
        data.setdefault(key, [value])
    data["csrf_token"] = [token]
    return data


class _Tracebacks(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record):
        if record.exc_info or "Traceback" in record.getMessage():
            self.records.append(f"{record.name}: {record.getMessage()[:200]}")


def _digest(tables) -> dict[str, str]:
    """A digest of every row of every table (a refused request must leave them all as they were)."""
    out = {}
    with db.engine.connect() as conn:
        for table in tables:
            rows = conn.execute(sql(f'SELECT * FROM "{table}"')).all()  # noqa: S608 - names from the models
            out[table] = hashlib.sha256(repr(sorted(tuple(map(str, r)) for r in rows)).encode()).hexdigest()
    return out


def _flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))


def _refused(client, response) -> tuple[bool, bool]:
    """(refused, with a message the user can read)."""
    status = response.status_code
    flashes = _flashes(client)
    if status in (301, 302, 303, 307, 308):
        errors = [m for cat, m in flashes if cat == "error"]
        return bool(errors), bool(errors)
    body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    marked = 'class="error"' in body or "flash-error" in body or any(cat == "error" for cat, _m in flashes)
    if status >= 400:
        return True, marked or len(body.strip()) > 0
    return marked, marked


class Run:
    def __init__(self, app, backend):
        self.app, self.backend = app, backend
        # a signed-in session's last-seen time is the one write any request may make
        self.tables = [t.name for t in Base.metadata.sorted_tables if t.name != "user_session"]
        self.counts: Counter = Counter()
        self.cells: set[tuple[str, str]] = set()
        self.failures: list[str] = []
        self.log = _Tracebacks()

    def start(self) -> None:
        """Row digests are recomputed only after a request that sent a write statement (a refused
        request that sent one must still have left every row as it was: flush + rollback is fine)."""
        self.writes = 0
        with self.app.app_context():
            self.current = _digest(self.tables)

            @event.listens_for(db.engine, "before_cursor_execute")
            def count_writes(conn, cursor, statement, parameters, context, executemany):
                head = statement.lstrip()[:6].upper()
                if head in ("INSERT", "UPDATE", "DELETE") and "user_session" not in statement[:40]:
                    self.writes += 1

            self.stop = lambda: event.remove(db.engine, "before_cursor_execute", count_writes)

    def post(self, client, target: Target, data: dict, label: str, field: str) -> None:
        self.counts["tried"] += 1
        if self.counts["tried"] % 250 == 0:
            print(f"  {self.counts['tried']} requests, at {target.endpoint}", flush=True)
        self.cells.add((target.endpoint, field))
        before, writes = self.current, self.writes
        seen = len(self.log.records)
        try:
            response = client.post(target.url, data=data, content_type="multipart/form-data")
        except Exception as exc:  # TESTING propagates exceptions: each would be a 500
            self.failures.append(f"{target.endpoint} [{field}={label}] {type(exc).__name__}: {exc}"[:400])
            print("FAIL", self.failures[-1], flush=True)
            with self.app.app_context():
                db.session.rollback()
                self.current = _digest(self.tables)
            return
        if response.status_code >= 500:
            self.failures.append(f"{target.endpoint} [{field}={label}] -> {response.status_code}")
            print("FAIL", self.failures[-1], flush=True)
        if len(self.log.records) > seen:
            self.failures.append(f"{target.endpoint} [{field}={label}] traceback logged: {self.log.records[seen:]}")
        refused, with_message = _refused(client, response)
        if self.writes != writes:
            with self.app.app_context():
                self.current = _digest(self.tables)
        after = self.current
        if refused:
            self.counts["refused"] += 1
            self.counts["refused_with_message"] += with_message
            changed = [t for t in self.tables if before[t] != after[t]]
            if changed:
                self.failures.append(f"{target.endpoint} [{field}={label}] refused ({response.status_code}) "
                                     f"but changed {changed}")
                print("FAIL", self.failures[-1], flush=True)
        else:
            self.counts["accepted"] += 1


def _value_label(value) -> str:
    if isinstance(value, tuple):
        return f"file:{value[0]}"
    return ascii(value)[:40]


def _as_form_value(value):
    if isinstance(value, tuple):
        return (io.BytesIO(value[1]), value[0])
    return value


@pytest.mark.timeout(1200)  # ~1 minute on an idle 2-core machine; allow for a loaded one
def test_bad_input_every_post_route_every_field(app, make, backend):
    started = time.monotonic()
    world = build(make, app)
    furnish(world, make, app)
    roles = {_role(e) for e, m, _r in cells(app) if m == "POST" and e not in SKIP} - {None}
    clients = {role: login(app, role) for role in roles}
    tokens = {role: csrf_token(clients[role], "/") for role in roles}
    targets = _targets(app, world, clients)
    print(f"{len(targets)} forms, {sum(len(_fields(t.form)) for t in targets)} fields, "
          f"{time.monotonic() - started:.0f} s to build", flush=True)
    run = Run(app, backend)
    root = logging.getLogger()
    root.addHandler(run.log)
    full = backend == "sqlite"
    run.start()
    try:
        # 2. the matrix: the classes for its kind in every field of every form of every POST route,
        #    one value per class, rotating through each class's values from field to field (SQLite);
        #    PostgreSQL: one class per field, rotating through the classes
        turn = 0
        for target in targets:
            client, token = clients[target.role], tokens[target.role]
            base = _baseline(world, target, token)
            for field in _fields(target.form):
                turn += 1
                kind = target.form.kinds.get(field, "text") if target.form is not None else "text"
                if kind == "file":
                    cases = list(FILE_CASES.values())
                    cases = cases if full else [cases[turn % len(cases)]]
                else:
                    classes = KIND_CLASSES.get(kind, list(CASES))
                    classes = classes if full else [classes[turn % len(classes)]]
                    cases = [CASES[c][turn % len(CASES[c])] for c in classes]
                for value in cases:
                    data = {k: list(v) for k, v in base.items()}
                    data[field] = [_as_form_value(value)]
                    run.post(client, target, data, _value_label(value), field)
        matrix = dict(run.counts)

        # 3. hypothesis: random (field, value) pairs per form, derandomized
        examples = 3 if full else 1
        for target in targets:
            _hypothesis(run, target, clients[target.role], _baseline(world, target, tokens[target.role]),
                        _fields(target.form), examples)()

        # 4. boundary ids on every GET route with an <int:...> argument
        id_gets = 0
        for endpoint, method, rule in cells(app):
            int_args = [a for a in rule.arguments if rule._converters[a].__class__.__name__ != "UnicodeConverter"]
            if method != "GET" or not int_args:
                continue
            role = _role(endpoint) or "anonymous"
            client = clients.get(role) or login(app, role)
            for value in (BOUNDARY_IDS if full else BOUNDARY_IDS[2:5]):
                path = _fill(rule, world, int_args, value)
                id_gets += 1
                try:
                    response = client.get(path)
                except Exception as exc:  # a 500 under TESTING
                    run.failures.append(f"GET {path} {type(exc).__name__}: {exc}"[:400])
                    continue
                if response.status_code >= 500:
                    run.failures.append(f"GET {path} -> {response.status_code}")
                _flashes(client)
        # 5. query strings on every GET page
        query_gets = 0
        for endpoint, method, rule in cells(app):
            role = _role(endpoint)
            if method != "GET" or role is None or rule.rule.endswith(NOT_PAGES) \
                    or any(w in endpoint for w in ("pdf", "xlsx", "csv", "download")):
                continue
            url = _url(app, world, endpoint, rule)
            for value in (QUERY_VALUES if full else QUERY_VALUES[:2]):
                query_gets += 1
                try:
                    response = clients[role].get(url, query_string={p: value for p in QUERY_PARAMS})
                except Exception as exc:  # a 500 under TESTING
                    run.failures.append(f"GET {url} ?{value!r} {type(exc).__name__}: {exc}"[:400])
                    continue
                if response.status_code >= 500:
                    run.failures.append(f"GET {url} ?{value!r} -> {response.status_code}")
                _flashes(clients[role])
    finally:
        root.removeHandler(run.log)
        with app.app_context():
            run.stop()
    elapsed = time.monotonic() - started
    fields = len(run.cells)
    report(f"bad input [{backend}]",
           f"{len({t.endpoint for t in targets})} POST routes, {len(targets)} forms, {fields} route x field cells; "
           f"matrix {matrix.get('tried', 0)} requests ({len(CASES)} text classes + {len(FILE_CASES)} file cases); "
           f"total {run.counts['tried']} tried: {run.counts['refused']} refused "
           f"({run.counts['refused_with_message']} with a message), {run.counts['accepted']} accepted; "
           f"{id_gets} boundary-id GETs; {query_gets} bad-query-string GETs; {len(run.failures)} failures; "
           f"{elapsed:.0f} s")
    assert not run.failures, "\n".join(run.failures[:30])


def _hypothesis(run: Run, target: Target, client, base: dict, names: list[str], examples: int):
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(field=st.sampled_from(names), value=bad_value)
    def fuzz(field, value):
        data = {k: list(v) for k, v in base.items()}
        data[field] = [value]
        run.post(client, target, data, _value_label(value), field)

    return fuzz


def _fill(rule, world, int_args, value) -> str:
    """The rule's path with ``value`` in every int argument and the world's values elsewhere."""
    import re

    known = {a: v for a, v in world.url_values(rule, {a: 0 for a in int_args}).items() if a not in int_args}

    def sub(match):
        name = match.group(2)
        return str(value) if name in int_args else str(known[name])

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", sub, rule.rule)
