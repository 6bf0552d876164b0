"""Awards (立項, 核定金額): the two allocation methods side by side, writing Award rows, adjustments.

Candidates come from the ranking in overall rank order.  When the round has a roadshow
(any roadshow review exists), only proposals scored in every stage are eligible.  The pool,
per-category quotas, the per-project cap and the minimum score come from the round.
Functions flush and write the audit log; they never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import delete, select

from grants.extensions import db
from grants.models import Award
from grants.platform import audit
from grants.ranking import operations as ranking_ops
from grants.rules import allocation

METHODS = ("rank_order", "max_score")
ZERO = Decimal(0)


@dataclass
class Plans:
    ranking: ranking_ops.Ranking
    candidates: list[allocation.Candidate]
    rank_order: allocation.AllocationResult
    max_score: allocation.AllocationResult
    comparison: allocation.Comparison
    pool: Decimal
    quotas: dict[str, Decimal]
    cap: Decimal | None
    min_score: Decimal


def _quotas(rnd) -> dict[str, Decimal]:
    return {c.name: Decimal(c.quota) for c in rnd.categories if c.quota is not None}


def candidates(ranking: ranking_ops.Ranking) -> list[allocation.Candidate]:
    has_roadshow = any("roadshow" in r.stats for r in ranking.rows)
    out = []
    for r in ranking.rows:
        if not r.ranked:
            continue
        out.append(allocation.Candidate(
            proposal_id=r.id, category=r.category, requested=Decimal(r.requested).quantize(Decimal("0.01")),
            score=r.score, vetoed=r.disqualified, eligible=r.complete or not has_roadshow,
        ))
    return out


def plans(rnd, ranking: ranking_ops.Ranking | None = None) -> Plans:
    ranking = ranking or ranking_ops.round_scores(rnd)
    cands = candidates(ranking)
    pool = Decimal(rnd.funding_pool)
    quotas = _quotas(rnd)
    cap = Decimal(rnd.project_cap) if rnd.project_cap else None
    min_score = Decimal(rnd.min_score_to_fund if rnd.min_score_to_fund is not None else 60)
    kw = {"quotas": quotas, "cap": cap, "min_score": min_score}
    ro = allocation.allocate_in_rank_order(cands, pool, **kw)
    ms = allocation.allocate_max_score(cands, pool, **kw)
    return Plans(ranking, cands, ro, ms, allocation.compare(ro, ms), pool, quotas, cap, min_score)


def award_rows(round_id: int) -> list[Award]:
    return list(db.session.scalars(select(Award).where(Award.round_id == round_id).order_by(Award.rank, Award.id)))


def write_awards(rnd, method: str, plan: Plans | None = None) -> list[Award]:
    """Replace the round's awards with the funded rows of ``method``."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    plan = plan or plans(rnd)
    result = plan.rank_order if method == "rank_order" else plan.max_score
    previous = len(award_rows(rnd.id))
    db.session.execute(delete(Award).where(Award.round_id == rnd.id))
    written = []
    for row in result.rows:
        if not row.funded:
            continue
        award = Award(round_id=rnd.id, proposal_id=row.proposal_id, rank=row.rank, score=row.score,
                      requested=row.requested, amount=row.amount, method=method, adjustment_reason="")
        db.session.add(award)
        written.append(award)
    db.session.flush()
    audit.record("write_awards", rnd, method=method, count=len(written), total=str(result.total_funded),
                 pool=str(result.pool), replaced=previous)
    return written


def current_result(rnd, plan: Plans | None = None) -> allocation.AllocationResult:
    """The written awards as an AllocationResult (for adjustments and the remaining pool)."""
    plan = plan or plans(rnd)
    awards = {a.proposal_id: a for a in award_rows(rnd.id) if not a.withdrawn}
    base = plan.rank_order
    rows = []
    for r in base.rows:
        a = awards.get(r.proposal_id)
        if a is not None:
            rows.append(replace(r, amount=Decimal(a.amount), reason=None,
                                adjustment_reason=a.adjustment_reason or None))
        elif r.reason in (allocation.VETOED, allocation.INELIGIBLE, allocation.BELOW_MIN_SCORE):
            rows.append(r)
        else:
            rows.append(replace(r, amount=ZERO, reason=allocation.NOT_SELECTED))
    return replace(base, method="current", rows=tuple(rows))


def adjust(rnd, proposal_id: int, amount: Decimal, reason: str, plan: Plans | None = None) -> Decimal:
    """Set one approved amount with a reason; returns what is left of the pool.

    Raises :class:`grants.rules.refusal.Refusal` (from ``allocation.apply_adjustment``) when a rule
    would break; nothing is changed then.
    """
    if isinstance(amount, Decimal) and amount.is_finite() and amount == amount.quantize(Decimal("0.01")):
        amount = amount.quantize(Decimal("0.01"))
    current = current_result(rnd, plan)
    new, left = allocation.apply_adjustment(current, proposal_id, amount, reason)
    row = new.row(proposal_id)
    award = db.session.scalar(select(Award).where(Award.proposal_id == proposal_id, Award.round_id == rnd.id))
    old = Decimal(award.amount) if award is not None and not award.withdrawn else ZERO
    if award is None:
        award = Award(round_id=rnd.id, proposal_id=proposal_id, rank=row.rank, score=row.score,
                      requested=row.requested, amount=row.amount)
        db.session.add(award)
    award.amount = row.amount
    award.method = "adjusted"
    award.adjustment_reason = reason.strip()
    award.withdrawn = False
    db.session.flush()
    audit.record("adjust_award", award, proposal_id=proposal_id, old_amount=str(old), new_amount=str(row.amount),
                 reason=reason.strip(), remaining=str(left))
    return left


STALE_REASONS = ("no_longer_ranked", "disqualified", "score_changed", "rank_changed")


def stale_awards(rnd, ranking: ranking_ops.Ranking | None = None) -> list[dict]:
    """Awards that no longer match the ranking (e.g. scores revised after the allocation): each as
    ``{"award", "row", "why"}`` with ``why`` one of ``STALE_REASONS``. The award keeps the rank and
    score it was made with; a difference means the list should be checked (and re-allocated)."""
    awards = [a for a in award_rows(rnd.id) if not a.withdrawn]
    if not awards:
        return []
    ranking = ranking or ranking_ops.round_scores(rnd)
    rows = ranking.by_id
    out = []
    for award in awards:
        row = rows.get(award.proposal_id)
        if row is None or not row.ranked:
            why = "no_longer_ranked"
        elif row.disqualified:
            why = "disqualified"
        elif award.score is not None and row.score is not None and \
                Decimal(award.score).quantize(Decimal("0.01")) != Decimal(row.score).quantize(Decimal("0.01")):
            why = "score_changed"
        elif award.rank is not None and row.rank is not None and award.rank != row.rank:
            why = "rank_changed"
        else:
            continue
        out.append({"award": award, "row": row, "why": why})
    return out
