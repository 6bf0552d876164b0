"""Mid-term and final reports (中期報告 / 結項報告): opening a report of a signed agreement (pre-filled from
the proposal and the agreement's current budget), drafts, submission, return for revision, acceptance,
extensions, re-opening an overdue report, due dates and the scheduled overdue marking. Flush + audit, never commit (views commit).

The rules (due dates, overdue as a fail, extensions before the due date only, what a report needs) are
pure: ``grants.rules.reports``. ``report_context(report)`` gives the plain data of a report for the
read-only body (``templates/reports/_report_body.html``) that the evaluation pages include too.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants.agreements import operations as agreement_ops
from grants.extensions import db
from grants.models import (
    Agreement,
    AgreementStatus,
    Evaluation,
    Report,
    ReportFile,
    ReportFileKind,
    ReportKind,
    ReportServed,
    ReportStatus,
    TargetGroup,
    utcnow,
)
from grants.platform import audit, localtime, uploads
from grants.platform.i18n import BUDGET_CATEGORY_LABELS, DISTRICT_LABELS
from grants.rules import reports as rules
from grants.rules.refusal import Refusal

KIND_LABELS = {"midterm": _l("Mid-term report"), "final": _l("Final report")}
STATUS_LABELS = {
    "not_started": _l("Not started"),
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned for revision"),
    "accepted": _l("Accepted"),
}
TARGET_GROUP_LABELS = {"women": _l("Women"), "children": _l("Children"), "families": _l("Families"),
                       "others": _l("Others")}
STATE_LABELS = {"done": _l("Done"), "partly": _l("Partly done"), "not_done": _l("Not done")}
FILE_KIND_LABELS = {"photo": _l("Activity photo"), "document": _l("Activity record"), "receipt": _l("Receipt"),
                    "audit": _l("Audit report")}
GROUPS = [str(g) for g in TargetGroup]
#: evidence files per report
MAX_FILES = 60
MAX_TOTAL_BYTES = 200 * 1024 * 1024


# --------------------------------------------------------------------------- due dates


def due_dates(agreement: Agreement) -> tuple[date, date]:
    """(mid-term due, final due): as stored on the agreement, else the defaults from the project period."""
    midterm, final = rules.default_due_dates(agreement.proposal.start_date, agreement.proposal.end_date,
                                             agreement.issued_on)
    return agreement.midterm_report_due or midterm, agreement.final_report_due or final


def due_of(agreement: Agreement, kind: str) -> date:
    midterm, final = due_dates(agreement)
    return midterm if str(kind) == rules.MIDTERM else final


def set_due_dates(agreement: Agreement, *, midterm: date | None, final: date | None,
                  today: date | None = None) -> None:
    """An admin moves the report due dates, each only while it has not passed (audited)."""
    today = today or localtime.today()
    old_mid, old_final = due_dates(agreement)
    reports = {str(r.kind): r for r in reports_of(agreement)}
    new_mid = rules.check_due_change(_current_due(reports.get("midterm"), old_mid), midterm, today,
                                     field="midterm_report_due")
    new_final = rules.check_due_change(_current_due(reports.get("final"), old_final), final, today,
                                       field="final_report_due")
    rules.check_due_order(new_mid, new_final)
    agreement.midterm_report_due, agreement.final_report_due = new_mid, new_final
    for kind, new in (("midterm", new_mid), ("final", new_final)):
        report = reports.get(kind)
        if report is not None and report.due_on != new:
            report.due_on = new
    db.session.flush()
    audit.record("set_report_due_dates", agreement, midterm=new_mid.isoformat(), final=new_final.isoformat(),
                 was=[old_mid.isoformat(), old_final.isoformat()])


def _current_due(report: Report | None, agreement_due: date) -> date:
    """The date a due-date change is checked against: the agreement's due date (an extension or a
    revision deadline does not make an already-passed due date movable again)."""
    return report.due_on if report is not None else agreement_due


# --------------------------------------------------------------------------- reading


def reports_of(agreement: Agreement) -> list[Report]:
    return list(db.session.scalars(select(Report).where(Report.agreement_id == agreement.id).order_by(Report.kind)))


def reports_by_agreement(agreement_ids) -> dict[int, list[Report]]:
    """The reports of many agreements in one query, per agreement id."""
    out: dict[int, list[Report]] = {i: [] for i in agreement_ids}
    if out:
        for report in db.session.scalars(select(Report).where(Report.agreement_id.in_(list(out)))
                                         .order_by(Report.kind)):
            out[report.agreement_id].append(report)
    return out


def get_report(agreement: Agreement, kind: str) -> Report | None:
    return db.session.scalar(select(Report).where(Report.agreement_id == agreement.id, Report.kind == str(kind)))


def is_editable(report: Report) -> bool:
    """The NGO may change it: a draft or a returned report, not marked overdue, under a signed agreement."""
    return (str(report.status) in rules.OPEN_STATUSES and report.overdue_at is None
            and report.agreement.status == AgreementStatus.signed)


def is_overdue(report: Report, today: date | None = None) -> bool:
    """Marked overdue by the scheduled job, or past its effective due date without being submitted."""
    if report.overdue_at is not None:
        return True
    return rules.is_overdue(str(report.status), report.due_on, report.extended_to, today or localtime.today(),
                            report.revision_due_on)


def summary(agreement: Agreement, today: date | None = None, reports: list[Report] | None = None) -> list[dict]:
    """Both reports of a project as plain rows (a report not opened yet is ``not_started``); ``reports``: the
    agreement's reports when the caller read them already (lists of many agreements: one query for all)."""
    today = today or localtime.today()
    found = {str(r.kind): r for r in (reports_of(agreement) if reports is None else reports)}
    rows = []
    for kind in rules.KINDS:
        report = found.get(kind)
        due = due_of(agreement, kind) if report is None else report.due_on
        status = "not_started" if report is None else str(report.status)
        effective = due if report is None else report.effective_due_on
        overdue = (is_overdue(report, today) if report is not None
                   else agreement.status == AgreementStatus.signed and rules.is_overdue(None, due, None, today))
        rows.append({"kind": kind, "kind_label": str(KIND_LABELS[kind]), "report": report,
                     "report_id": report.id if report is not None else None, "status": status,
                     "status_label": str(STATUS_LABELS[status]), "due": due, "effective_due": effective,
                     "extended_to": report.extended_to if report is not None else None,
                     "extension_reason": report.extension_reason if report is not None else "",
                     "overdue": overdue, "marked_overdue": report is not None and report.overdue_at is not None,
                     "days_left": (effective - today).days if status in ("not_started", *rules.OPEN_STATUSES)
                     else None})
    return rows


