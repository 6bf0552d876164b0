"""The agreement stage's scheduled reminders with a frozen clock: the signing deadline approaching (3 and 1
working days before, with the holiday calendar), the admins' notice once the deadline passed unsigned, and
the receipt not confirmed 5 days after a payment; each not too early, sent in its window, once, in the
recipient's language."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from grants.extensions import db
from grants.models import Agreement, AgreementStatus, Payment, ReminderSent, Role
from grants.platform import jobs
from tests.agreements import support as s
from tests.agreements.support import ADMIN, NGO
from tests.conftest import translate
from tests.jobs.conftest import inprocess_app  # noqa: F401  (a fixture: jobs run at hand-over, clock frozen)

HANS = "hans-agree@example.org"
EN_ADMIN = "en-admin@example.org"
# Monday 12 October 2026: the working days before it are Sat 10 Oct (調休 makeup day), Fri 9, Thu 8;
# 1-7 October are the 國慶 holidays. Without the calendar the reminders would fall on 9 and 7 October.
DEADLINE = date(2026, 10, 12)
ISSUED = datetime(2026, 9, 14, 2, 0, tzinfo=UTC)


def local(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    """A moment given in Beijing time (UTC+8), as aware UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture
def app(inprocess_app):  # noqa: F811
    return inprocess_app


def scan(app, at: datetime) -> list[dict]:
    """Run the reminder scan with the clock at ``at``; returns the mails it sent."""
    before = len(app.extensions.setdefault("grants_outbox", []))
    with time_machine.travel(at, tick=False), app.app_context():
        jobs.enqueue("reminders.scan", key=f"test-scan-{at.isoformat()}")
        db.session.commit()
    return app.extensions["grants_outbox"][before:]


def _world(make, app):
    with time_machine.travel(ISSUED, tick=False):
        world = s.build(make, app)
        s.sign_both(app, world.other_agreement_id, countersign=False)  # signed by its NGO, not countersigned
    with app.app_context():
        for a in db.session.scalars(select(Agreement)):
            a.deadline = DEADLINE
        org_id = db.session.get(Agreement, world.agreement_id).organization_id
        db.session.commit()
    make.user(Role.applicant, email=HANS, organization_id=org_id, locale="zh_Hans")
    make.user(Role.admin, email=EN_ADMIN, locale="en")
    return world


def _agreement(app, agreement_id) -> Agreement:
    with app.app_context():
        a = db.session.get(Agreement, agreement_id)
        _ = a.proposal, a.organization
        db.session.expunge_all()
        return a


def test_signing_reminders_3_and_1_working_days_before_the_deadline_with_holidays(app, make):
    world = _world(make, app)
    mine = _agreement(app, world.agreement_id)

    assert scan(app, local(7, 9, 1)) == []  # 3 calendar working days before, were 1-7 Oct not a holiday
    assert scan(app, local(8, 8, 59)) == []  # the right day, before 09:00 local
    sent = scan(app, local(8, 9, 1))
    assert sorted(m["to"] for m in sent) == [HANS, NGO]  # not the other NGO: it has signed already
    by_to = {m["to"]: m for m in sent}
    assert by_to[NGO]["subject"] == translate(
        "Reminder: agreement %(number)s is waiting for your signature", "zh_Hant", number=mine.number)
    assert by_to[HANS]["subject"] == translate(
        "Reminder: agreement %(number)s is waiting for your signature", "zh_Hans", number=mine.number)
    body = ("Grant agreement %(number)s for “%(project)s” must be signed by the end of %(deadline)s "
            "(working days left, today included: %(days)s). Please sign in, confirm the bank details "
            "and upload the signed and stamped copy before the deadline.")
    assert by_to[HANS]["body"] == translate(body, "zh_Hans", number=mine.number, project=s.PROJECT,
                                            deadline="2026-10-12", days=4)  # 8, 9, 10 (makeup) and 12 October
    assert by_to[NGO]["subject"] != by_to[HANS]["subject"]

    assert scan(app, local(8, 9, 2)) == []  # run twice: nothing more
    assert scan(app, local(9, 10)) == []  # Friday: the naive "1 working day before", not with the calendar
    assert scan(app, local(10, 8, 59)) == []
    sent = scan(app, local(10, 9, 1))  # Saturday 10 October is a makeup working day
    assert sorted(m["to"] for m in sent) == [HANS, NGO]
    assert "2026-10-12" in sent[0]["body"]
    assert scan(app, local(10, 15)) == [] and scan(app, local(12, 9, 30)) == []
    with app.app_context():
        rows = db.session.execute(select(ReminderSent.kind, ReminderSent.occasion, ReminderSent.object_id)
                                  .where(ReminderSent.kind == "agreement_signing")).all()
        assert sorted(rows) == sorted([("agreement_signing", "3wd", mine.id)] * 2
                                      + [("agreement_signing", "1wd", mine.id)] * 2)


