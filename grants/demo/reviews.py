"""Demo data for the expert review: rubrics, 3 reviewers per eligible proposal, declarations,
and realistic scores (mostly submitted, some drafts). reviewer1@expert.demo keeps unfinished
work so that a demo reviewer can score right away. Runs after the intake demo."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Assignment,
    ConflictDeclaration,
    Proposal,
    ProposalStatus,
    Review,
    ReviewerAffiliation,
    ReviewStatus,
    Stage,
)
from grants.review import rubrics as rubric_ops
from grants.rules import rubric as rubric_core

PER_PROPOSAL = 3
COMMENTS_HIGH = ["需求調研扎實，數據翔實，論證充分。", "設計嚴謹，活動與目標高度對應。", "創新性突出，模式可複製推廣。",
                 "預算編制細緻合理，配套資金到位。", "團隊專業背景強，過往項目成效顯著。", "可持續機制清晰，社會效益明顯。"]
COMMENTS_LOW = ["需求論證薄弱，缺乏本地數據支撐。", "活動設計與目標脫節，可行性存疑。", "與常規服務區別不大，缺乏創新。",
                "預算明細不清，部分單價偏高。", "團隊人手不足，缺少專業督導。", "項目結束後缺乏延續安排。"]


def _score(rng: random.Random, criterion: rubric_core.Criterion, quality: float) -> Decimal:
    """A score around ``quality`` (0..1) of the maximum, on the criterion's step."""
    raw = criterion.max_points * Decimal(str(round(min(max(quality + rng.uniform(-0.08, 0.08), 0.3), 1.0), 3)))
    steps = (raw / criterion.step).to_integral_value()
    return min(steps * criterion.step, criterion.max_points)


def _fill(rng: random.Random, rubric: rubric_core.Rubric, quality: float) -> tuple[dict, dict, dict, dict]:
    scores, comments = {}, {}
    for i, c in enumerate(rubric.criteria):
        s = _score(rng, c, quality)
        scores[c.key] = str(s)
        band = rubric_core.band_for(c, s)
        if band == c.highest_band:
            comments[c.key] = COMMENTS_HIGH[i % len(COMMENTS_HIGH)]
        elif band == c.lowest_band:
            comments[c.key] = COMMENTS_LOW[i % len(COMMENTS_LOW)]
        elif rng.random() < 0.3:
            comments[c.key] = "整體尚可，建議補充執行細節。"
    veto = {v.key: False for v in rubric.veto_items}
    bonus = {}
    for b in rubric.bonus_items:
        if rng.random() < 0.5:
            bonus[b.key] = str(b.max_points)
    return scores, comments, veto, bonus


def seed(context: dict) -> None:
    rnd = context["round"]
    now = context["now"]
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.round_id == rnd.id, Proposal.status == ProposalStatus.eligible)
        .order_by(Proposal.id)
    ).all()
    if not proposals:
        return  # the intake demo is not there yet
    if rnd.review_opens_at is None or rnd.review_opens_at > now:
        rnd.review_opens_at = now - timedelta(days=1)
    if rnd.review_closes_at is None or rnd.review_closes_at <= now:
        rnd.review_closes_at = now + timedelta(days=14)
    written = rubric_ops.current_version(rnd.id, Stage.written)
    rubric_ops.current_version(rnd.id, Stage.roadshow)
    rubric = rubric_ops.rubric_of(written)

    reviewers = list(context["reviewers"])
    ties = {(a.reviewer_id, a.organization_id) for a in db.session.scalars(select(ReviewerAffiliation))}
    existing = {(a.reviewer_id, a.proposal_id) for a in db.session.scalars(
        select(Assignment).where(Assignment.round_id == rnd.id))}
    load = {r.id: sum(1 for (rid, _pid) in existing if rid == r.id) for r in reviewers}
    declared = {(d.reviewer_id, d.proposal_id) for d in db.session.scalars(select(ConflictDeclaration))}
    rng = random.Random(8)  # noqa: S311  (demo data, not security)
    demo_reviewer = reviewers[0].id if reviewers else None

    for index, proposal in enumerate(proposals):
        quality = 0.55 + 0.4 * ((index * 37) % 11) / 10
        eligible = [r for r in reviewers
                    if r.organization_id != proposal.organization_id
                    and (r.id, proposal.organization_id) not in ties]
        already = [r for r in eligible if (r.id, proposal.id) in existing]
        chosen = already + sorted((r for r in eligible if r not in already), key=lambda r: (load[r.id], r.id))
        for reviewer in chosen[:PER_PROPOSAL]:
            if (reviewer.id, proposal.id) not in existing:
                db.session.add(Assignment(round_id=rnd.id, proposal_id=proposal.id, reviewer_id=reviewer.id,
                                          stage=Stage.written, source="auto", created_by_id=context["admin"].id))
                existing.add((reviewer.id, proposal.id))
                load[reviewer.id] += 1
            if reviewer.id == demo_reviewer:
                # the demo reviewer: one proposal done, the rest waiting for them
                if load[reviewer.id] > 1:
                    continue
            elif rng.random() < 0.1:
                continue  # not even opened yet
            if (reviewer.id, proposal.id) in declared:
                continue  # seeded already
            db.session.add(ConflictDeclaration(reviewer_id=reviewer.id, proposal_id=proposal.id,
                                               has_conflict=False, declared_at=now - timedelta(hours=rng.randint(2, 40))))
            scores, comments, veto, bonus = _fill(rng, rubric, quality)
            submitted = reviewer.id == demo_reviewer or rng.random() < 0.8
            db.session.add(Review(
                proposal_id=proposal.id, reviewer_id=reviewer.id, stage=Stage.written,
                rubric_version_id=written.id,
                status=ReviewStatus.submitted if submitted else ReviewStatus.draft,
                scores=scores, comments=comments, veto_answers=veto if submitted else {}, bonus=bonus,
                total=rubric_core.total(rubric, scores, bonus), vetoed=False,
                submitted_at=now - timedelta(hours=rng.randint(1, 20)) if submitted else None,
            ))
    db.session.flush()
