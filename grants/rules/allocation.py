"""Fitting awards into the funding pool (PURE: no Flask, no SQLAlchemy).

Money is ``Decimal`` yuan with at most 2 decimals; anything finer raises ``ValueError``.

Inputs
------
A *ranked* sequence of :class:`Candidate` (position 1 = best); the pool; optional
per-category quotas (maximum yuan per category; a category without a quota is limited only
by the pool); an optional per-project cap; ``min_score`` (default 60: a candidate is
fundable when ``score >= min_score``).  A candidate is awarded ``min(requested, cap)``
(never a partial amount to squeeze it in).

Reasons a row is not funded (``AllocationRow.reason``), checked in this order:
``vetoed``, ``ineligible``, ``below_min_score``, then
``pool_exhausted`` (its amount exceeds what is left of the pool),
``quota_exhausted`` (it fits the pool but not what is left of its category quota),
``not_reached`` (rank order with ``on_no_fit="stop"``: the walk stopped above it),
``not_selected`` (max-score: it fits on its own but is not in the optimal set).

Two methods
-----------
* :func:`allocate_in_rank_order`: the usual practice.  Walk in rank order; fund a candidate
  if its amount fits the remaining pool and its remaining category quota.  When it does not
  fit: ``on_no_fit="skip"`` (default) skips it and continues down the list (a cheaper
  project further down may still fit); ``"stop"`` ends the walk there.
* :func:`allocate_max_score`: the set of fundable candidates maximising the total score
  within the pool and quotas (0/1 knapsack), solved exactly by OR-Tools CP-SAT on integer
  cents with one worker and a fixed seed.  Among equal-score optima it takes the
  lexicographically best set in rank order (the set that funds the highest-ranked project
  on which the optima differ): after the optimum is found it is fixed, and the funding
  decisions are maximised block by block in rank order with weights 2^k inside each block
  of 48 candidates (exact and deterministic).

:func:`compare` reports what the simple rule leaves on the table; :func:`apply_adjustment`
changes one approved amount (核定金額) with validation: a refused adjustment raises
:class:`grants.rules.refusal.Refusal` (a code and the figures as Decimals, no text; the
sentences are in the "allocation" section of ``grants.platform.refusals``).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from grants.rules.refusal import Refusal

__all__ = [
    "Adjustment",
    "AllocationResult",
    "AllocationRow",
    "Candidate",
    "Comparison",
    "allocate_in_rank_order",
    "allocate_max_score",
    "apply_adjustment",
    "compare",
]

ProposalId = Hashable
OnNoFit = Literal["skip", "stop"]

ZERO = Decimal(0)
DEFAULT_MIN_SCORE = Decimal(60)
_LEX_BLOCK = 48

FUNDED = None
VETOED = "vetoed"
INELIGIBLE = "ineligible"
BELOW_MIN_SCORE = "below_min_score"
POOL_EXHAUSTED = "pool_exhausted"
QUOTA_EXHAUSTED = "quota_exhausted"
NOT_REACHED = "not_reached"
NOT_SELECTED = "not_selected"
_NEVER_FUNDABLE = (VETOED, INELIGIBLE, BELOW_MIN_SCORE)


def _money(value: object, what: str) -> Decimal:
    if isinstance(value, float) or isinstance(value, bool):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    d = value if isinstance(value, Decimal) else Decimal(value)  # type: ignore[arg-type]
    if not d.is_finite():
        raise ValueError(f"{what} must be finite, got {d}")
    if d != d.quantize(Decimal("0.01")):
        raise ValueError(f"{what} has more than 2 decimals: {d}")
    if d < 0:
        raise ValueError(f"{what} must not be negative, got {d}")
    return d


def _adjusted_amount(value: object) -> Decimal:
    """An approved amount typed by an admin: refused (not raised as a bug) when it is not money."""
    try:
        d = value if isinstance(value, Decimal) else Decimal(value)  # type: ignore[arg-type]
    except (ArithmeticError, TypeError, ValueError):
        raise Refusal("amount_invalid", field="amount") from None
    if not d.is_finite():
        raise Refusal("amount_invalid", field="amount")
    if d != d.quantize(Decimal("0.01")):
        raise Refusal("amount_decimals", field="amount")
    if d < 0:
        raise Refusal("amount_negative", field="amount")
    return d


def _cents(d: Decimal) -> int:
    return int(d * 100)


@dataclass(frozen=True, slots=True)
class Candidate:
    proposal_id: ProposalId
    category: str
    requested: Decimal
    score: Decimal  # published score (2 dp)
    vetoed: bool = False
    eligible: bool = True  # passed screening etc.


@dataclass(frozen=True, slots=True)
class AllocationRow:
    rank: int  # 1-based position in the input order
    proposal_id: ProposalId
    category: str
    score: Decimal
    requested: Decimal
    amount: Decimal  # approved amount; 0 when not funded
    reason: str | None  # None when funded, else why not (see module docstring)
    adjustment_reason: str | None = None

    @property
    def funded(self) -> bool:
        return self.reason is None


@dataclass(frozen=True, slots=True)
class Adjustment:
    proposal_id: ProposalId
    old_amount: Decimal
    new_amount: Decimal
    reason: str


@dataclass(frozen=True)
class AllocationResult:
    method: str  # "rank_order" | "max_score"
    rows: tuple[AllocationRow, ...]
    pool: Decimal
    cap: Decimal | None
    quotas: Mapping[str, Decimal]
    min_score: Decimal
    adjustments: tuple[Adjustment, ...] = field(default=())

    @property
    def awards(self) -> dict[ProposalId, Decimal]:
        return {r.proposal_id: r.amount for r in self.rows if r.reason is None}

    @property
    def total_funded(self) -> Decimal:
        return sum((r.amount for r in self.rows if r.reason is None), ZERO)

    @property
    def remaining(self) -> Decimal:
        return self.pool - self.total_funded

    @property
    def total_score(self) -> Decimal:
        return sum((r.score for r in self.rows if r.reason is None), ZERO)

    @property
    def funded_count(self) -> int:
        return sum(1 for r in self.rows if r.reason is None)

    def category_totals(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for r in self.rows:
            if r.reason is None:
                out[r.category] = out.get(r.category, ZERO) + r.amount
        return out

    def row(self, proposal_id: ProposalId) -> AllocationRow:
        for r in self.rows:
            if r.proposal_id == proposal_id:
                return r
        raise KeyError(proposal_id)


# --------------------------------------------------------------------------- validation


def _prepare(
    candidates: Sequence[Candidate],
    pool: Decimal,
    quotas: Mapping[str, Decimal] | None,
    cap: Decimal | None,
    min_score: Decimal,
) -> tuple[Decimal, dict[str, Decimal], Decimal | None, Decimal, list[Decimal], list[str | None]]:
    pool = _money(pool, "pool")
    q = {str(k): _money(v, f"quota of {k!r}") for k, v in (quotas or {}).items()}
    if cap is not None:
        cap = _money(cap, "cap")
        if cap == 0:
            raise ValueError("cap must be positive (use None for no cap)")
    if isinstance(min_score, float):
        raise TypeError("min_score must be a Decimal")
    min_score = Decimal(min_score)
    seen: set[ProposalId] = set()
    amounts: list[Decimal] = []
    pre: list[str | None] = []
    for c in candidates:
        if c.proposal_id in seen:
            raise ValueError(f"duplicate candidate {c.proposal_id!r}")
        seen.add(c.proposal_id)
        req = _money(c.requested, f"requested amount of {c.proposal_id!r}")
        if isinstance(c.score, float):
            raise TypeError(f"score of {c.proposal_id!r} must be a Decimal")
        amounts.append(req if cap is None else min(req, cap))
        if c.vetoed:
            pre.append(VETOED)
        elif not c.eligible:
            pre.append(INELIGIBLE)
        elif c.score < min_score:
            pre.append(BELOW_MIN_SCORE)
        elif amounts[-1] <= 0:
            pre.append(INELIGIBLE)  # nothing requested
        else:
            pre.append(None)
    return pool, q, cap, min_score, amounts, pre


def _result(method, candidates, amounts, reasons, pool, cap, quotas, min_score) -> AllocationResult:
    rows = tuple(
        AllocationRow(
            rank=i + 1,
            proposal_id=c.proposal_id,
            category=c.category,
            score=c.score,
            requested=c.requested,
            amount=amounts[i] if reasons[i] is None else ZERO,
            reason=reasons[i],
        )
        for i, c in enumerate(candidates)
    )
    return AllocationResult(
        method=method, rows=rows, pool=pool, cap=cap, quotas=dict(quotas), min_score=min_score
    )


# --------------------------------------------------------------------------- rank order


def allocate_in_rank_order(
    candidates: Sequence[Candidate],
    pool: Decimal,
    *,
    quotas: Mapping[str, Decimal] | None = None,
    cap: Decimal | None = None,
    min_score: Decimal = DEFAULT_MIN_SCORE,
    on_no_fit: OnNoFit = "skip",
) -> AllocationResult:
    """Walk in rank order, funding ``min(requested, cap)`` whenever it fits (see module doc)."""
    if on_no_fit not in ("skip", "stop"):
        raise ValueError("on_no_fit must be 'skip' or 'stop'")
    pool, q, cap, min_score, amounts, reasons = _prepare(candidates, pool, quotas, cap, min_score)
    left = pool
    q_left = dict(q)
    stopped = False
    for i, c in enumerate(candidates):
        if reasons[i] is not None:
            continue
        if stopped:
            reasons[i] = NOT_REACHED
            continue
        amt = amounts[i]
        if amt > left:
            reasons[i] = POOL_EXHAUSTED
        elif c.category in q_left and amt > q_left[c.category]:
            reasons[i] = QUOTA_EXHAUSTED
        else:
            left -= amt
            if c.category in q_left:
                q_left[c.category] -= amt
            continue
        if on_no_fit == "stop":
            stopped = True
    return _result("rank_order", candidates, amounts, reasons, pool, cap, q, min_score)


# --------------------------------------------------------------------------- max score


def _score_scale(scores: Sequence[Decimal]) -> int:
    exp = 0
    for s in scores:
        e = -s.as_tuple().exponent if s.is_finite() else 0  # type: ignore[operator]
        exp = max(exp, e)
    if exp > 6:
        raise ValueError("scores must have at most 6 decimals (publish them first)")
    return 10**exp


def allocate_max_score(
    candidates: Sequence[Candidate],
    pool: Decimal,
    *,
    quotas: Mapping[str, Decimal] | None = None,
    cap: Decimal | None = None,
    min_score: Decimal = DEFAULT_MIN_SCORE,
) -> AllocationResult:
    """The fundable set with the maximum total score within pool and quotas (exact, CP-SAT)."""
    from ortools.sat.python import cp_model  # local import: heavy module, only needed here

    pool, q, cap, min_score, amounts, reasons = _prepare(candidates, pool, quotas, cap, min_score)
    pool_c = _cents(pool)
    q_c = {k: _cents(v) for k, v in q.items()}

    # Candidates that could be funded at all (alone).
    idx: list[int] = []
    for i, c in enumerate(candidates):
        if reasons[i] is not None:
            continue
        a = _cents(amounts[i])
        if a > pool_c:
            reasons[i] = POOL_EXHAUSTED
        elif c.category in q_c and a > q_c[c.category]:
            reasons[i] = QUOTA_EXHAUSTED
        else:
            idx.append(i)

    chosen: set[int] = set()
    if idx:
        scale = _score_scale([candidates[i].score for i in idx])
        w = [int(candidates[i].score * scale) for i in idx]
        a = [_cents(amounts[i]) for i in idx]
        model = cp_model.CpModel()
        x = [model.new_bool_var(f"x{k}") for k in range(len(idx))]
        model.add(sum(a[k] * x[k] for k in range(len(idx))) <= pool_c)
        by_cat: dict[str, list[int]] = {}
        for k, i in enumerate(idx):
            by_cat.setdefault(candidates[i].category, []).append(k)
        for cat, ks in by_cat.items():
            if cat in q_c:
                model.add(sum(a[k] * x[k] for k in ks) <= q_c[cat])
        score_expr = sum(w[k] * x[k] for k in range(len(idx)))

        # Hint: the rank-order greedy solution (feasible), speeds up the first solve.
        greedy = allocate_in_rank_order(candidates, pool, quotas=q, cap=cap, min_score=min_score)
        for k, i in enumerate(idx):
            model.add_hint(x[k], greedy.rows[i].reason is None)

        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 0
        solver.parameters.log_search_progress = False

        def solve() -> list[int]:
            status = solver.solve(model)
            if status != cp_model.OPTIMAL:
                raise RuntimeError(f"CP-SAT did not prove optimality (status {solver.status_name(status)})")
            return [int(solver.boolean_value(v)) for v in x]

        model.maximize(score_expr)
        sol = solve()
        best = sum(w[k] * sol[k] for k in range(len(idx)))
        model.add(score_expr == best)

        # Lexicographic preference for higher-ranked candidates, block by block.
        for start in range(0, len(idx), _LEX_BLOCK):
            block = range(start, min(start + _LEX_BLOCK, len(idx)))
            if all(sol[k] for k in block):  # already the best possible for this block
                for k in block:
                    model.add(x[k] == 1)
                continue
            model.clear_hints()
            for k in range(len(idx)):
                model.add_hint(x[k], bool(sol[k]))
            size = len(block)
            model.maximize(sum((1 << (size - 1 - j)) * x[k] for j, k in enumerate(block)))
            sol = solve()
            for k in block:
                model.add(x[k] == sol[k])
        chosen = {idx[k] for k in range(len(idx)) if sol[k]}

    for i in idx:
        if i not in chosen:
            reasons[i] = NOT_SELECTED
    return _result("max_score", candidates, amounts, reasons, pool, cap, q, min_score)


# --------------------------------------------------------------------------- compare


@dataclass(frozen=True)
class Comparison:
    rank_order_score: Decimal
    max_score_score: Decimal
    score_gain: Decimal  # max-score minus rank-order (>= 0 on the same inputs)
    rank_order_funded: Decimal
    max_score_funded: Decimal
    rank_order_leftover: Decimal
    max_score_leftover: Decimal
    rank_order_count: int
    max_score_count: int
    only_rank_order: tuple[ProposalId, ...]  # funded by rank order only, in rank order
    only_max_score: tuple[ProposalId, ...]  # funded by max score only, in rank order


def compare(rank_order_result: AllocationResult, max_score_result: AllocationResult) -> Comparison:
    """What the simple rank-order rule leaves on the table compared with the max-score set."""
    a = rank_order_result
    b = max_score_result
    fa = a.awards
    fb = b.awards
    order = [r.proposal_id for r in a.rows] + [r.proposal_id for r in b.rows if r.proposal_id not in fa]
    seen: set[ProposalId] = set()
    ordered = [p for p in order if not (p in seen or seen.add(p))]
    return Comparison(
        rank_order_score=a.total_score,
        max_score_score=b.total_score,
        score_gain=b.total_score - a.total_score,
        rank_order_funded=a.total_funded,
        max_score_funded=b.total_funded,
        rank_order_leftover=a.remaining,
        max_score_leftover=b.remaining,
        rank_order_count=a.funded_count,
        max_score_count=b.funded_count,
        only_rank_order=tuple(p for p in ordered if p in fa and p not in fb),
        only_max_score=tuple(p for p in ordered if p in fb and p not in fa),
    )


# --------------------------------------------------------------------------- adjustments


def apply_adjustment(
    awards: AllocationResult,
    proposal_id: ProposalId,
    new_amount: Decimal,
    reason: str,
) -> tuple[AllocationResult, Decimal]:
    """Set one approved amount (核定金額).  Returns ``(new_result, remaining_pool)``.

    Rules: a non-blank reason; ``0 < new_amount <= requested`` and ``<= cap``; at most 2
    decimals; the total never exceeds the pool nor the category quota.  Adjusting a
    candidate that was not funded (pool/quota/not selected/not reached) funds it; vetoed,
    ineligible and below-min-score candidates can never be funded.  A broken rule raises
    :class:`Refusal` (``field`` "amount" or "reason"; money params as Decimals).
    """
    if isinstance(new_amount, float):
        raise TypeError("new_amount must be a Decimal")
    if not isinstance(reason, str) or not reason.strip():
        raise Refusal("award_reason_required", field="reason")
    amount = _adjusted_amount(new_amount)
    try:
        row = awards.row(proposal_id)
    except KeyError:
        raise Refusal("award_not_ranked", field="amount", proposal_id=proposal_id) from None
    if row.reason in _NEVER_FUNDABLE:
        raise Refusal("award_not_fundable", field="amount", reason=row.reason, why=row.reason)
    if amount <= 0:
        raise Refusal("award_not_positive", field="amount")
    if amount > row.requested:
        raise Refusal("award_over_requested", field="amount", amount=amount, req=row.requested)
    if awards.cap is not None and amount > awards.cap:
        raise Refusal("award_over_cap", field="amount", amount=amount, cap=awards.cap)
    old = row.amount if row.reason is None else ZERO
    left = awards.remaining + old
    if amount > left:
        raise Refusal("award_over_pool", field="amount", amount=amount, left=left)
    quota = awards.quotas.get(row.category)
    if quota is not None:
        q_left = quota - awards.category_totals().get(row.category, ZERO) + old
        if amount > q_left:
            raise Refusal("award_over_quota", field="amount", amount=amount, left=q_left, category=row.category)
    new_row = replace(row, amount=amount, reason=None, adjustment_reason=reason.strip())
    rows = tuple(new_row if r.proposal_id == proposal_id else r for r in awards.rows)
    result = replace(
        awards,
        rows=rows,
        adjustments=(*awards.adjustments, Adjustment(proposal_id, old, amount, reason.strip())),
    )
    return result, result.remaining