def test_signing_reminder_missed_window_or_issued_late(app, make):
    """Workers down from Thursday to Saturday: only the nearest reminder goes; an occasion that fell
    before the agreement was issued is never sent (the 'agreement ready' mail just told them)."""
    world = _world(make, app)
    sent = scan(app, local(10, 12))
    assert len(sent) == 2
    with app.app_context():
        assert set(db.session.scalars(select(ReminderSent.occasion))) == {"1wd"}
        a = db.session.get(Agreement, world.agreement_id)
        a.issued_at = local(10, 10)  # issued after the 1-working-day moment (odd, but possible)
        db.session.execute(ReminderSent.__table__.delete())
        db.session.commit()
    assert scan(app, local(10, 13)) == []


def test_admins_told_once_when_the_deadline_passes_unsigned(app, make):
    world = _world(make, app)
    mine, other = _agreement(app, world.agreement_id), _agreement(app, world.other_agreement_id)
    with app.app_context():
        s_ids = {a.id: a.status for a in db.session.scalars(select(Agreement))}
    assert s_ids == {mine.id: AgreementStatus.issued, other.id: AgreementStatus.ngo_signed}

    late = scan(app, local(12, 23, 59))  # the deadline day is the NGO's to the end (local time): its last reminder
    assert sorted(m["to"] for m in late) == [HANS, NGO]
    sent = scan(app, local(13, 0, 1))
    assert sorted((m["to"], m["subject"]) for m in sent) == sorted(
        [(ADMIN, translate("Agreement %(number)s was not signed by its deadline", "zh_Hant", number=a.number))
         for a in (mine, other)]
        + [(EN_ADMIN, f"Agreement {a.number} was not signed by its deadline") for a in (mine, other)])
    en = next(m for m in sent if m["to"] == EN_ADMIN and mine.number in m["subject"])
    assert en["body"] == (
        f"Grant agreement {mine.number} for “{s.PROJECT}” ({s.ORG_NAME}) was still not signed by both sides "
        "when its signing deadline, 2026-10-12, passed. Follow up with the organisation, or withdraw the "
        "award on the project page.")
    assert all(m["to"] not in (NGO, HANS) for m in sent)
    assert scan(app, local(13, 9)) == [] and scan(app, local(20, 9)) == []  # once


def test_signed_or_withdrawn_agreements_are_not_reminded(app, make):
    from grants.agreements import operations as ops

    world = _world(make, app)
    with time_machine.travel(local(5, 12), tick=False), app.test_request_context():
        ops.withdraw(db.session.get(Agreement, world.agreement_id), reason="機構放棄")
        db.session.commit()
    with app.app_context():
        other = db.session.get(Agreement, world.other_agreement_id)
        other.status = AgreementStatus.signed  # countersigned
        db.session.commit()
        assert db.session.get(Agreement, world.agreement_id).status == AgreementStatus.withdrawn
    assert scan(app, local(8, 9, 30)) == []
    assert scan(app, local(10, 9, 30)) == []
    assert scan(app, local(13, 9, 30)) == []


