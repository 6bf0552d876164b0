"""Fixtures for the job-queue tests: an app on a real Huey queue (SQLite file or Redis db 1), and
real worker processes (``flask --app run worker``) that can be started, killed with SIGKILL and
started again.

``queue`` parametrizes over both queue backends the way ``backend`` parametrizes the databases.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grants import ROOT

# One Redis database per test process (each test flushes its own), claimed in database 15 for as
# long as the process runs: two test runs at once on one machine (xdist workers, or two checkouts)
# never flush each other's queue. Numbered from 14 down: database 0 is the app's, and 1, 3, ...
# were the fixed per-worker numbers of earlier versions of this file.
REDIS_HOST = "redis://127.0.0.1:6379"
CLAIMS = 15
REPORT = ROOT / "test-artifacts" / "jobs-report.txt"


def report(line: str) -> None:
    """Print a measured figure and append it to test-artifacts/jobs-report.txt."""
    print(line)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    with REPORT.open("a", encoding="utf-8") as fh:
        fh.write(line.rstrip("\n") + "\n")


@pytest.fixture(scope="session")
def redis_url():
    if os.environ.get("GRANTS_TEST_REDIS"):
        yield os.environ["GRANTS_TEST_REDIS"]
        return
    import redis

    claims = redis.Redis.from_url(f"{REDIS_HOST}/{CLAIMS}")
    try:
        number = next((n for n in range(CLAIMS - 1, 1, -1)
                       if claims.set(f"grants-test-db-{n}", os.getpid(), nx=True, ex=4 * 3600)), None)
    except redis.ConnectionError as exc:  # the run fails, never skips
        pytest.fail(f"Redis is required for the Redis queue tests and could not be reached: {exc}")
    if number is None:
        pytest.fail(f"no free Redis database for the queue tests (claims in database {CLAIMS})")
    yield f"{REDIS_HOST}/{number}"
    claims.delete(f"grants-test-db-{number}")
    claims.close()


@pytest.fixture
def queue_url(backend, tmp_path, request):
    """Each queue backend with the database it is deployed with: the embedded pair (a Huey SQLite file
    beside SQLite, what `make run` starts) and the production pair (Redis beside PostgreSQL, what
    `make serve-prod` starts). With `--db sqlite,postgresql` both queue backends run."""
    if backend == "sqlite":
        yield "sqlite:///" + str(tmp_path / "queue.sqlite")
        return
    import redis

    url = request.getfixturevalue("redis_url")  # only the Redis half needs (and claims) a database
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.ConnectionError as exc:  # the run fails, never skips
        pytest.fail(f"Redis is required for the Redis queue tests and could not be reached: {exc}")
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def app(database_url, tmp_path, queue_url):
    """The conftest app, but on a real queue: jobs wait for a worker process."""
    from grants import create_app
    from grants.extensions import db
    from tests.conftest import FAST, _empty_tables, speed_up

    app = speed_up(create_app({
        **FAST,
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "PDF_FOLDER": str(tmp_path / "pdfs"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "QUEUE_URL": queue_url,
        "JOBS_BACKOFF_SCALE": 0.01,
    }))
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables(db)
        db.engine.dispose()


@pytest.fixture
def inprocess_app(database_url, tmp_path):
    """An app whose jobs run at hand-over in this process (``QUEUE_URL=immediate``): for tests of what a
    job does (the clock can be frozen here, not in a worker); a module uses it as its ``app``."""
    from grants import create_app
    from grants.extensions import db
    from tests.conftest import FAST, _empty_tables, speed_up

    app = speed_up(create_app({**FAST, "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                               "UPLOAD_FOLDER": str(tmp_path / "uploads"), "PDF_FOLDER": str(tmp_path / "pdfs"),
                               "RATELIMIT_STORAGE_URI": "memory://", "QUEUE_URL": "immediate"}))
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables(db)
        db.engine.dispose()


class Workers:
    """Worker processes for one test: ``start()``, ``kill9()``, ``stop()``; all stopped at the end."""

    def __init__(self, app, tmp_path: Path):
        self.app, self.tmp_path = app, tmp_path
        self.procs: list[subprocess.Popen] = []
        self.extra_env: dict[str, str] = {}

    def env(self) -> dict[str, str]:
        cfg = self.app.config
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GRANTS_", "FLASK_"))}
        env.update({
            "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"], "GRANTS_QUEUE_URL": cfg["QUEUE_URL"],
            "PDF_FOLDER": cfg["PDF_FOLDER"], "UPLOAD_FOLDER": cfg["UPLOAD_FOLDER"],
            "GRANTS_INSTANCE_PATH": str(self.tmp_path / "worker-instance"), "JOBS_BACKOFF_SCALE": "0.01",
            "PYTHONUNBUFFERED": "1",
        })
        env.update(self.extra_env)
        return env

    def start(self, threads: int = 1) -> subprocess.Popen:
        log = open(self.tmp_path / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "run", "worker", "-w", str(threads)],
            cwd=str(ROOT), env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    def kill9(self, proc: subprocess.Popen) -> None:
        """SIGKILL the worker and everything it started (its PDF render processes), and reap it."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def log(self, n: int = -1) -> str:
        return (self.tmp_path / f"worker-{len(self.procs) + n if n < 0 else n}.log").read_text(errors="replace")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


@pytest.fixture
def workers(app, tmp_path):
    control = Workers(app, tmp_path)
    yield control
    control.stop()


def wait_for(predicate, timeout: float = 60, interval: float = 0.05, what: str = "condition", detail=None):
    """Poll ``predicate`` (bounded) until it returns a truthy value, which is returned; on a timeout the
    failure shows ``detail()`` (the state that was awaited) when given."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            shown = f"; last seen: {detail()!r}" if detail is not None else ""
            raise AssertionError(f"{what} not reached in {timeout} s{shown}")
        time.sleep(interval)