# --------------------------------------------------------------------------- opening


def approved_budget(agreement: Agreement) -> dict[str, Decimal]:
    """The agreement's current budget version, per category."""
    return agreement_ops.budget_of(agreement_ops.current_budget(agreement))


def districts_of(agreement: Agreement) -> list[str]:
    districts = [str(d) for d in (agreement.proposal.districts or []) if str(d) in DISTRICT_LABELS]
    if not districts and agreement.organization.district:
        districts = [str(agreement.organization.district)]
    return districts or ["huicheng"]


def categories_of(report: Report) -> list[str]:
    """The budget categories the report gives spending for (the approved budget's, in its order)."""
    return list((report.spending or {}).keys()) or list(approved_budget(report.agreement).keys())


def open_report(agreement: Agreement, kind: str, *, user_id: int | None = None) -> Report:
    """The report of ``kind`` for a signed agreement, created and pre-filled the first time (audited)."""
    if str(kind) not in rules.KINDS:
        raise Refusal("report_kind_unknown")
    found = get_report(agreement, kind)
    if found is not None:
        return found
    if agreement.status != AgreementStatus.signed:
        raise Refusal("report_agreement_not_signed")
    proposal = agreement.proposal
    report = Report(
        agreement_id=agreement.id, round_id=agreement.round_id, organization_id=agreement.organization_id,
        kind=ReportKind(str(kind)), status=ReportStatus.draft, due_on=due_of(agreement, kind),
        activities=[{"position": i, "month": row.month, "planned": row.activity, "output": row.output,
                     "done": "", "state": ""} for i, row in enumerate(proposal.activities)],
        indicators=[{"position": i, "indicator": row.indicator, "target": row.target, "measure": row.measure,
                     "actual": "", "note": ""} for i, row in enumerate(proposal.outcomes)],
        spending={category: "" for category in approved_budget(agreement)},
        settlement={category: "" for category in approved_budget(agreement)} if str(kind) == rules.FINAL else {},
    )
    db.session.add(report)
    db.session.flush()
    audit.record("open_report", report, actor_id=user_id, agreement_id=agreement.id, kind=str(kind),
                 due=report.due_on.isoformat())
    return report


