"""The reminder scan as a job on a real queue with a real worker, twice: one reminder (both queues)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Job, OutboxMail, ProposalStatus, ReminderSent, utcnow
from grants.platform import jobs
from tests.jobs.conftest import report, wait_for


def test_a_reminder_scan_run_twice_by_a_worker_sends_one_reminder(app, make, workers, queue_url):
    rnd = make.round(call_closes_at=utcnow() + timedelta(hours=30))  # the 1-day reminder is due
    make.proposal(rnd.id, status=ProposalStatus.draft)
    workers.start(threads=2)
    with app.app_context():
        jobs.enqueue("reminders.scan", key="scan-a")
        jobs.enqueue("reminders.scan", key="scan-b")
        db.session.commit()

    def statuses():
        # The worker's own schedule enqueues a third scan at each quarter hour (key "reminders:<hour>"):
        # a run that crosses one has it too, and it must change nothing, so only our two scans are awaited.
        with app.app_context():
            return db.session.execute(select(Job.kind, Job.key, Job.status).order_by(Job.id)).all()

    def settled():
        rows = statuses()
        ours = {key: status for kind, key, status in rows if key in ("scan-a", "scan-b")}
        mails = [status for kind, _key, status in rows if kind == "mail.send"]
        return ours == {"scan-a": "done", "scan-b": "done"} and mails == ["done"]

    wait_for(settled, timeout=60, what="both scans and the mail done", detail=statuses)
    with app.app_context():
        assert db.session.scalar(select(func.count(ReminderSent.id))) == 1
        assert db.session.scalars(select(OutboxMail.status)).all() == ["sent"]
    report(f"reminders [{queue_url.split(':')[0]}]: scan run twice by a worker -> 1 reminder recorded, 1 mail sent")
