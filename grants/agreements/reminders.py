"""Reminders of the agreement stage (discovered by ``grants.platform.reminders``):

* ``agreement_signing`` -- to the NGO whose agreement is issued but not signed by it yet: at 09:00 local
  time on the 3rd and on the 1st working day before its signing deadline (the holiday calendar the
  deadline itself was counted with). Only the nearest due occasion goes out (workers down for days send
  one reminder, not two), and none that fell before the agreement was issued.
* ``agreement_overdue`` -- to every admin, once, from the local midnight after the deadline day while the
  agreement is still not signed by both sides (issued or NGO-signed): follow up or withdraw the award.
* ``receipt_unconfirmed`` -- to the NGO, for a payment an admin recorded whose receipt (收款確認) is still
  not confirmed 5 days later.

Each goes once per (kind, recipient, object, occasion) through ``reminder_sent``, in the recipient's
language (the lazy strings are written when queued).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants.agreements import operations as ops
from grants.extensions import db
from grants.models import Agreement, AgreementStatus, Payment, Role, User
from grants.platform import localtime
from grants.platform.reminders import Reminder, provider
from grants.publication import operations as publication_ops
from grants.rules import agreements as rules
from grants.rules import workdays

#: occasion -> working days before the deadline, nearest first (the nearest due occasion is the one sent)
SIGNING_OCCASIONS = (("1wd", 1), ("3wd", 3))
#: the local wall time a signing reminder falls due on its day
SEND_AT = time(9, 0)
#: a recorded payment whose receipt is not confirmed this long after it was recorded gets one reminder
RECEIPT_AFTER = timedelta(days=5)
#: the furthest a deadline can lie ahead of its 3rd working day before (a long 國慶/春節 break included)
LOOKAHEAD = timedelta(days=21)


def signing_occasion(now: datetime, agreement: Agreement, calendar: workdays.WorkCalendar) -> str | None:
    """Which signing reminder is due at ``now`` (aware) for ``agreement`` (None: none)."""
    if localtime.local_date(now) > agreement.deadline:
        return None  # overdue: the admins' notice takes over
    for name, days in SIGNING_OCCASIONS:
        moment = localtime.at(rules.working_days_before(agreement.deadline, days, calendar), SEND_AT)
        if now >= moment:
            return name if agreement.issued_at is None or moment >= agreement.issued_at else None
    return None


def _ngo_recipients(agreement: Agreement) -> list[str]:
    return sorted({to.lower() for to in ops.org_recipients(agreement) if to})


@provider("agreements.signing_deadline")
def signing_deadline(now: datetime):
    today = localtime.local_date(now)
    agreements = db.session.scalars(select(Agreement).where(
        Agreement.status == AgreementStatus.issued, Agreement.deadline >= today,
        Agreement.deadline <= today + LOOKAHEAD).order_by(Agreement.id)).all()
    if not agreements:
        return
    calendar = publication_ops.load_calendar()
    for agreement in agreements:
        name = signing_occasion(now, agreement, calendar)
        if name is None:
            continue
        left = rules.working_days_left(agreement.deadline, today, calendar)
        for to in _ngo_recipients(agreement):
            yield Reminder(
                kind="agreement_signing", recipient=to, object_type="agreement", object_id=agreement.id,
                occasion=name,
                subject=_l("Reminder: agreement %(number)s is waiting for your signature", number=agreement.number),
                body=_l("Grant agreement %(number)s for “%(project)s” must be signed by the end of %(deadline)s "
                        "(working days left, today included: %(days)s). Please sign in, confirm the bank details "
                        "and upload the signed and stamped copy before the deadline.",
                        number=agreement.number, project=agreement.proposal.name or "—",
                        deadline=agreement.deadline.isoformat(), days=left))


@provider("agreements.signing_overdue")
def signing_overdue(now: datetime):
    today = localtime.local_date(now)
    agreements = db.session.scalars(select(Agreement).where(
        Agreement.status.in_(ops.OPEN), Agreement.deadline < today).order_by(Agreement.id)).all()
    if not agreements:
        return
    admins = sorted({e.lower() for e in db.session.scalars(
        select(User.email).where(User.role == Role.admin, User.active.is_(True)))})
    for agreement in agreements:
        for to in admins:
            yield Reminder(
                kind="agreement_overdue", recipient=to, object_type="agreement", object_id=agreement.id,
                occasion="overdue",
                subject=_l("Agreement %(number)s was not signed by its deadline", number=agreement.number),
                body=_l("Grant agreement %(number)s for “%(project)s” (%(org)s) was still not signed by both sides "
                        "when its signing deadline, %(deadline)s, passed. Follow up with the organisation, or "
                        "withdraw the award on the project page.",
                        number=agreement.number, project=agreement.proposal.name or "—",
                        org=agreement.organization.name, deadline=agreement.deadline.isoformat()))


@provider("agreements.receipt_unconfirmed")
def receipt_unconfirmed(now: datetime):
    payments = db.session.scalars(select(Payment).join(Agreement).where(
        Payment.kind == "payment", Payment.confirmed_at.is_(None), Payment.recorded_at <= now - RECEIPT_AFTER,
        Agreement.status != AgreementStatus.withdrawn).order_by(Payment.id)).all()
    for payment in payments:
        agreement = payment.agreement
        n = payment.tranche.position + 1 if payment.tranche is not None else "—"
        for to in _ngo_recipients(agreement):
            yield Reminder(
                kind="receipt_unconfirmed", recipient=to, object_type="payment", object_id=payment.id,
                occasion="5d",
                subject=_l("Reminder: please confirm receipt of the payment for agreement %(number)s",
                           number=agreement.number),
                body=_l("%(amount)s yuan of tranche %(n)s of agreement %(number)s was recorded as paid on %(date)s "
                        "(voucher %(voucher)s), and its receipt is not confirmed yet. Please check the account "
                        "ending in %(last4)s, then sign in and confirm receipt.",
                        amount=str(payment.amount), n=n, number=agreement.number, date=payment.paid_on.isoformat(),
                        voucher=payment.voucher_no, last4=agreement.bank_account[-4:]))
