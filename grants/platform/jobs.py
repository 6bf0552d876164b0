"""The job queue: work that outlives a request runs in worker processes (Huey), never in the web process.

How it fits together
--------------------
* ``background_job`` (``grants.models.Job``) is the truth about every job: kind, arguments, status
  (waiting, running, done, failed), attempts, progress, error, result file. Huey's queue carries only
  the job's id.
* ``enqueue(kind, args, key=...)`` adds the row in the caller's transaction (operations flush and never
  commit); the id is handed to Huey only after that transaction commits (a rolled-back action starts
  nothing). A ``key`` makes enqueueing idempotent: one job per key; enqueueing a failed job's key
  again resets it (the retry button).
* A worker claims a job with one conditional UPDATE (waiting -> running, a fresh token), so a job
  whose message arrives twice runs once. The job's handler (registered with ``@handler``) does its
  work in its own session; success marks it done, an exception schedules a retry with back-off
  (``backoff * 2**(attempt-1)`` seconds) until ``max_attempts``, then marks it failed: the admin page
  shows it, with the error and a retry button, and the handler's ``on_failure`` runs.
* Nothing is lost when a worker dies (kill -9, a redeploy, a lost machine): Huey removes a message
  from the queue when a worker takes it, so a killed worker's message is gone, but its job row stays
  "running". ``recover()`` (run by every worker on start and every minute by the schedule) puts back
  to "waiting" and re-enqueues: jobs claimed by a process on this host that no longer exists, jobs
  whose heartbeat (every ``JOBS_HEARTBEAT_SECONDS`` while running) is older than
  ``JOBS_STALE_SECONDS`` (a worker on another machine), and, when the queue holds no message, waiting
  jobs not taken for ``JOBS_LOST_SECONDS`` (an enqueue lost between a web worker's commit and its
  hand-over to Huey).
  A duplicate message is harmless: the claim lets one through.

Backends (``QUEUE_URL``, env ``GRANTS_QUEUE_URL``): ``sqlite:///path`` (the default: a file in the
instance folder, no service needed), ``redis://host:port/db`` (workers on several machines), or
``immediate`` (tests of job logic only: a job runs inside ``enqueue``'s hand-over).

Workers: ``flask --app run worker`` (see ``worker_command``); ``make run`` starts one beside the
web server.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import click
from flask import current_app, g, has_app_context
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models import Job, utcnow

LOGGER = logging.getLogger(__name__)

WAITING, RUNNING, DONE, FAILED = "waiting", "running", "done", "failed"


@dataclass(frozen=True)
class Handler:
    kind: str
    func: Callable[[Job], None]
    label: object  # a lazy msgid: what the admin page calls this kind of job
    max_attempts: int = 3
    backoff: float = 30.0  # seconds before the 2nd attempt; doubled for each further one
    on_failure: Callable[[Job], None] | None = None  # after the last attempt failed (same session, committed)


HANDLERS: dict[str, Handler] = {}


def handler(kind: str, *, label, max_attempts: int = 3, backoff: float = 30.0,
            on_failure: Callable[[Job], None] | None = None):
    """Register ``func(job)`` as the handler of jobs of ``kind``.

    The handler runs in a worker, inside an app context with its own session; it commits its own
    work (or lets ``progress`` commit it) and raises to fail the attempt. It must be idempotent:
    a job may run again after a worker died mid-way.
    """

    def register(func):
        HANDLERS[kind] = Handler(kind, func, label, max_attempts, backoff, on_failure)
        return func

    return register


def label_of(kind: str):
    spec = HANDLERS.get(kind)
    return spec.label if spec else kind


# --------------------------------------------------------------------------- enqueue (web side)


def enqueue(kind: str, args: dict | None = None, *, key: str | None = None, owner_id: int | None = None,
            delay: float = 0, again: bool = False) -> Job:
    """Add a job in the current transaction; Huey gets it after the commit. Returns the job row.

    With a ``key``: an existing job with that key is returned as it is (waiting, running or done),
    or started again if it had failed (or, with ``again``, had finished: the caller knows its result
    is gone)."""
    spec = HANDLERS[kind]
    now = utcnow()
    if key is not None:
        job = db.session.scalar(select(Job).where(Job.key == key))
        if job is not None:
            if job.status == FAILED or (again and job.status == DONE):
                _reset(job, now)
                if args is not None:
                    job.args = args
                db.session.flush()
                _pending(job.id)
            return job
    job = Job(kind=kind, key=key, args=args or {}, status=WAITING, max_attempts=spec.max_attempts,
              owner_id=owner_id, created_at=now, run_at=now + timedelta(seconds=delay), error="", progress=0)
    if key is None:
        db.session.add(job)
        db.session.flush()
    else:
        try:
            with db.session.begin_nested():
                db.session.add(job)
        except IntegrityError:  # the same key enqueued at the same moment by another request
            return db.session.scalar(select(Job).where(Job.key == key))
    _pending(job.id, delay)
    return job


def enqueue_many(kind: str, items: list[tuple[dict | None, str | None]], *, owner_id: int | None = None) -> list[Job]:
    """:func:`enqueue` for many jobs of one kind, ``(args, key)`` each, with one query for the keys and one
    flush (a run that queues a thousand mails).  A key that already has a job goes through :func:`enqueue`
    (returned as it is, or started again).  Meant for keys no other transaction can be enqueuing at the same
    moment (made from rows this transaction created, e.g. ``mail:<outbox id>``): a clash raises at the flush
    instead of returning the other transaction's job."""
    spec = HANDLERS[kind]
    now = utcnow()
    keys = sorted({key for _args, key in items if key is not None})
    taken: set[str] = set()
    for start in range(0, len(keys), 500):
        taken.update(db.session.scalars(select(Job.key).where(Job.key.in_(keys[start:start + 500]))))
    out: list[Job] = []
    fresh: list[Job] = []
    by_key: dict[str, Job] = {}
    for args, key in items:
        if key is not None and key in by_key:
            out.append(by_key[key])
            continue
        if key is not None and key in taken:
            job = enqueue(kind, args, key=key, owner_id=owner_id)
        else:
            job = Job(kind=kind, key=key, args=args or {}, status=WAITING, max_attempts=spec.max_attempts,
                      owner_id=owner_id, created_at=now, run_at=now, error="", progress=0)
            fresh.append(job)
        if key is not None:
            by_key[key] = job
        out.append(job)
    if fresh:
        db.session.add_all(fresh)
        db.session.flush()
        for job in fresh:
            _pending(job.id)
    return out


