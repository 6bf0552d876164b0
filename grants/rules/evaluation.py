"""Mid-term and final evaluations (中期評估 / 結項評估): sheet totals, the pass mark, aggregation
of a panel's sheets, and what an outcome does.  PURE: standard library and grants.rules only.

Definitions
-----------
* A sheet's total: ``base + min(Σ bonus, bonus_cap) − min(Σ deductions, deduction_cap)``,
  floored at 0 (``sheet_total``; the rubric module validates every value).
* The project's score aggregates the panel's submitted sheet totals with
  ``grants.rules.scoring.aggregate``: the trimmed mean (去掉一個最高分和一個最低分) when at least
  ``MIN_FOR_TRIM`` (5) sheets, the plain mean otherwise; published to 2 decimals, half-up.
* Pass iff the published score ≥ the rubric's pass mark (default 60): 59.99 fails, 60.00 passes.
* A report marked overdue fails the evaluation with reason ``overdue`` whatever the scores.
* Effects of an outcome (``effects``): a pass meets the tranche condition of its kind; a fail
  stops payments, terminates the project and demands a refund of the money paid minus the
  spending the report justified (never below 0), unless an admin entered an amount.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from grants.rules import rubric as rubric_rules
from grants.rules import scoring
from grants.rules.refusal import Refusal

DEFAULT_PASS_MARK = Decimal(60)
MIN_FOR_TRIM = 5
STAGE = "evaluation"
KINDS = ("midterm", "final")
METHODS = ("papers", "phone", "site_visit")
REASON_SCORE = "score"
REASON_OVERDUE = "overdue"
ZERO = Decimal(0)


def pass_mark(rubric: rubric_rules.Rubric) -> Decimal:
    return rubric.pass_mark if rubric.pass_mark is not None else DEFAULT_PASS_MARK


def sheet_problems(rubric: rubric_rules.Rubric, scores: Mapping, comments: Mapping | None,
                   bonus: Mapping | None, deductions: Mapping | None) -> list[rubric_rules.Problem]:
    """Every problem with an evaluation sheet: the rubric's (criteria, bonus), then the deductions."""
    return (rubric_rules.validate(rubric, scores, comments or {}, {}, bonus or {})
            + rubric_rules.validate_deductions(rubric, deductions or {}))


def sheet_total(rubric: rubric_rules.Rubric, scores: Mapping, bonus: Mapping | None = None,
                deductions: Mapping | None = None) -> Decimal:
    """base + capped bonus − capped deductions, floored at 0 (exact).  Raises ScoreError on invalid input."""
    value = (rubric_rules.base_total(rubric, scores) + rubric_rules.bonus_total(rubric, bonus)
             - rubric_rules.deduction_total(rubric, deductions))
    return max(value, ZERO)


@dataclass(frozen=True)
class Aggregate:
    score: Decimal  # published: 2 dp half-up
    n: int
    rule: str  # "trimmed_mean" | "mean"
    low: Decimal
    high: Decimal


def aggregate(totals: Mapping[Hashable, Decimal] | Sequence[Decimal]) -> Aggregate | None:
    """The panel's score from its submitted sheet totals (by evaluator); None without any sheet."""
    items = list(totals.items()) if isinstance(totals, Mapping) else list(enumerate(totals))
    if not items:
        return None
    reviews = [scoring.ReviewScore(proposal_id=0, reviewer_id=who, total=Decimal(t), stage=STAGE)
               for who, t in items]
    config = scoring.RoundConfig(stage_weights={STAGE: 100}, min_for_trim=MIN_FOR_TRIM, basis="trimmed",
                                 max_points=Decimal(10_000))
    result = scoring.aggregate(reviews, config)[0]
    values = [Decimal(t) for _w, t in items]
    return Aggregate(score=result.trimmed_mean, n=result.n, rule="trimmed_mean" if result.trimmed else "mean",
                     low=scoring.publish(min(values)), high=scoring.publish(max(values)))


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reason: str  # "" on a pass; "score" or "overdue" on a fail
    score: Decimal | None


def verdict(score: Decimal | None, mark: Decimal, *, overdue: bool = False) -> Verdict:
    """Pass iff not overdue and score ≥ mark.  Without a score (no sheet) only an overdue report decides."""
    if overdue:
        return Verdict(False, REASON_OVERDUE, score)
    if score is None:
        raise Refusal("evaluation_no_sheets")
    if score >= mark:
        return Verdict(True, "", score)
    return Verdict(False, REASON_SCORE, score)


def refund_due(paid: Decimal, justified: Decimal | None) -> Decimal:
    """Money to return on a fail: paid − justified spending, never below 0 (nothing justified: all of it)."""
    return max(Decimal(paid) - Decimal(justified or 0), ZERO)


@dataclass(frozen=True)
class Effects:
    """What an outcome does to the agreement, as data (applied by grants.evaluation.operations)."""

    condition_met: str | None  # the tranche condition that becomes met ("midterm" | "final")
    stop_payments: bool
    terminate: bool
    refund: Decimal  # 0: none
    completed: bool  # a passed final evaluation: 結項, with a certificate


def effects(kind: str, passed: bool, *, paid: Decimal = ZERO, justified: Decimal | None = None,
            refund_entered: Decimal | None = None) -> Effects:
    if kind not in KINDS:
        raise ValueError(kind)
    if passed:
        return Effects(condition_met=kind, stop_payments=False, terminate=False, refund=ZERO,
                       completed=kind == "final")
    refund = refund_entered if refund_entered is not None else refund_due(paid, justified)
    if refund < 0:
        raise Refusal("evaluation_refund_negative", field="refund")
    return Effects(condition_met=None, stop_payments=True, terminate=True, refund=refund, completed=False)
