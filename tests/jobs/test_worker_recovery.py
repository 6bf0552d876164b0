"""A render survives ``kill -9`` of its worker; a recycled web worker loses no publication.

Both tests run real worker processes on both queue backends: the Huey SQLite file with SQLite, Redis with PostgreSQL.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import select

from grants import ROOT
from grants.extensions import db
from grants.models import Job, Publication, PublicationStatus
from tests.factories import PASSWORD
from tests.jobs.conftest import report, wait_for
from tests.publication.test_publication_support import add_awards, admin_login

# enough rows for a render that takes a while (several pages), so the kill lands mid-render
MANY = [(f"婦女兒童公益項目第{n:03d}號：社區支持與能力建設計劃", n % 2, n + 1, f"{95 - n * 0.1:.2f}", "50000")
        for n in range(30)]


def _state(app, publication_id: int):
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == "publication.render"))
        pub = db.session.get(Publication, publication_id) if publication_id else None
        return (job.status if job else None, job.progress if job else None, job.attempts if job else None,
                pub.pdf_sha256 if pub else None, pub.status if pub else None)


def test_render_survives_kill_9_of_its_worker(app, client, auth, make, workers, queue_url):
    rnd = make.round()
    add_awards(make, app, rnd, MANY)
    admin_login(make, auth)
    first = workers.start()
    assert auth.post(f"/admin/rounds/{rnd.id}/publication/publish").status_code == 302
    with app.app_context():
        pub_id = db.session.scalar(select(Publication.id).where(Publication.round_id == rnd.id))

    # the worker takes the job; kill it (and its render processes) as soon as it is running
    wait_for(lambda: _state(app, pub_id)[0] == "running", timeout=60, interval=0.01, what="job running")
    workers.kill9(first)
    killed_at = time.monotonic()
    status, progress, attempts, sha, pub_status = _state(app, pub_id)
    assert (status, attempts, sha, pub_status) == ("running", 1, None, PublicationStatus.rendering), \
        "the kill did not land mid-render"  # stuck: its Huey message went with the worker

    time.sleep(0.5)
    assert _state(app, pub_id)[0] == "running"  # nobody else picks it up while no worker runs
    workers.start()
    restarted_at = time.monotonic()
    wait_for(lambda: _state(app, pub_id)[2] == 2, timeout=90, interval=0.02, what="job claimed again")
    reclaimed_at = time.monotonic()
    wait_for(lambda: _state(app, pub_id)[0] == "done", timeout=90, what="render job done after the restart")
    done_at = time.monotonic()
    status, progress, attempts, sha, pub_status = _state(app, pub_id)
    assert (status, progress, attempts, pub_status) == ("done", 100, 2, PublicationStatus.notice)
    files = sorted(p.name for p in Path(app.config["PDF_FOLDER"]).iterdir())
    assert files == [f"publication-{pub_id}-notice-{sha[:16]}.pdf", f"publication-{pub_id}-notice.xlsx"]
    assert "1 job(s) re-enqueued at start" in workers.log()
    page = client.get(f"/admin/rounds/{rnd.id}/publication/status.json").get_json()
    assert page["done"] and page["job"] == "done" and page["progress"] == 100
    report(f"render recovery after kill -9 [{queue_url.split(':')[0]}]: kill to PDF {done_at - killed_at:.2f} s = "
           f"new worker start to job claimed again {reclaimed_at - restarted_at:.2f} s (process start-up) + "
           f"render {done_at - reclaimed_at:.2f} s ({len(MANY)} rows)")


def test_a_web_worker_recycled_right_after_publishing_loses_nothing(app, make, workers, tmp_path, queue_url):
    """gunicorn (max_requests) recycles its only worker right after the publish request; the render,
    a job on the queue, is still there and a job worker completes it. (With the old thread in the web
    worker, the render died with the recycled worker and the list stayed "rendering".)"""
    rnd = make.round()
    add_awards(make, app, rnd)
    make.user(email="admin@example.org", role=__import__("grants.models", fromlist=["Role"]).Role.admin)
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "1", "--max-requests", "4",
             "--max-requests-jitter", "0", "-b", "127.0.0.1:0", "--graceful-timeout", "5", "run:app"],
            cwd=str(ROOT), env=workers.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        port = wait_for(lambda: re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log_path.read_text()),
                        timeout=30, what="gunicorn listening").group(1)
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: "Booting worker" in log_path.read_text(), timeout=30, what="gunicorn worker")
        http = requests.Session()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', http.get(base + "/login", timeout=30).text)
        response = http.post(base + "/login", data={"email": "admin@example.org", "password": PASSWORD,
                                                    "csrf_token": token.group(1)}, allow_redirects=False, timeout=30)
        assert response.status_code == 302
        page = http.get(f"{base}/admin/rounds/{rnd.id}/publication", timeout=30).text
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        assert token, page[:3000]
        token = token.group(1)
        response = http.post(f"{base}/admin/rounds/{rnd.id}/publication/publish", data={"csrf_token": token},
                             allow_redirects=False, timeout=30)  # the 4th request: the worker is recycled after it
        assert response.status_code == 302
        wait_for(lambda: log_path.read_text().count("Booting worker") >= 2, timeout=30, what="worker recycled")
        assert "Autorestarting worker after current request." in log_path.read_text()
        http.close()
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(30)
    with app.app_context():  # published, and its render waiting on the queue, not lost with the web worker
        pub_id = db.session.scalar(select(Publication.id).where(Publication.round_id == rnd.id))
    assert _state(app, pub_id)[0] == "waiting" and _state(app, pub_id)[4] == PublicationStatus.rendering
    workers.start()
    wait_for(lambda: _state(app, pub_id)[0] == "done", timeout=90, what="render job done by the job worker")
    assert _state(app, pub_id)[3] and _state(app, pub_id)[4] == PublicationStatus.notice


def test_a_lost_hand_over_is_re_enqueued_only_when_the_queue_is_idle(app, make, queue_url):
    """A job committed but never handed to the queue (the web worker died in between) is found by the
    sweep once it is older than JOBS_LOST_SECONDS and the queue holds no message; behind a backlog it
    is left alone (its message is simply queued)."""
    from datetime import timedelta

    from grants.models import utcnow
    from grants.platform import jobs

    queue = app.extensions["grants_jobs"]
    with app.app_context():
        job = Job(kind="reminders.scan", status="waiting", run_at=utcnow() - timedelta(minutes=5), error="")
        db.session.add(job)
        db.session.commit()  # as if the process stopped here: no hand-over
        assert queue.pending_messages() == 0
        assert jobs.recover() == 1 and queue.pending_messages() == 1  # handed over now
        assert jobs.recover() == 0 and queue.pending_messages() == 1  # a queued message: no duplicate
