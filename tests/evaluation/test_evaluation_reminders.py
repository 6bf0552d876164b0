"""The admins' reminder when an evaluation-results notice has ended: not before, once it ended, not
for the award notice's provider (which keeps to award lists)."""

from __future__ import annotations

from datetime import date, timedelta

from grants.extensions import db
from grants.models import Publication, PublicationStatus, Role
from grants.platform import localtime, reminders


def test_notice_ended_reminder(app, make):
    rnd = make.round()
    make.user(Role.admin, email="eval-admin@example.org")
    with app.app_context():
        pub = Publication(round_id=rnd.id, kind="evaluation", status=PublicationStatus.notice,
                          notice_start=date(2026, 10, 12), notice_end=date(2026, 10, 16), rows=[])
        db.session.add(pub)
        db.session.commit()
        ended = localtime.local_midnight(date(2026, 10, 17))
        reminders.discover()

        def kinds(now):
            return sorted((r.kind, r.recipient) for r in reminders.due(now))

        assert kinds(ended - timedelta(minutes=1)) == []
        assert kinds(ended) == [("evaluation_notice_ended", "eval-admin@example.org")]
        assert kinds(ended + timedelta(days=15)) == []