# --------------------------------------------------------------------------- the NGO's side


def _must_be_editable(report: Report) -> None:
    db.session.refresh(report, with_for_update=True)
    if report.overdue_at is not None:
        raise Refusal("report_overdue", due=report.effective_due_on)
    if not is_editable(report):
        raise Refusal("report_not_editable")


def served_grid(report: Report) -> list[tuple[str, str, int | None]]:
    """(target group, district, person-times) for every cell of the grid, groups first."""
    have = {(str(s.target_group), s.district): s.person_times for s in report.served}
    return [(group, district, have.get((group, district)))
            for group in GROUPS for district in districts_of(report.agreement)]


def save_draft(report: Report, values: dict, *, user_id: int | None = None) -> Report:
    """Store what the NGO typed (every part optional in a draft). ``values`` holds lists in the order
    the form shows them: activities [{state, done}], served [int|None] (grid order), indicators
    [{actual, note}], spending and settlement [Decimal|None] (category order); and the single values."""
    _must_be_editable(report)
    activities = [dict(row) for row in report.activities or []]
    for row, typed in zip(activities, values.get("activities") or [], strict=False):
        state = str(typed.get("state") or "")
        row["state"] = state if state in rules.ACTIVITY_STATES else ""
        row["done"] = str(typed.get("done") or "").strip()
    report.activities = activities
    indicators = [dict(row) for row in report.indicators or []]
    for row, typed in zip(indicators, values.get("indicators") or [], strict=False):
        row["actual"] = str(typed.get("actual") or "").strip()
        row["note"] = str(typed.get("note") or "").strip()
    report.indicators = indicators
    categories = categories_of(report)
    report.spending = _amounts(categories, values.get("spending") or [])
    report.spent_total = rules.total(report.spending)
    if str(report.kind) == rules.FINAL:
        report.settlement = _amounts(categories, values.get("settlement") or [])
        report.settlement_total = rules.total(report.settlement)
    _store_served(report, values.get("served") or [])
    report.sessions_held = values.get("sessions_held")
    report.volunteers = values.get("volunteers")
    report.volunteer_hours = values.get("volunteer_hours")
    report.matching_funds = values.get("matching_funds")
    report.problems = str(values.get("problems") or "").strip()
    report.changes = str(values.get("changes") or "").strip()
    report.updated_at = utcnow()
    db.session.flush()
    return report


def _amounts(categories: list[str], typed: list) -> dict[str, str]:
    out = {}
    for i, category in enumerate(categories):
        value = typed[i] if i < len(typed) else None
        amount = rules.amount_of(value)
        out[category] = "" if amount is None else format(amount.quantize(Decimal("0.01")), "f")
    return out


def _store_served(report: Report, typed: list) -> None:
    cells = served_grid(report)
    existing = {(str(s.target_group), s.district): s for s in report.served}
    for i, (group, district, _old) in enumerate(cells):
        value = typed[i] if i < len(typed) else None
        row = existing.get((group, district))
        if value is None or (isinstance(value, int) and value < 0):
            if row is not None:
                report.served.remove(row)
            continue
        if row is None:
            report.served.append(ReportServed(target_group=TargetGroup(group), district=district,
                                              person_times=int(value)))
        else:
            row.person_times = int(value)


def has_audit_report(report: Report) -> bool:
    return any(f.kind == ReportFileKind.audit for f in report.files)


def submission_problems(report: Report) -> list:
    return rules.validate(
        str(report.kind), activities=report.activities or [],
        served=served_grid(report),
        sessions_held=report.sessions_held, volunteers=report.volunteers, volunteer_hours=report.volunteer_hours,
        indicators=report.indicators or [], spending=report.spending or {}, categories=categories_of(report),
        settlement=report.settlement or {}, has_audit_report=has_audit_report(report))


