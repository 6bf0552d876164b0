"""Budget, completeness and deadline rules of a proposal (申報書). PURE: no Flask, no SQLAlchemy.

Every rule returns ``Problem`` values instead of raising: ``field`` names the form field the
problem belongs to (``"requested"``, ``"budget_lines-2-unit_price"``, ``"budget_lines"``), ``code``
says what is wrong, and ``params`` carries the figures the message shows (``cap``, ``share`` ...).
The web layer turns codes into translated messages (``grants.platform.refusals``).

Money is ``Decimal`` yuan with at most 2 decimals; a line's subtotal is ``unit_price × quantity``
rounded half-up to the fen, computed here and never taken from the browser.

The proposal's lifecycle (deadlines, submit, withdraw, reopen, numbering) is in ``lifecycle.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from grants.rules.refusal import Problem

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
DEFAULT_ADMIN_SHARE_MAX = Decimal("10")
BUDGET_CATEGORIES = ("personnel", "activities", "materials", "publicity", "administration", "other")
MAX_AMOUNT = Decimal("1e12")


@dataclass(frozen=True)
class Line:
    category: str
    item: str
    unit_price: Decimal | None
    quantity: Decimal | None


@dataclass(frozen=True)
class RoundRules:
    project_cap: Decimal
    admin_share_max: Decimal | None = DEFAULT_ADMIN_SHARE_MAX
    project_start: date | None = None
    project_end: date | None = None
    category_ids: frozenset = frozenset()
    required_documents: tuple = ()


@dataclass
class ProposalData:
    """What the completeness check needs, as plain values."""

    name: str = ""
    category_id: int | None = None
    districts: Sequence[str] = ()
    target_groups: Sequence[str] = ()
    beneficiaries: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    need: str = ""
    objectives: str = ""
    risks: str = ""
    activities: int = 0  # number of filled rows
    outcomes: int = 0
    team: int = 0
    lines: Sequence[Line] = ()
    requested: Decimal | None = None
    matching_funds: Decimal | None = None
    attachment_kinds: Iterable[str] = ()


# ------------------------------------------------------------------ amounts

def amount_problem(value: Decimal | None, field_name: str) -> Problem | None:
    """Yuan, finite, not negative, at most 2 decimals."""
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite():
        return Problem(field_name, "amount_invalid")
    if value < 0:
        return Problem(field_name, "amount_negative")
    if value.as_tuple().exponent < -2:
        return Problem(field_name, "amount_decimals")
    if value >= MAX_AMOUNT:
        return Problem(field_name, "amount_too_large")
    return None


def line_subtotal(unit_price: Decimal | None, quantity: Decimal | None) -> Decimal:
    """unit price × quantity to the fen (half-up); a missing factor counts as 0."""
    if unit_price is None or quantity is None:
        return Decimal("0.00")
    return (unit_price * quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def budget_total(lines: Iterable[Line]) -> Decimal:
    return sum((line_subtotal(line.unit_price, line.quantity) for line in lines), Decimal("0.00"))


def category_totals(lines: Iterable[Line]) -> dict[str, Decimal]:
    totals = {c: Decimal("0.00") for c in BUDGET_CATEGORIES}
    for line in lines:
        totals[line.category] = totals.get(line.category, Decimal("0.00")) + line_subtotal(line.unit_price, line.quantity)
    return totals


def admin_share(lines: Sequence[Line]) -> Decimal:
    """The administration lines' share of the total, in percent (2 dp, half-up); 0 for an empty budget."""
    total = budget_total(lines)
    if total <= 0:
        return Decimal("0.00")
    admin = category_totals(lines).get("administration", Decimal(0))
    return (admin * HUNDRED / total).quantize(CENT, rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------ the budget rules

def check_budget(lines: Sequence[Line], requested: Decimal | None, matching: Decimal | None,
                 rules: RoundRules) -> list[Problem]:
    """The budget rules: well-formed lines, total = requested + matching, cap, administration share."""
    problems: list[Problem] = []
    for i, line in enumerate(lines):
        prefix = f"budget_lines-{i}-"
        if line.category not in BUDGET_CATEGORIES:
            problems.append(Problem(prefix + "category", "line_category"))
        if not (line.item or "").strip():
            problems.append(Problem(prefix + "item", "line_item_missing"))
        if line.unit_price is None:
            problems.append(Problem(prefix + "unit_price", "required"))
        else:
            p = amount_problem(line.unit_price, prefix + "unit_price")
            if p:
                problems.append(p)
            elif line.unit_price == 0:
                problems.append(Problem(prefix + "unit_price", "line_price_zero"))
        if line.quantity is None:
            problems.append(Problem(prefix + "quantity", "required"))
        elif not line.quantity.is_finite() or line.quantity <= 0:
            problems.append(Problem(prefix + "quantity", "line_quantity"))
        elif line.quantity.as_tuple().exponent < -2:
            problems.append(Problem(prefix + "quantity", "line_quantity_decimals"))
    if not lines:
        problems.append(Problem("budget_lines", "budget_empty"))
    for name, value in (("requested", requested), ("matching_funds", matching)):
        if value is None:
            problems.append(Problem(name, "required"))
        else:
            p = amount_problem(value, name)
            if p:
                problems.append(p)
    if requested is not None and not amount_problem(requested, "requested"):
        if requested <= 0:
            problems.append(Problem("requested", "requested_zero"))
        elif requested > rules.project_cap:
            problems.append(Problem("requested", "over_cap", {"cap": rules.project_cap, "requested": requested}))
    # The totals are checked whenever the figures they need are numbers, next to any other problem,
    # so one submission shows every budget problem at once (the cap, the sum, the share). A line
    # with a missing or malformed figure counts as 0 in the total, as on the form.
    usable = [line for line in lines if _line_usable(line)]
    total = budget_total(usable)
    amounts_ok = all(v is not None and not amount_problem(v, "") for v in (requested, matching))
    if lines and amounts_ok and total != requested + matching:
        problems.append(Problem("budget_lines", "total_mismatch", {
            "total": total, "requested": requested, "matching": matching, "sum": requested + matching}))
    share_max = DEFAULT_ADMIN_SHARE_MAX if rules.admin_share_max is None else rules.admin_share_max
    admin = category_totals(usable).get("administration", Decimal(0))
    # exact comparison (admin / total ≤ max / 100), no rounding lets 10.004 % through
    if total > 0 and admin * HUNDRED > share_max * total:
        problems.append(Problem("budget_lines", "admin_share", {"share": admin_share(usable), "max": share_max}))
    return problems


def _line_usable(line: Line) -> bool:
    """A line whose figures are finite numbers (a malformed one is reported on its own field)."""
    return all(isinstance(v, Decimal) and v.is_finite() for v in (line.unit_price, line.quantity))


# ------------------------------------------------------------------ completeness on submission

def check_submission(data: ProposalData, rules: RoundRules) -> list[Problem]:
    """Everything a submitted proposal needs; an empty list means it may be submitted."""
    problems: list[Problem] = []
    for name in ("name", "need", "objectives", "risks"):
        if not (getattr(data, name) or "").strip():
            problems.append(Problem(name, "required"))
    if data.category_id is None or (rules.category_ids and data.category_id not in rules.category_ids):
        problems.append(Problem("category_id", "required"))
    if not data.districts:
        problems.append(Problem("districts", "choose_one"))
    if not data.target_groups:
        problems.append(Problem("target_groups", "choose_one"))
    if data.beneficiaries is None:
        problems.append(Problem("beneficiaries", "required"))
    elif data.beneficiaries <= 0:
        problems.append(Problem("beneficiaries", "beneficiaries_positive"))
    problems += check_dates(data.start_date, data.end_date, rules)
    for name in ("activities", "outcomes", "team"):
        if getattr(data, name) < 1:
            problems.append(Problem(name, "rows_missing"))
    problems += check_budget(list(data.lines), data.requested, data.matching_funds, rules)
    have = set(data.attachment_kinds)
    missing = [kind for kind in rules.required_documents if kind not in have]
    if missing:
        problems.append(Problem("attachments", "attachments_missing", {"kinds": missing}))
    return problems


def check_dates(start: date | None, end: date | None, rules: RoundRules) -> list[Problem]:
    problems = []
    if start is None:
        problems.append(Problem("start_date", "required"))
    if end is None:
        problems.append(Problem("end_date", "required"))
    if start and end and end < start:
        problems.append(Problem("end_date", "end_before_start"))
    if start and rules.project_start and start < rules.project_start:
        problems.append(Problem("start_date", "before_period", {"date": rules.project_start}))
    if end and rules.project_end and end > rules.project_end:
        problems.append(Problem("end_date", "after_period", {"date": rules.project_end}))
    if start and rules.project_end and start > rules.project_end:
        problems.append(Problem("start_date", "after_period", {"date": rules.project_end}))
    return problems