def test_receipt_not_confirmed_reminder_after_5_days(app, make):
    from grants.agreements import operations_money as money

    recorded = local(2, 10, month=11)
    with time_machine.travel(ISSUED, tick=False):
        world = s.build(make, app)
    with time_machine.travel(recorded - timedelta(days=1), tick=False):
        s.sign_both(app, world.agreement_id)
    with app.app_context():
        org_id = db.session.get(Agreement, world.agreement_id).organization_id
        db.session.get(Agreement, world.other_agreement_id).status = AgreementStatus.signed  # not overdue
        db.session.commit()
    make.user(Role.applicant, email=HANS, organization_id=org_id, locale="zh_Hans")
    with time_machine.travel(recorded, tick=False), app.test_request_context():
        a = db.session.get(Agreement, world.agreement_id)
        first = a.tranches[0]
        paid = money.record_payment(a, tranche_id=first.id, amount=Decimal("1000.00"), paid_on=date(2026, 11, 2),
                                    voucher_no="PZ-2026-001", scan=None, user_id=None)
        unpaid_later = paid.id
        db.session.commit()

    assert scan(app, recorded + timedelta(days=5, minutes=-1)) == []  # not too early
    sent = scan(app, recorded + timedelta(days=5, minutes=1))
    assert sorted(m["to"] for m in sent) == [HANS, NGO]
    by_to = {m["to"]: m for m in sent}
    number = _agreement(app, world.agreement_id).number
    assert by_to[HANS]["body"] == translate(
        "%(amount)s yuan of tranche %(n)s of agreement %(number)s was recorded as paid on %(date)s "
        "(voucher %(voucher)s), and its receipt is not confirmed yet. Please check the account "
        "ending in %(last4)s, then sign in and confirm receipt.", "zh_Hans",
        amount="1000.00", n=1, number=number, date="2026-11-02", voucher="PZ-2026-001", last4=s.ACCOUNT[-4:])
    assert s.ACCOUNT not in by_to[HANS]["body"]  # only the last four digits
    assert by_to[NGO]["subject"] == translate(
        "Reminder: please confirm receipt of the payment for agreement %(number)s", "zh_Hant", number=number)
    assert scan(app, recorded + timedelta(days=5, minutes=2)) == []  # run twice: once
    assert scan(app, recorded + timedelta(days=9)) == []

    # a second payment, confirmed within the 5 days: never reminded
    with time_machine.travel(recorded + timedelta(days=6), tick=False), app.test_request_context():
        a = db.session.get(Agreement, world.agreement_id)
        second = money.record_payment(a, tranche_id=a.tranches[0].id, amount=Decimal("500.00"),
                                      paid_on=date(2026, 11, 8), voucher_no="PZ-2026-002", scan=None, user_id=None)
        db.session.flush()
        money.confirm_receipt(second, user_id=None)
        db.session.commit()
    assert scan(app, recorded + timedelta(days=12)) == []
    with app.app_context():
        rows = db.session.execute(select(ReminderSent.kind, ReminderSent.object_id, ReminderSent.occasion)).all()
        assert sorted(rows) == [("receipt_unconfirmed", unpaid_later, "5d")] * 2
        assert db.session.get(Payment, unpaid_later).confirmed_at is None


def test_working_days_before_skips_holidays_and_counts_makeup_days():
    from grants.rules import agreements as rules
    from grants.rules import workdays

    cal = workdays.default_calendar()
    assert rules.working_days_before(DEADLINE, 1, cal) == date(2026, 10, 10)  # Saturday, a makeup working day
    assert rules.working_days_before(DEADLINE, 3, cal) == date(2026, 10, 8)
    assert rules.working_days_before(date(2026, 10, 8), 1, cal) == date(2026, 9, 30)  # over 國慶
    assert rules.working_days_before(DEADLINE, 0, cal) == DEADLINE
    for n in range(0, 12):  # the inverse of add_working_days
        assert workdays.add_working_days(rules.working_days_before(DEADLINE, n, cal), n, cal) == DEADLINE
