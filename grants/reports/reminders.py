"""Scheduled work of the report stage (discovered by ``grants.platform.reminders``):

* ``reports.mark_overdue`` -- a job the schedule enqueues once per local hour: every report of a signed
  agreement not submitted by the end of its effective due date is marked overdue (a fail), once, audited
  (``operations.mark_overdue``). An extension granted before the due date moves the effective due date.
* ``report_due`` -- to the NGO, 7 days and 1 day before a report's effective due date while it is not
  submitted (a report not started yet included). The occasion names the due date, so an extension gets
  its own reminders; only the nearest due occasion goes out.
* ``report_overdue`` -- to the NGO and to every admin, once, for each report marked overdue.

Each goes once per (kind, recipient, object, occasion) through ``reminder_sent``, in the recipient's
language (the lazy strings are written when queued).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants.agreements import operations as agreement_ops
from grants.extensions import db
from grants.models import Agreement, AgreementStatus, Report, Role, User
from grants.platform import jobs, localtime
from grants.platform.reminders import Reminder, provider
from grants.reports import operations as ops
from grants.rules import reports as rules

#: occasion -> days before the effective due date, nearest first
DUE_OCCASIONS = (("1d", 1), ("7d", 7))


def due_occasion(today, due) -> str | None:
    """Which due reminder is due on ``today`` for a report due on ``due`` (None: none)."""
    left = (due - today).days
    if left < 0:
        return None
    for name, days in DUE_OCCASIONS:
        if left <= days:
            return name
    return None


def _ngo(agreement: Agreement) -> list[str]:
    return sorted({to.lower() for to in agreement_ops.org_recipients(agreement) if to})


@provider("reports.due")
def reports_due(now: datetime):
    today = localtime.local_date(now)
    agreements = db.session.scalars(select(Agreement).where(Agreement.status == AgreementStatus.signed)
                                    .order_by(Agreement.id)).all()
    for agreement in agreements:
        for row in ops.summary(agreement, today):
            if row["status"] not in ("not_started", *rules.OPEN_STATUSES) or row["marked_overdue"]:
                continue
            due = row["effective_due"]
            name = due_occasion(today, due)
            if name is None:
                continue
            for to in _ngo(agreement):
                yield Reminder(
                    kind="report_due", recipient=to, object_type="agreement", object_id=agreement.id,
                    occasion=f"{row['kind']}:{name}:{due.isoformat()}",
                    subject=_l("Reminder: the %(kind)s of “%(project)s” is due by %(due)s",
                               kind=ops.KIND_LABELS[row["kind"]], project=agreement.proposal.name or "—",
                               due=due.isoformat()),
                    body=_l("The %(kind)s of “%(project)s” (agreement %(number)s) is due by the end of %(due)s. "
                            "Please sign in, fill it in and submit it before then: a report not submitted by its "
                            "due date counts as a fail.",
                            kind=ops.KIND_LABELS[row["kind"]], project=agreement.proposal.name or "—",
                            number=agreement.number, due=due.isoformat()))


@provider("reports.overdue")
def reports_overdue(now: datetime):
    reports = db.session.scalars(select(Report).where(Report.overdue_at.is_not(None)).order_by(Report.id)).all()
    if not reports:
        return
    admins = sorted({e.lower() for e in db.session.scalars(
        select(User.email).where(User.role == Role.admin, User.active.is_(True)))})
    for report in reports:
        agreement = report.agreement
        params = {"kind": ops.KIND_LABELS[str(report.kind)], "project": agreement.proposal.name or "—",
                  "number": agreement.number, "org": agreement.organization.name,
                  "due": report.effective_due_on.isoformat()}
        for to in _ngo(agreement):
            yield Reminder(
                kind="report_overdue", recipient=to, object_type="project_report", object_id=report.id,
                occasion="overdue",
                subject=_l("The %(kind)s of “%(project)s” is overdue", **params),
                body=_l("The %(kind)s of “%(project)s” (agreement %(number)s) was not submitted by its due date, "
                        "%(due)s. Under the agreement a late report counts as a failed evaluation. Contact the "
                        "Federation.", **params))
        for to in admins:
            yield Reminder(
                kind="report_overdue", recipient=to, object_type="project_report", object_id=report.id,
                occasion="overdue",
                subject=_l("Overdue: the %(kind)s of “%(project)s”", **params),
                body=_l("%(org)s did not submit the %(kind)s of “%(project)s” (agreement %(number)s) by its due "
                        "date, %(due)s. It is marked overdue and counts as a fail.", **params))


@jobs.handler("reports.mark_overdue", label=_l("Mark overdue project reports"), max_attempts=3, backoff=60)
def mark_overdue_job(job) -> None:
    ops.mark_overdue()
    job.progress = 100
    db.session.commit()


def enqueue_mark_overdue() -> None:
    """The schedule's entry: one marking job per local hour (its key)."""
    jobs.enqueue("reports.mark_overdue", key=f"reports-overdue:{localtime.now():%Y-%m-%dT%H}")


jobs.SCHEDULE.append(enqueue_mark_overdue)