def retry(job: Job) -> bool:
    """Start a failed job again (the admin's retry button); False when it is not failed."""
    if job.status != FAILED:
        return False
    _reset(job, utcnow())
    db.session.flush()
    _pending(job.id)
    return True


def _reset(job: Job, now) -> None:
    job.status = WAITING
    job.attempts = 0
    job.progress = 0
    job.run_at = now
    job.finished_at = None
    job.token = None
    job.worker = None


def progress(job: Job, percent: int) -> None:
    """Record a running job's progress (shown on its page and the admin page); commits the job's session."""
    job.progress = max(0, min(100, int(percent)))
    job.heartbeat_at = utcnow()
    db.session.commit()


def store_result(job: Job, data: bytes, filename: str) -> None:
    """Store a job's result file (a download) and commit; a second run overwrites the same file."""
    folder = current_app.config["JOB_RESULTS_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    name = f"job-{job.id}.bin"
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, os.path.join(folder, name))
    job.result_path, job.result_name = name, filename
    db.session.commit()


def result_bytes(job: Job) -> bytes | None:
    """A finished job's result file, or None."""
    if job.status != DONE or not job.result_path:
        return None
    try:
        with open(os.path.join(current_app.config["JOB_RESULTS_FOLDER"], job.result_path), "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def _pending(job_id: int, delay: float = 0) -> None:
    g.setdefault("jobs_pending", []).append((job_id, delay))


_listening = False


def _install_listeners() -> None:
    global _listening
    if _listening:
        return
    _listening = True

    @event.listens_for(db.session, "after_commit")
    def _committed(session):
        if has_app_context() and "jobs_pending" in g:
            g.setdefault("jobs_ready", []).extend(g.pop("jobs_pending"))

    @event.listens_for(db.session, "after_soft_rollback")
    def _rolled_back(session, previous_transaction):
        if has_app_context() and previous_transaction.parent is None:
            g.pop("jobs_pending", None)


def dispatch_ready() -> None:
    """Hand the committed jobs to Huey (called at the end of every app context, and after commits
    in long-running contexts such as the worker's own sweeps)."""
    ready = g.pop("jobs_ready", [])
    if not ready:
        return
    queue = current_app.extensions["grants_jobs"]
    for job_id, delay in ready:
        try:
            queue.send(job_id, delay)
        except Exception:  # the queue is down: the sweep re-enqueues the waiting job later
            LOGGER.exception("could not hand job %s to the queue; the sweep will", job_id)


# --------------------------------------------------------------------------- run (worker side)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class _Heartbeat(threading.Thread):
    """While a job runs, touch its heartbeat so workers elsewhere can tell it is alive (worker side only)."""

    def __init__(self, engine, job_id: int, token: str, interval: float):
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.engine, self.job_id, self.token, self.interval = engine, job_id, token, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.begin() as conn:
                    conn.execute(update(Job).where(Job.id == self.job_id, Job.token == self.token)
                                 .values(heartbeat_at=utcnow()))
            except Exception:  # a missed beat only makes a sweep on another host wait longer
                LOGGER.warning("heartbeat of job %s missed", self.job_id, exc_info=True)


def execute(job_id: int) -> str:
    """Claim and run one job (in the worker, inside an app context); returns what happened."""
    now = utcnow()
    token = uuid.uuid4().hex
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == WAITING, Job.run_at <= now + timedelta(seconds=5))
        .values(status=RUNNING, token=token, worker=worker_id(), started_at=now, heartbeat_at=now,
                attempts=Job.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        return "skipped"  # done, running elsewhere, or not due yet (a duplicate message)
    job = db.session.get(Job, job_id)
    spec = HANDLERS.get(job.kind)
    beat = _Heartbeat(db.engine, job_id, token, current_app.config["JOBS_HEARTBEAT_SECONDS"])
    beat.start()
    try:
        if spec is None:
            raise LookupError(f"no handler for jobs of kind {job.kind!r}")
        spec.func(job)
        db.session.commit()
    except Exception as exc:
        LOGGER.exception("job %s (%s) failed", job_id, job.kind)
        db.session.rollback()
        return _failed(job_id, token, spec, f"{type(exc).__name__}: {exc}"[:4000])
    finally:
        beat.stopped.set()
    done = db.session.execute(
        update(Job).where(Job.id == job_id, Job.token == token)
        .values(status=DONE, progress=100, finished_at=utcnow(), error="", token=None)
    ).rowcount
    db.session.commit()
    return "done" if done else "superseded"


def _failed(job_id: int, token: str, spec: Handler | None, error: str) -> str:
    job = db.session.get(Job, job_id)
    if job is None or job.token != token:
        return "superseded"
    job.error = error
    job.token = None
    if spec is not None and job.attempts < job.max_attempts:
        delay = spec.backoff * current_app.config["JOBS_BACKOFF_SCALE"] * 2 ** (job.attempts - 1)
        job.status = WAITING
        job.run_at = utcnow() + timedelta(seconds=delay)
        _pending(job.id, delay)
        db.session.commit()
        dispatch_ready()
        return "retry"
    job.status = FAILED
    job.finished_at = utcnow()
    db.session.commit()
    if spec is not None and spec.on_failure is not None:
        try:
            spec.on_failure(job)
            db.session.commit()
        except Exception:
            LOGGER.exception("on_failure of job %s failed", job_id)
            db.session.rollback()
    return "failed"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _queue_idle() -> bool:
    try:
        return current_app.extensions["grants_jobs"].pending_messages() == 0
    except Exception:  # the queue cannot be reached: nothing can be handed over anyway
        return False


def recover(now=None) -> int:
    """Re-enqueue the jobs a dead worker or a lost hand-over left behind; returns how many."""
    cfg = current_app.config
    now = now or utcnow()
    stale = now - timedelta(seconds=cfg["JOBS_STALE_SECONDS"])
    host = socket.gethostname()
    count = 0
    for job in db.session.scalars(select(Job).where(Job.status == RUNNING)).all():
        dead = job.heartbeat_at is None or job.heartbeat_at < stale
        if not dead and job.worker:
            worker_host, _, pid = job.worker.rpartition(":")
            dead = worker_host == host and pid.isdigit() and not _alive(int(pid))
        if dead:
            LOGGER.warning("job %s (%s) was left running by %s; starting it again", job.id, job.kind, job.worker)
            job.status = WAITING
            job.token = None
            job.error = f"worker {job.worker} stopped while running it; started again"
            job.worker = None
            job.run_at = now
            _pending(job.id)
            count += 1
    # Waiting jobs nobody took: only when the queue is idle (no message pending) are they surely lost;
    # behind a backlog they are just queued, and re-enqueueing them every minute would grow the backlog.
    lost_before = now - timedelta(seconds=cfg["JOBS_LOST_SECONDS"])
    if _queue_idle():
        for job_id in db.session.scalars(select(Job.id).where(Job.status == WAITING, Job.run_at < lost_before)).all():
            _pending(job_id)  # a duplicate of a queued message is harmless (one claim wins)
            count += 1
    db.session.commit()
    dispatch_ready()
    return count


# --------------------------------------------------------------------------- the Huey side


class Queue:
    """The app's Huey instance and its tasks, built from ``QUEUE_URL``."""

    def __init__(self, app):
        from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab

        url = app.config["QUEUE_URL"]
        self.url = url
        if url == "immediate":
            self.huey = MemoryHuey("grants", immediate=True, results=False)
        elif url.startswith(("redis://", "rediss://", "unix://")):
            self.huey = RedisHuey("grants", url=url, results=False)
        elif url.startswith("sqlite:///"):
            path = url[len("sqlite:///"):]
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self.huey = SqliteHuey("grants", filename=path, results=False)
        else:
            raise ValueError(f"QUEUE_URL must be sqlite:///..., redis://... or immediate, not {url!r}")

        def in_app(func):
            def run(*args):
                with app.app_context():
                    return func(*args)
            return run

        self.run_job = self.huey.task(name="grants.run_job")(in_app(execute))
        self.sweep = self.huey.periodic_task(crontab(minute="*"), name="grants.sweep")(in_app(recover))
        self.schedule = self.huey.periodic_task(crontab(minute="*/15"), name="grants.schedule")(
            in_app(run_schedule))

    def send(self, job_id: int, delay: float = 0) -> None:
        if delay > 0:
            self.run_job.schedule(args=(job_id,), delay=delay)
        else:
            self.run_job(job_id)

    def pending_messages(self) -> int:
        return self.huey.pending_count()


#: Periodic work besides the sweep: functions run every 15 minutes by one worker's scheduler, each
#: enqueueing idempotent jobs (e.g. ``grants.platform.reminders`` enqueues its scan).
SCHEDULE: list[Callable[[], None]] = []


def run_schedule() -> None:
    for func in SCHEDULE:
        try:
            func()
            db.session.commit()
        except Exception:
            LOGGER.exception("scheduled %s failed", getattr(func, "__name__", func))
            db.session.rollback()
    dispatch_ready()


def init_app(app) -> None:
    # an app built by a test without its own QUEUE_URL runs jobs at hand-over, never in the repo's queue
    app.config.setdefault("QUEUE_URL", "immediate" if app.testing else
                          "sqlite:///" + os.path.join(app.instance_path, "jobs.sqlite"))
    app.config.setdefault("JOBS_HEARTBEAT_SECONDS", 15)
    app.config.setdefault("JOBS_STALE_SECONDS", 300)
    app.config.setdefault("JOBS_LOST_SECONDS", 120)
    app.config.setdefault("JOBS_BACKOFF_SCALE", 1.0)  # tests shrink the retry delays
    app.config.setdefault("JOB_RESULTS_FOLDER", os.path.join(app.config["PDF_FOLDER"], "job-results"))
    _install_listeners()
    from grants.platform import reminders  # noqa: F401  (registers its job and its schedule)

    reminders.discover()
    app.extensions["grants_jobs"] = Queue(app)
    @app.teardown_appcontext
    def _dispatch(exc):
        if g.get("jobs_ready") and app.extensions["grants_jobs"].url == "immediate":
            db.session.close()  # the job runs right here, in its own session: hold no lock on its rows
        dispatch_ready()
    app.cli.add_command(worker_command)


@click.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, help="Jobs run at the same time (threads).")
@click.option("--no-periodic", is_flag=True, help="Leave the schedule to the workers on another machine.")
def worker_command(workers: int, no_periodic: bool) -> None:
    """Run a job worker (a separate process; start as many as you like, on any machine)."""
    from flask.cli import ScriptInfo

    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    queue = app.extensions["grants_jobs"]
    if queue.url == "immediate":
        raise click.ClickException("QUEUE_URL is 'immediate': jobs run in the web process, there is nothing to work on")
    with app.app_context():
        recovered = recover()
    click.echo(f"worker {worker_id()} on {queue.url.split('@')[-1]}: {workers} thread(s); "
               f"{recovered} job(s) re-enqueued at start")
    consumer = queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=not no_periodic,
                                          check_worker_health=True, initial_delay=0.05, max_delay=1.0)
    consumer.run()
