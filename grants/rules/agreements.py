"""Grant agreements (資助協議): signing deadline, bank details, the approved budget and its changes
(預算調整), and the agreement's verification code. PURE: standard library and grants.rules only.

* Signing deadline: the Nth working day after the agreement was issued (the issue day itself
  never counts, as for 公示), with the round's holiday calendar (``grants.rules.workdays``);
  default 15 working days. Unsigned after the end of that day = overdue.
* Bank details (開戶名稱, 開戶銀行, 賬號): the account number is 6-32 digits (spaces and hyphens
  typed for readability are dropped); anything shown outside the agreement itself and the
  ledger export is masked to its last four digits (``mask_account``).
* The approved budget is the award spread over the proposal's budget categories in proportion to
  the proposal's budget (rounded down to the fen, the remainder on the last category), so it adds
  up to the award exactly. A budget change moves an amount from one category to another: the
  total never changes, so it never exceeds the award. A move of at most ``threshold`` percent of
  the source category is recorded without approval; a larger one needs an admin's approval.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from grants.rules import workdays
from grants.rules.refusal import Problem, Refusal

DEFAULT_SIGNING_DAYS = 15
DEFAULT_CHANGE_THRESHOLD = Decimal("10")  # percent of the source category
CENT = Decimal("0.01")

# --------------------------------------------------------------------------- deadline


def signing_deadline(issued: date, calendar: workdays.WorkCalendar, days: int = DEFAULT_SIGNING_DAYS) -> date:
    """The last day to sign: the ``days``-th working day after ``issued``."""
    if days < 1:
        raise ValueError("a signing period needs at least one working day")
    return workdays.add_working_days(issued, days, calendar)


def is_overdue(deadline: date | None, today: date, *, signed: bool) -> bool:
    """Unsigned after the end of the deadline day."""
    return deadline is not None and not signed and today > deadline


def working_days_left(deadline: date, today: date, calendar: workdays.WorkCalendar) -> int:
    """Working days from tomorrow up to and including the deadline (0 on the day itself or after),
    plus one for today when today is itself a working day before or on the deadline."""
    if today > deadline:
        return 0
    return workdays.working_days_between(today, deadline, calendar) + (1 if calendar.is_working_day(today) else 0)


def working_days_before(day: date, n: int, calendar: workdays.WorkCalendar) -> date:
    """The Nth working day strictly before ``day`` (``day`` itself never counts): the day a
    "signing deadline in N working days" reminder falls on. ``n == 0`` returns ``day``."""
    if n < 0:
        raise ValueError("n must not be negative")
    d = day
    for _ in range(n):
        d -= timedelta(days=1)
        while not calendar.is_working_day(d):
            d -= timedelta(days=1)
    return d


# --------------------------------------------------------------------------- bank details

_SEPARATORS = re.compile(r"[\s\-\u3000]+")


def clean_account(raw: str | None) -> str:
    """The account number as digits only; raises ``Refusal("bank_account_invalid")``."""
    text = _SEPARATORS.sub("", raw or "")
    if not text:
        raise Refusal("required", field="bank_account")
    if not text.isascii() or not text.isdigit() or not 6 <= len(text) <= 32:
        raise Refusal("bank_account_invalid", field="bank_account")
    return text


def check_bank_details(account_name: str, bank_name: str, account: str) -> tuple[str, str, str]:
    problems = []
    name, bank = (account_name or "").strip(), (bank_name or "").strip()
    if not name:
        problems.append(Problem("bank_account_name", "required", {}))
    if not bank:
        problems.append(Problem("bank_name", "required", {}))
    try:
        number = clean_account(account)
    except Refusal as exc:
        problems.extend(exc.problems)
        number = ""
    if problems:
        raise Refusal.of(problems)
    return name, bank, number


def mask_account(number: str | None) -> str:
    """``****1234``: never more than the last four digits."""
    if not number:
        return ""
    return "****" + number[-4:]


# --------------------------------------------------------------------------- budget


def spread(amount: Decimal, weights: Sequence[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """``amount`` spread over categories in proportion to ``weights`` (category, weight) in the
    given order: rounded down to the fen, the remainder on the last category with a weight."""
    amount = Decimal(amount).quantize(CENT)
    positive = [(c, Decimal(w)) for c, w in weights if Decimal(w) > 0]
    if not positive:
        raise ValueError("no category with a positive weight")
    whole = sum((w for _c, w in positive), Decimal(0))
    out: dict[str, Decimal] = {}
    for category, weight in positive[:-1]:
        out[category] = out.get(category, Decimal(0)) + (amount * weight / whole).quantize(CENT, rounding=ROUND_DOWN)
    last = positive[-1][0]
    out[last] = out.get(last, Decimal(0)) + amount - sum(out.values(), Decimal(0))
    return out


def apply_change(budget: Mapping[str, Decimal], source: str, target: str, amount: Decimal,
                 categories: Sequence[str]) -> dict[str, Decimal]:
    """The budget after moving ``amount`` from ``source`` to ``target``; the total is unchanged.

    Refusals: ``budget_same_category``, ``budget_unknown_category``, ``payment_positive`` (the amount
    must be > 0, at most 2 decimals), ``budget_move_too_large`` (more than the source holds)."""
    if source not in categories or target not in categories:
        raise Refusal("budget_unknown_category", field="source" if source not in categories else "target")
    if source == target:
        raise Refusal("budget_same_category", field="target")
    if amount is None or amount <= 0 or Decimal(amount).as_tuple().exponent < -2:
        raise Refusal("payment_positive", field="amount")
    held = Decimal(budget.get(source, 0))
    if amount > held:
        raise Refusal("budget_move_too_large", field="amount", left=held)
    out = {c: Decimal(v) for c, v in budget.items()}
    out[source] = held - amount
    out[target] = out.get(target, Decimal(0)) + amount
    return {c: v for c, v in out.items() if v != 0 or c in (source, target)}


def needs_approval(budget: Mapping[str, Decimal], source: str, amount: Decimal,
                   threshold: Decimal = DEFAULT_CHANGE_THRESHOLD) -> bool:
    """A move larger than ``threshold`` percent of the source category needs approval."""
    held = Decimal(budget.get(source, 0))
    return Decimal(amount) * 100 > held * Decimal(threshold)


def check_total(budget: Mapping[str, Decimal], award: Decimal) -> None:
    total = sum((Decimal(v) for v in budget.values()), Decimal(0))
    if total > award or any(Decimal(v) < 0 for v in budget.values()):
        raise Refusal("budget_over_award", total=total, amount=award)


# --------------------------------------------------------------------------- verification


def verification_code(fields: Mapping[str, object]) -> str:
    """SHA-256 of the canonical agreement data as printed (every value a string), in the manner of
    the award list's code: UTF-8 of ``json.dumps(..., ensure_ascii=False, sort_keys=True,
    separators=(",", ":"))``."""
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
