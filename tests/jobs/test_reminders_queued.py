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

    def settled():
        with app.app_context():
            statuses = db.session.scalars(select(Job.status).order_by(Job.id)).all()
            return len(statuses) == 3 and set(statuses) == {"done"}  # two scans and one mail

    wait_for(settled, timeout=60, what="both scans and the mail done")
    with app.app_context():
        assert db.session.scalar(select(func.count(ReminderSent.id))) == 1
        assert db.session.scalars(select(OutboxMail.status)).all() == ["sent"]
    report(f"reminders [{queue_url.split(':')[0]}]: scan run twice by a worker -> 1 reminder recorded, 1 mail sent")
