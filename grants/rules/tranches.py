"""Tranches (分期撥款), payments and the ledger of a grant agreement. PURE: standard library only.

A round's *schedule* is a list of ``(percent, condition)`` pairs: the percentages sum to exactly
100 and each tranche becomes due when its condition is met (``signing``: the agreement is signed
by both sides; ``midterm``: the mid-term evaluation (中期評估) passed; ``final``: the final
evaluation (末期評估 / 結項) passed). Amounts are Decimal yuan: every tranche but the last is the
award times its percentage, rounded DOWN to the fen, and the last one takes the remainder, so the
tranches always add up to the award exactly (the "remainder cent" is on the last tranche).

The ledger of an agreement (and of a round: the sum of its agreements) reconciles by construction:

    approved = paid + outstanding + not_yet_due + withheld
    due      = paid_against_due + outstanding          (outstanding never negative)
    net_paid = paid - refunded,  refund_open = refund_demanded - refunded

``withheld`` is what will not be paid because payments were stopped (e.g. a failed evaluation):
after a stop nothing is outstanding or due any more.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from grants.rules.refusal import Problem, Refusal

SIGNING, MIDTERM, FINAL = "signing", "midterm", "final"
CONDITIONS = (SIGNING, MIDTERM, FINAL)
DEFAULT_SCHEDULE: tuple[tuple[Decimal, str], ...] = (
    (Decimal("60"), SIGNING), (Decimal("30"), MIDTERM), (Decimal("10"), FINAL),
)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


# --------------------------------------------------------------------------- schedule


def _percent(value) -> Decimal | None:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def parse_schedule(rows: Iterable[tuple[object, object]]) -> list[tuple[Decimal, str]]:
    """Validate a schedule: ``[(percent, condition), ...]``, blank rows skipped.

    Raises ``Refusal`` with every problem at once (field ``schedule``, param ``row``: 1-based): ``schedule_percent``
    (not a number, <= 0, > 100 or more than 2 decimals), ``schedule_condition`` (unknown),
    ``schedule_empty`` and ``schedule_sum`` (the percentages do not add up to 100).
    """
    out: list[tuple[Decimal, str]] = []
    problems: list[Problem] = []
    for i, (raw_percent, condition) in enumerate(rows):
        if (raw_percent is None or str(raw_percent).strip() == "") and not condition:
            continue
        percent = _percent(raw_percent)
        if percent is None or percent <= 0 or percent > HUNDRED or percent.as_tuple().exponent < -2:
            problems.append(Problem("schedule", "schedule_percent", {"row": i + 1, "value": str(raw_percent)}))
            continue
        if condition not in CONDITIONS:
            problems.append(Problem("schedule", "schedule_condition", {"row": i + 1}))
            continue
        out.append((percent, str(condition)))
    if problems:
        raise Refusal.of(problems)
    if not out:
        raise Refusal("schedule_empty", field="schedule")
    total = sum((p for p, _c in out), Decimal(0))
    if total != HUNDRED:
        raise Refusal("schedule_sum", field="schedule", percent=total)
    return out


def split_amount(total: Decimal, percents: Sequence[Decimal]) -> list[Decimal]:
    """The tranche amounts of ``total`` yuan: each rounded down to the fen, the remainder on the
    last. ``sum(result) == total`` always; percents must sum to 100."""
    total = Decimal(total)
    if total < 0:
        raise ValueError("a negative total")
    if not percents:
        return []
    if sum(percents, Decimal(0)) != HUNDRED:
        raise ValueError("percentages must sum to 100")
    amounts = [(total * Decimal(p) / HUNDRED).quantize(CENT, rounding=ROUND_DOWN) for p in percents[:-1]]
    amounts.append(total.quantize(CENT) - sum(amounts, Decimal(0)))
    return amounts


def due_positions(conditions: Sequence[str], met: Iterable[str]) -> list[int]:
    """Indexes of the tranches whose condition is met."""
    met = set(met)
    return [i for i, condition in enumerate(conditions) if condition in met]


# --------------------------------------------------------------------------- payments


def check_payment(amount: Decimal, *, tranche_amount: Decimal, already_paid: Decimal, due: bool,
                  stopped: bool) -> None:
    """A payment against one tranche: positive, due, not stopped, and never more than what is left
    of the tranche (partial payments are fine)."""
    if stopped:
        raise Refusal("payments_stopped")
    if not due:
        raise Refusal("tranche_not_due")
    if amount is None or amount <= 0:
        raise Refusal("payment_positive", field="amount")
    left = tranche_amount - already_paid
    if amount > left:
        raise Refusal("payment_over_tranche", field="amount", left=left)


def check_refund(amount: Decimal, *, net_paid: Decimal, demanded: Decimal, refunded: Decimal, demand: bool) -> None:
    """A refund demanded (退回金額) is at most what was paid and not yet demanded back; a refund
    received is at most what is still demanded."""
    if amount is None or amount <= 0:
        raise Refusal("payment_positive", field="amount")
    if demand:
        left = net_paid + refunded - demanded
        if amount > left:
            raise Refusal("refund_over_paid", field="amount", left=max(left, Decimal(0)))
    else:
        left = demanded - refunded
        if amount > left:
            raise Refusal("refund_over_demanded", field="amount", left=max(left, Decimal(0)))


# --------------------------------------------------------------------------- ledger


@dataclass(frozen=True)
class TrancheState:
    amount: Decimal
    due: bool
    paid: Decimal = Decimal(0)


@dataclass(frozen=True)
class Ledger:
    approved: Decimal = Decimal(0)
    due: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    outstanding: Decimal = Decimal(0)
    not_yet_due: Decimal = Decimal(0)
    withheld: Decimal = Decimal(0)
    refund_demanded: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)

    @property
    def net_paid(self) -> Decimal:
        return self.paid - self.refunded

    @property
    def refund_open(self) -> Decimal:
        return self.refund_demanded - self.refunded

    def reconciles(self) -> bool:
        return (self.approved == self.paid + self.outstanding + self.not_yet_due + self.withheld
                and min(self.outstanding, self.not_yet_due, self.withheld, self.refund_open) >= 0
                and self.refunded <= self.paid)

    def __add__(self, other: Ledger) -> Ledger:
        return Ledger(*(getattr(self, f) + getattr(other, f) for f in FIELDS))


FIELDS = ("approved", "due", "paid", "outstanding", "not_yet_due", "withheld", "refund_demanded", "refunded")


def ledger(tranches: Sequence[TrancheState], *, stopped: bool = False, refund_demanded: Decimal = Decimal(0),
           refunded: Decimal = Decimal(0)) -> Ledger:
    """The ledger of one agreement (see the module docstring)."""
    approved = sum((t.amount for t in tranches), Decimal(0))
    paid = sum((t.paid for t in tranches), Decimal(0))
    if stopped:
        due = sum((t.paid for t in tranches), Decimal(0))
        outstanding = not_yet_due = Decimal(0)
        withheld = approved - paid
    else:
        due = sum((t.amount for t in tranches if t.due), Decimal(0))
        outstanding = sum((t.amount - t.paid for t in tranches if t.due), Decimal(0))
        not_yet_due = sum((t.amount - t.paid for t in tranches if not t.due), Decimal(0))
        withheld = Decimal(0)
    return Ledger(approved=approved, due=due, paid=paid, outstanding=outstanding, not_yet_due=not_yet_due,
                  withheld=withheld, refund_demanded=Decimal(refund_demanded), refunded=Decimal(refunded))


def total(ledgers: Iterable[Ledger]) -> Ledger:
    out = Ledger()
    for item in ledgers:
        out = out + item
    return out


def next_due(tranches: Sequence[tuple[int, Decimal, bool, Decimal, date | None]]) -> tuple[int, Decimal] | None:
    """(position, amount left) of the first tranche that is due and not fully paid, else None."""
    for position, amount, due, paid, _since in tranches:
        if due and paid < amount:
            return position, amount - paid
    return None
