"""Every mail goes through the outbox and a retried job: refused twice then accepted -> one mail;
a job that runs twice -> still one mail; a mail that never gets through -> failed, kept, shown."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

from sqlalchemy import select

from grants.extensions import db
from grants.models import Job, OutboxMail, utcnow
from grants.platform import jobs, mail
from tests.jobs.conftest import report, wait_for
from tests.jobs.smtp import RefusingHandler, smtp_server


def _outbox(app):
    with app.app_context():
        row = db.session.scalar(select(OutboxMail))
        job = db.session.scalar(select(Job).where(Job.kind == "mail.send"))
        return row.status, row.attempts, row.last_error, job.status, job.attempts, job.id


def test_refused_twice_then_accepted_delivers_exactly_one_mail(app, workers, queue_url):
    handler = RefusingHandler(refusals=2)
    with smtp_server(handler) as port:
        workers.extra_env = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port)}
        workers.start()
        with app.test_request_context():
            mail.queue("ngo@example.org", "申報已收到", "您的申報書已收到。")
            db.session.commit()
        # handed to the queue when the context ends; the worker tries, is refused twice, backs off
        wait_for(lambda: _outbox(app)[3] == "done", timeout=60, what="mail job done")
        status, attempts, last_error, job_status, job_attempts, job_id = _outbox(app)
        assert (attempts, last_error, job_status, job_attempts) == (3, "", "done", 3)
        assert handler.tries == 3 and len(handler.messages) == 1
        sent = message_from_bytes(handler.messages[0])
        assert sent["To"] == "ngo@example.org" and sent["Message-ID"].startswith("<outbox-")

        # the job runs again: a duplicate queue message, then the job itself forced to run again
        with app.app_context():
            app.extensions["grants_jobs"].send(job_id)
            db.session.get(Job, job_id).status = "waiting"
            db.session.commit()
            app.extensions["grants_jobs"].send(job_id)
        wait_for(lambda: _outbox(app)[3:5] == ("done", 4), timeout=60, what="job run again")
        assert handler.tries == 3 and len(handler.messages) == 1
        report(f"mail [{queue_url.split(':')[0]}]: refused twice then accepted -> delivered 1, failed 0, "
               f"SMTP tries 3; job run twice more -> still 1 delivered")


def test_a_mail_that_never_gets_through_is_failed_and_kept(app, queue_url):
    """Job logic, run in this process: six refused attempts with back-off, then failed, not dropped."""
    handler = RefusingHandler(refusals=99)
    with smtp_server(handler) as port:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        with app.test_request_context():
            row = mail.queue("ngo@example.org", "提醒", "內文")
            db.session.commit()
            outbox_id = row.id
        outcomes, delays = [], []
        for _ in range(6):
            with app.app_context():
                job = db.session.scalar(select(Job).where(Job.kind == "mail.send"))
                delays.append(round((job.run_at - utcnow()).total_seconds(), 1))
                job.run_at = utcnow() - timedelta(seconds=1)  # the back-off has passed
                db.session.commit()
                outcomes.append(jobs.execute(job.id))
    assert outcomes == ["retry"] * 5 + ["failed"]
    assert delays[1:] == sorted(delays[1:]) and delays[2] > delays[1]  # back-off grows
    with app.app_context():
        row = db.session.get(OutboxMail, outbox_id)
        job = db.session.scalar(select(Job).where(Job.kind == "mail.send"))
        assert (row.status, row.attempts, job.status, job.attempts) == ("failed", 6, "failed", 6)
        assert "451" in row.last_error and "451" in job.error
    assert handler.tries == 6 and handler.messages == []
