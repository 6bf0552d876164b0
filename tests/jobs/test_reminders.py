"""Scheduled reminders: frozen-clock timing of each kind, sent once, in the recipient's language, with
local times; and the scan job run twice through a real queue and worker sends one reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    Assignment,
    Job,
    Objection,
    ObjectionStatus,
    OutboxMail,
    ProposalStatus,
    ReminderSent,
    Review,
    Role,
    Stage,
)
from grants.platform import jobs
from tests.conftest import translate

DEADLINE = datetime(2026, 12, 10, 9, 59, tzinfo=UTC)  # 17:59 on 10 December, Beijing time


@pytest.fixture
def app(inprocess_app):
    return inprocess_app


def scan(app, at: datetime) -> list[dict]:
    """Run the scan job with the clock at ``at``; returns the mails it sent."""
    before = len(app.extensions.setdefault("grants_outbox", []))
    with time_machine.travel(at, tick=False), app.app_context():
        jobs.enqueue("reminders.scan", key=f"test-scan-{at.isoformat()}")
        db.session.commit()
    return app.extensions["grants_outbox"][before:]


def test_draft_reminders_3_days_and_1_day_before_the_deadline(app, make):
    rnd = make.round(call_closes_at=DEADLINE)
    org = make.organization(contact_email="office@ngo.example")
    make.user(Role.applicant, organization=org, email="hans@ngo.example", locale="zh_Hans")
    draft = make.proposal(rnd.id, organization_id=org.id, name="社區婦女互助計劃", status=ProposalStatus.draft)
    make.proposal(rnd.id, name="已提交的項目")  # submitted: never reminded

    assert scan(app, DEADLINE - timedelta(days=3, minutes=1)) == []
    sent = scan(app, DEADLINE - timedelta(days=3) + timedelta(minutes=1))
    assert sorted(m["to"] for m in sent) == ["hans@ngo.example", "office@ngo.example"]
    by_to = {m["to"]: m for m in sent}
    assert by_to["office@ngo.example"]["subject"] == translate(
        "Reminder: “%(name)s” is not submitted yet", "zh_Hant", name="社區婦女互助計劃")
    assert by_to["hans@ngo.example"]["subject"] == translate(
        "Reminder: “%(name)s” is not submitted yet", "zh_Hans", name="社區婦女互助計劃")
    assert "2026-12-10 17:59" in by_to["office@ngo.example"]["body"]  # the deadline in local time
    assert scan(app, DEADLINE - timedelta(days=2)) == []  # the 3-day reminder went once
    assert scan(app, DEADLINE - timedelta(days=1, minutes=1)) == []
    assert len(scan(app, DEADLINE - timedelta(hours=23))) == 2  # the 1-day reminder
    assert scan(app, DEADLINE - timedelta(hours=1)) == []
    assert scan(app, DEADLINE + timedelta(minutes=1)) == []
    with app.app_context():
        rows = db.session.execute(select(ReminderSent.occasion, ReminderSent.object_id)).all()
        assert sorted(rows) == [("1d", draft.id)] * 2 + [("3d", draft.id)] * 2


def test_draft_reminder_missed_window_sends_only_the_nearest(app, make):
    """Workers down for days: at 20 hours before the deadline only the 1-day reminder goes."""
    rnd = make.round(call_closes_at=DEADLINE)
    make.proposal(rnd.id, status=ProposalStatus.draft)
    sent = scan(app, DEADLINE - timedelta(hours=20))
    with app.app_context():
        assert db.session.scalars(select(ReminderSent.occasion)).all() == ["1d"]
    assert len(sent) == 1


def test_reviewer_reminder_2_days_before_the_review_window_closes(app, make):
    from tests.publication.test_publication_support import add_reviews

    closes = DEADLINE + timedelta(days=30)
    rnd = make.round(review_opens_at=closes - timedelta(days=20), review_closes_at=closes)
    p1, p2 = make.proposal(rnd.id, status=ProposalStatus.eligible), make.proposal(rnd.id, status=ProposalStatus.eligible)
    late = make.user(Role.reviewer, email="late@uni.example", locale="en")
    add_reviews(make, app, p1.id, ["已完成的專家"], [{"need": "18"}], [{}], rnd.id)
    with app.app_context():
        done_id = db.session.scalar(select(Review.reviewer_id))  # submitted the review of p1
        for proposal_id, reviewer_id in ((p1.id, late.id), (p2.id, late.id), (p1.id, done_id)):
            db.session.add(Assignment(round_id=rnd.id, proposal_id=proposal_id, reviewer_id=reviewer_id,
                                      stage=Stage.written))
        db.session.commit()
    assert scan(app, closes - timedelta(days=2, minutes=1)) == []
    sent = scan(app, closes - timedelta(days=2) + timedelta(minutes=1))
    assert [m["to"] for m in sent] == ["late@uni.example"]  # the reviewer who submitted all is not nudged
    local_close = (closes + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert sent[0]["body"] == translate(
        "The review window of %(round)s closes on %(deadline)s. You have %(count)s assigned proposal(s) whose "
        "review is not submitted yet.", "en", round=rnd.name, deadline=local_close, count=2)
    assert scan(app, closes - timedelta(hours=1)) == []


def test_admins_told_when_the_notice_period_ends_with_open_objections(app, make):
    from tests.publication.test_publication_support import add_awards, direct_publication

    rnd = make.round()
    ids = add_awards(make, app, rnd)
    end = date(2026, 12, 8)
    pub_id = direct_publication(app, rnd.id, start=end - timedelta(days=6), end=end)
    make.user(Role.admin, email="boss@fulian.example")
    make.user(Role.admin, email="deputy@fulian.example", locale="zh_Hans")
    with app.app_context():
        for status in (ObjectionStatus.open, ObjectionStatus.investigating, ObjectionStatus.dismissed):
            db.session.add(Objection(publication_id=pub_id, proposal_id=ids[0], name="市民", contact="1380000000",
                                     reasons=f"{status}", status=status))
        db.session.commit()
    last_minute = datetime(2026, 12, 8, 15, 59, tzinfo=UTC)  # 23:59 local on the last day
    assert scan(app, last_minute) == []
    sent = scan(app, last_minute + timedelta(minutes=2))  # 00:01 local, the day after
    assert sorted(m["to"] for m in sent) == ["boss@fulian.example", "deputy@fulian.example"]
    by_to = {m["to"]: m for m in sent}
    assert by_to["deputy@fulian.example"]["body"] == translate(
        "The public notice period of %(round)s ended on %(date)s. Open objections: %(count)s. Decide them, "
        "then make the award list final.", "zh_Hans", round=rnd.name, date="2026-12-08", count=2)
    assert scan(app, last_minute + timedelta(days=1)) == []


def test_the_scan_run_twice_sends_one_reminder(app, make):
    rnd = make.round(call_closes_at=DEADLINE)
    make.proposal(rnd.id, status=ProposalStatus.draft)
    at = DEADLINE - timedelta(hours=5)
    first, second = scan(app, at), scan(app, at + timedelta(seconds=1))
    assert len(first) == 1 and second == []
    with app.app_context():
        assert db.session.scalar(select(func.count(ReminderSent.id))) == 1
        assert db.session.scalar(select(func.count(OutboxMail.id))) == 1
        assert db.session.scalar(select(func.count(Job.id)).where(Job.kind == "reminders.scan")) == 2
