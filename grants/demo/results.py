"""Demo data for results: shortlist the top 12 for the roadshow, draw the order with a fixed seed,
a panel of 5 judges with roadshow scores for most shortlisted projects (the next one is on stage,
unscored, so a demo judge can score it), and rank-order awards within the pool.
Runs after the review demo; does nothing when there are no submitted reviews."""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import func, select

from grants.allocation import operations as awards_ops
from grants.extensions import db
from grants.models import Proposal, Review, ReviewStatus, RoadshowSlot
from grants.ranking import operations as ranking_ops
from grants.roadshow import operations as roadshow_ops
from grants.rules import rubric as rubric_mod

DEMO_SEED = "8c0ffee8a11d2026"
SHORTLIST = 12
UNSCORED_AT_END = 3


def _score(rng: random.Random, c: rubric_mod.Criterion, quality: float) -> Decimal:
    """A score in a middle band (no comment needed), around ``quality`` of the maximum."""
    bands = c.sorted_bands
    lo, hi = bands[1].min, bands[-2].max
    raw = c.max_points * Decimal(str(round(quality + rng.uniform(-0.06, 0.06), 3)))
    value = (raw / c.step).to_integral_value() * c.step
    return min(max(value, lo), hi)


def seed(context: dict) -> None:
    rnd = context["round"]
    submitted = db.session.scalar(
        select(func.count(Review.id)).join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.round_id == rnd.id, Review.status == ReviewStatus.submitted))
    if not submitted:
        return
    ranking = ranking_ops.round_scores(rnd)
    ids = roadshow_ops.shortlist_ids_by_rank(ranking, SHORTLIST, per_category=False)
    if not ids:
        return
    roadshow_ops.shortlist(rnd, ids)
    roadshow_ops.draw(rnd, DEMO_SEED)
    judges = [u.id for u in context["reviewers"][:5]]
    roadshow_ops.set_panel(rnd, judges)
    rv, rub = roadshow_ops.roadshow_rubric(rnd)
    order = list(db.session.scalars(select(RoadshowSlot).where(RoadshowSlot.round_id == rnd.id)
                                    .order_by(RoadshowSlot.position)))
    rng = random.Random(2026)
    now = context["now"]
    scored = order[: max(0, len(order) - UNSCORED_AT_END)]
    for slot in scored:
        quality = rng.uniform(0.62, 0.86)
        slot.started_at = now
        for judge in judges:
            scores = {c.key: _score(rng, c, quality) for c in rub.criteria}
            roadshow_ops.submit_judge_score(rnd, slot.proposal_id, judge, rv, rub, scores, {})
    if len(scored) < len(order):  # the next project is on stage, waiting for the judges
        nxt = order[len(scored)]
        nxt.started_at = now
        rnd.roadshow_current_id = nxt.proposal_id
    db.session.flush()
    awards_ops.write_awards(rnd, "rank_order")
