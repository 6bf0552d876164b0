"""Mid-term and final reports (中期報告 / 結項報告): due dates, overdue as a fail, extensions granted
before the due date only, re-opening an overdue report, and what a report needs before it can be
submitted. PURE: standard library only.

Dates are local calendar days (Asia/Shanghai): a report due on D may be submitted until the end of D;
from D + 1 it is overdue (a fail) unless an extension was granted, with a reason, before D passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from grants.rules.refusal import Problem, Refusal

MIDTERM, FINAL = "midterm", "final"
KINDS = (MIDTERM, FINAL)
#: the final report is due this long after the project's end date
FINAL_AFTER_END = timedelta(days=30)
#: without project dates: the mid-term report this long after the agreement is issued, the project a year
DEFAULT_PERIOD = timedelta(days=365)
#: what an activity row of the timeline says about what was done
ACTIVITY_STATES = ("done", "partly", "not_done")
#: statuses in which the NGO may still change the report (and in which it can become overdue)
OPEN_STATUSES = ("draft", "returned")


def default_due_dates(start: date | None, end: date | None, issued_on: date) -> tuple[date, date]:
    """(mid-term due, final due): the midpoint of the project period and its end + 30 days; without
    project dates, from the day the agreement was issued over a one-year period."""
    if start is None or end is None or end <= start:
        start = issued_on
        end = issued_on + DEFAULT_PERIOD
    midpoint = start + timedelta(days=(end - start).days // 2)
    return max(midpoint, issued_on), max(end, issued_on) + FINAL_AFTER_END


def effective_due(due: date, extended_to: date | None = None, revision_due: date | None = None) -> date:
    """The day the report must be in by: a revision deadline (returned report), else the later of the due
    date and an extension (a due date an admin moved past an earlier extension is not pulled back)."""
    if revision_due is not None:
        return revision_due
    return max(due, extended_to) if extended_to is not None else due


def is_overdue(report_status: str | None, due: date, extended_to: date | None, today: date,
               revision_due: date | None = None) -> bool:
    """Not submitted (or not resubmitted) by the end of its effective due date. ``None``: not started."""
    if report_status is not None and str(report_status) not in OPEN_STATUSES:
        return False
    return today > effective_due(due, extended_to, revision_due)


def check_extension(due: date, new_date: date | None, today: date, reason: str | None) -> tuple[date, str]:
    """An extension is granted BEFORE the current due date passes (on the due day at the latest), with a
    reason, to a later date. Returns (new date, reason); every problem at once."""
    problems = []
    reason = (reason or "").strip()
    if today > due:
        problems.append(Problem(None, "extension_too_late", {"due": due}))
    if not reason:
        problems.append(Problem("reason", "reason_required"))
    if new_date is None:
        problems.append(Problem("extended_to", "required"))
    elif new_date <= due:
        problems.append(Problem("extended_to", "extension_not_later", {"due": due}))
    if problems:
        raise Refusal.of(problems)
    return new_date, reason


def check_due_change(current_due: date, new_due: date | None, today: date, *, field: str) -> date:
    """An admin moves a report's due date while it has not passed, and not into the past."""
    if new_due is None:
        raise Refusal("required", field=field)
    if new_due == current_due:
        return new_due
    if today > current_due:
        raise Refusal("due_date_passed", field=field, due=current_due)
    if new_due < today:
        raise Refusal("due_date_in_past", field=field)
    return new_due


def check_due_order(midterm: date, final: date) -> None:
    if final <= midterm:
        raise Refusal("due_order", field="final_report_due")


def _date_and_reason(field: str, new_date: date | None, today: date, reason: str) -> list[Problem]:
    """A new date (in ``field``) from today on, and a reason: what a returned report's deadline and a
    re-open both ask for."""
    problems = []
    if not reason:
        problems.append(Problem("reason", "reason_required"))
    if new_date is None:
        problems.append(Problem(field, "required"))
    elif new_date < today:
        problems.append(Problem(field, "due_date_in_past"))
    return problems


def check_revision_deadline(new_date: date | None, today: date, reason: str | None) -> tuple[date, str]:
    reason = (reason or "").strip()
    problems = _date_and_reason("revision_due", new_date, today, reason)
    if problems:
        raise Refusal.of(problems)
    return new_date, reason