def submit(report: Report, *, user_id: int | None = None, today: date | None = None) -> Report:
    """Submit (or resubmit after a return): every problem at once; refused once overdue."""
    _must_be_editable(report)
    today = today or localtime.today()
    if is_overdue(report, today):
        raise Refusal("report_overdue", due=report.effective_due_on)
    problems = submission_problems(report)
    if problems:
        raise Refusal.of(problems)
    resubmission = report.status == ReportStatus.returned
    report.status = ReportStatus.submitted
    report.submitted_at = utcnow()
    db.session.flush()
    audit.record("submit_report", report, actor_id=user_id, kind=str(report.kind), resubmission=resubmission,
                 spent_total=str(report.spent_total), person_times=sum(s.person_times for s in report.served))
    agreement = report.agreement
    agreement_ops.notify_admins(
        _l("A project report was submitted"),
        _l("%(organization)s submitted the %(kind)s of “%(project)s” (agreement %(number)s)."),
        organization=agreement.organization.name, kind=KIND_LABELS[str(report.kind)],
        project=agreement.proposal.name, number=agreement.number)
    return report


# --------------------------------------------------------------------------- evidence


def files_folder() -> str:
    return os.path.join(current_app.config["UPLOAD_FOLDER"], "reports")


def add_file(report: Report, kind: str, filename: str | None, data: bytes, *, user_id: int | None) -> ReportFile:
    """Evidence checked by its content (PDF, JPEG, PNG) and stored; the audit report only in a final report."""
    _must_be_editable(report)
    if kind not in FILE_KIND_LABELS:
        raise Refusal("report_file_kind", field="kind")
    if kind == "audit" and str(report.kind) != rules.FINAL:
        raise Refusal("report_audit_final_only", field="kind")
    if len(report.files) >= MAX_FILES:
        raise Refusal("report_too_many_files", field="evidence", max=MAX_FILES)
    name = uploads.clean_name(filename)
    file_kind, content_type = uploads.check_upload(name, data)
    if sum(f.size for f in report.files) + len(data) > MAX_TOTAL_BYTES:
        raise Refusal("report_files_too_large", field="evidence", limit_mb=MAX_TOTAL_BYTES // (1024 * 1024))
    stored, digest = uploads.store(files_folder(), data, file_kind)
    row = ReportFile(report_id=report.id, kind=ReportFileKind(kind), original_name=name, stored_name=stored,
                     content_type=content_type, size=len(data), sha256=digest, uploaded_by_id=user_id)
    db.session.add(row)
    db.session.flush()
    db.session.refresh(report)
    audit.record("add_report_file", report, actor_id=user_id, file_id=row.id, kind=kind, sha256=digest)
    return row


def delete_file(row: ReportFile, *, user_id: int | None) -> None:
    report = row.report
    _must_be_editable(report)
    stored, file_id, name = row.stored_name, row.id, row.original_name
    db.session.delete(row)
    db.session.flush()
    db.session.refresh(report)
    audit.record("delete_report_file", report, actor_id=user_id, file_id=file_id, name=name)
    try:
        uploads.remove(files_folder(), stored)
    except (OSError, Refusal):  # the row is gone; an orphan file is swept later
        current_app.logger.warning("report file %s not removed", stored)


def file_path(row: ReportFile) -> str:
    return uploads.path_of(files_folder(), row.stored_name)


# --------------------------------------------------------------------------- the Federation's side


def return_for_revision(report: Report, *, reason: str, revision_due: date | None, user_id: int | None,
                        today: date | None = None) -> Report:
    db.session.refresh(report, with_for_update=True)
    if report.status != ReportStatus.submitted:
        raise Refusal("report_not_submitted")
    new_due, reason = rules.check_revision_deadline(revision_due, today or localtime.today(), reason)
    report.status = ReportStatus.returned
    report.returned_at = utcnow()
    report.return_reason = reason
    report.revision_due_on = new_due
    db.session.flush()
    audit.record("return_report", report, actor_id=user_id, reason=reason, revision_due=new_due.isoformat())
    agreement = report.agreement
    agreement_ops.notify_org(
        agreement, _l("Your project report was returned for revision"),
        _l("The %(kind)s of “%(project)s” was returned for revision. Reason: %(reason)s. Please revise it and "
           "submit it again by %(due)s."),
        kind=KIND_LABELS[str(report.kind)], project=agreement.proposal.name, reason=reason, due=new_due.isoformat())
    return report


def accept(report: Report, *, user_id: int | None) -> Report:
    """Accepted (已受理): the evaluation starts on it."""
    db.session.refresh(report, with_for_update=True)
    if report.status != ReportStatus.submitted:
        raise Refusal("report_not_submitted")
    report.status = ReportStatus.accepted
    db.session.flush()
    audit.record("accept_report", report, actor_id=user_id, kind=str(report.kind))
    agreement = report.agreement
    agreement_ops.notify_org(
        agreement, _l("Your project report was accepted"),
        _l("The %(kind)s of “%(project)s” was accepted; the evaluation will start on it."),
        kind=KIND_LABELS[str(report.kind)], project=agreement.proposal.name)
    return report


def grant_extension(agreement: Agreement, kind: str, *, new_date: date | None, reason: str,
                    user_id: int | None, today: date | None = None) -> Report:
    """An extension, with a reason, granted before the report's current due date passes (audited). A
    report already marked overdue stays a fail."""
    today = today or localtime.today()
    report = open_report(agreement, kind, user_id=user_id)
    db.session.refresh(report, with_for_update=True)
    if str(report.status) not in rules.OPEN_STATUSES:
        raise Refusal("report_already_submitted")
    if report.overdue_at is not None:
        raise Refusal("extension_too_late", due=report.effective_due_on)
    new_date, reason = rules.check_extension(report.effective_due_on, new_date, today, reason)
    was = report.effective_due_on
    _extend(report, new_date, reason, user_id)
    audit.record("grant_report_extension", report, actor_id=user_id, kind=str(kind), was=was.isoformat(),
                 extended_to=new_date.isoformat(), reason=reason)
    agreement_ops.notify_org(
        agreement, _l("Your project report's due date was extended"),
        _l("The %(kind)s of “%(project)s” is now due by %(due)s. Reason: %(reason)s"),
        kind=KIND_LABELS[str(kind)], project=agreement.proposal.name, due=new_date.isoformat(), reason=reason)
    return report


def _extend(report: Report, new_date: date, reason: str, user_id: int | None) -> None:
    """Store a new effective due date as an extension (a returned report's revision deadline moves too),
    so ``Report.effective_due_on`` and the overdue marking read it."""
    report.extended_to = new_date
    if report.revision_due_on is not None:
        report.revision_due_on = new_date
    report.extension_reason = reason
    report.extension_granted_at = utcnow()
    report.extension_granted_by_id = user_id
    db.session.flush()


def reopen_overdue(report: Report, *, new_due: date | None, reason: str | None, user_id: int | None,
                   today: date | None = None) -> Report:
    """The Federation accepts a late report (an illness, a flood): a report marked overdue is re-opened to a
    new due date, with a reason, while its evaluation has not recorded an outcome. The overdue mark is
    cleared (the evaluation no longer fails it for lateness), the new date stored as an extension, audited,
    and the organization told."""
    today = today or localtime.today()
    db.session.refresh(report, with_for_update=True)
    evaluation_state = db.session.scalar(select(Evaluation.state).where(
        Evaluation.agreement_id == report.agreement_id, Evaluation.kind == report.kind))
    new_due, reason = rules.check_reopen(
        marked_overdue=report.overdue_at is not None, report_status=str(report.status),
        evaluation_state=None if evaluation_state is None else str(evaluation_state),
        new_due=new_due, today=today, reason=reason)
    was, overdue_at = report.effective_due_on, report.overdue_at
    report.overdue_at = None
    _extend(report, new_due, reason, user_id)
    audit.record("reopen_overdue_report", report, actor_id=user_id, kind=str(report.kind), was=was.isoformat(),
                 due=new_due.isoformat(), reason=reason, overdue_at=overdue_at.isoformat())
    agreement = report.agreement
    agreement_ops.notify_org(
        agreement, _l("Your overdue project report was re-opened"),
        _l("The %(kind)s of “%(project)s” was re-opened after it became overdue: it is now due by %(due)s. "
           "Reason: %(reason)s"),
        kind=KIND_LABELS[str(report.kind)], project=agreement.proposal.name, due=new_due.isoformat(), reason=reason)
    return report


def mark_overdue(today: date | None = None) -> list[Report]:
    """Scheduled: every report of a signed agreement not submitted by the end of its effective due date is
    marked overdue (a fail), once; a report never opened is opened to be marked. Idempotent; audited."""
    today = today or localtime.today()
    marked = []
    agreements = db.session.scalars(select(Agreement).where(Agreement.status == AgreementStatus.signed)
                                    .order_by(Agreement.id)).all()
    for agreement in agreements:
        found = {str(r.kind): r for r in reports_of(agreement)}
        for kind in rules.KINDS:
            report = found.get(kind)
            if report is None:
                if not rules.is_overdue(None, due_of(agreement, kind), None, today):
                    continue
                report = open_report(agreement, kind)
            if report.overdue_at is not None or not rules.is_overdue(
                    str(report.status), report.due_on, report.extended_to, today, report.revision_due_on):
                continue
            report.overdue_at = utcnow()
            db.session.flush()
            audit.record("report_overdue", report, kind=kind, due=report.effective_due_on.isoformat(),
                         status=str(report.status))
            marked.append(report)
    return marked


# --------------------------------------------------------------------------- plain data for templates


def report_context(report: Report) -> dict:
    """Everything the read-only report body shows, as plain data (strings, numbers, dates, lists)."""
    agreement = report.agreement
    approved = approved_budget(agreement)
    categories = categories_of(report)
    districts = districts_of(agreement)
    grid = served_grid(report)
    cells = {(g, d): v for g, d, v in grid}
    rows = []
    for group in GROUPS:
        values = [cells.get((group, d)) or 0 for d in districts]
        rows.append({"group": group, "label": str(TARGET_GROUP_LABELS[group]), "values": values, "total": sum(values)})
    spending = []
    for category in categories:
        spent = rules.amount_of((report.spending or {}).get(category))
        settled = rules.amount_of((report.settlement or {}).get(category))
        spending.append({"category": category, "label": str(BUDGET_CATEGORY_LABELS.get(category, category)),
                         "approved": approved.get(category, Decimal(0)), "spent": spent, "settled": settled,
                         "left": approved.get(category, Decimal(0)) - (spent or Decimal(0))})
    status = str(report.status)
    return {
        "id": report.id, "kind": str(report.kind), "kind_label": str(KIND_LABELS[str(report.kind)]),
        "final": str(report.kind) == rules.FINAL,
        "status": status, "status_label": str(STATUS_LABELS[status]),
        "project": agreement.proposal.name, "organization": agreement.organization.name,
        "agreement_number": agreement.number, "agreement_id": agreement.id, "round_id": report.round_id,
        "due_on": report.due_on, "effective_due": report.effective_due_on, "extended_to": report.extended_to,
        "extension_reason": report.extension_reason, "overdue_at": report.overdue_at,
        "submitted_at": report.submitted_at, "returned_at": report.returned_at,
        "return_reason": report.return_reason, "revision_due": report.revision_due_on,
        "activities": [{"month": a.get("month", ""), "planned": a.get("planned", ""), "done": a.get("done", ""),
                        "state": a.get("state", ""), "state_label": str(STATE_LABELS.get(a.get("state", ""), "—"))}
                       for a in report.activities or []],
        "districts": [str(DISTRICT_LABELS.get(d, d)) for d in districts],
        "served": rows, "served_total": sum(r["total"] for r in rows),
        "district_totals": [sum(cells.get((g, d)) or 0 for g in GROUPS) for d in districts],
        "sessions_held": report.sessions_held, "volunteers": report.volunteers,
        "volunteer_hours": report.volunteer_hours,
        "indicators": [{"indicator": i.get("indicator", ""), "target": i.get("target", ""),
                        "actual": i.get("actual", ""), "note": i.get("note", "")} for i in report.indicators or []],
        "spending": spending, "approved_total": sum(approved.values(), Decimal(0)),
        "spent_total": report.spent_total, "settlement_total": report.settlement_total,
        "matching_funds": report.matching_funds,
        "problems": report.problems, "changes": report.changes,
        "files": [{"id": f.id, "kind": str(f.kind), "kind_label": str(FILE_KIND_LABELS[str(f.kind)]),
                   "name": f.original_name, "size": f.size, "uploaded_at": f.uploaded_at} for f in report.files],
    }