#: evaluation states in which the outcome is recorded: an overdue report can no longer be re-opened
EVALUATION_DECIDED_STATES = ("decided", "noticed", "final")


def check_reopen(*, marked_overdue: bool, report_status: str, evaluation_state: str | None,
                 new_due: date | None, today: date, reason: str | None) -> tuple[date, str]:
    """The Federation accepts a late report (an illness, a flood): a report marked overdue and not yet
    submitted (a draft or a returned report) is re-opened to a new due date, not before today, with a
    reason, while the evaluation of its kind (``evaluation_state``; ``None``: none yet) has not recorded an
    outcome. Returns (new due date, reason); every problem at once."""
    problems = []
    reason = (reason or "").strip()
    if not marked_overdue or str(report_status) not in OPEN_STATUSES:
        problems.append(Problem(None, "report_not_overdue"))
    if evaluation_state is not None and str(evaluation_state) in EVALUATION_DECIDED_STATES:
        problems.append(Problem(None, "reopen_evaluation_decided"))
    problems += _date_and_reason("new_due", new_due, today, reason)
    if problems:
        raise Refusal.of(problems)
    return new_due, reason


# --------------------------------------------------------------------------- validation


def _count(value) -> int | None:
    """A non-negative whole number, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = str(value if value is not None else "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def amount_of(value) -> Decimal | None:
    """A non-negative amount with at most 2 decimals, or None."""
    if value is None or isinstance(value, bool) or str(value).strip() == "":
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or -amount.normalize().as_tuple().exponent > 2:
        return None
    return amount


def total(amounts: Mapping[str, object]) -> Decimal:
    """Σ of the amounts that are amounts (what the server stores as the total)."""
    return sum((a for a in (amount_of(v) for v in amounts.values()) if a is not None), Decimal(0))


def validate(kind: str, *, activities: Sequence[Mapping], served: Iterable[tuple[str, str, object]],
             sessions_held, volunteers, volunteer_hours, indicators: Sequence[Mapping],
             spending: Mapping[str, object], categories: Sequence[str], settlement: Mapping[str, object],
             has_audit_report: bool) -> list[Problem]:
    """Every problem of a report at once (an empty list: it can be submitted).

    ``served`` is (target group, district, person-times) for every cell of the grid (a blank cell is 0);
    ``categories``
    the budget categories spending (and, in a final report, the settlement) must be given for."""
    problems: list[Problem] = []
    for i, row in enumerate(activities):
        state = str(row.get("state") or "")
        if state not in ACTIVITY_STATES:
            problems.append(Problem(f"activities-{i}-state", "activity_state"))
        elif state != "not_done" and not str(row.get("done") or "").strip():
            problems.append(Problem(f"activities-{i}-done", "activity_done_missing"))
    grid_total, any_bad = 0, False
    for i, (_group, _district, value) in enumerate(served):
        count = 0 if value is None or str(value).strip() == "" else _count(value)  # a blank cell: nobody
        if count is None:
            any_bad = True
            problems.append(Problem(f"served-{i}-person_times", "count_invalid"))
        else:
            grid_total += count
    if not any_bad and grid_total == 0:
        problems.append(Problem("served", "served_missing"))
    for name, value in (("sessions_held", sessions_held), ("volunteers", volunteers)):
        if _count(value) is None:
            problems.append(Problem(name, "count_invalid"))
    hours = None
    if volunteer_hours is not None and str(volunteer_hours).strip() != "":
        try:
            hours = Decimal(str(volunteer_hours))
        except InvalidOperation:
            hours = None
    if hours is None or not hours.is_finite() or hours < 0:
        problems.append(Problem("volunteer_hours", "count_invalid"))
    for i, row in enumerate(indicators):
        if not str(row.get("actual") or "").strip():
            problems.append(Problem(f"indicators-{i}-actual", "indicator_actual_missing"))
    for i, category in enumerate(categories):
        if amount_of(spending.get(category)) is None:
            problems.append(Problem(f"spending-{i}-spent", "spending_missing"))
    if kind == FINAL:
        for i, category in enumerate(categories):
            if amount_of(settlement.get(category)) is None:
                problems.append(Problem(f"settlement-{i}-amount", "settlement_missing"))
        if not has_audit_report:
            problems.append(Problem("audit", "audit_report_missing"))
    return problems
