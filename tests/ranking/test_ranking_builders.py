"""Builders for the ranking / roadshow / allocation tests: rubric versions and reviews written directly."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from grants.extensions import db
from grants.models import Assignment, ProposalStatus, Review, ReviewStatus, Role, RubricVersion, Stage, utcnow
from grants.rules import rubric as rubric_mod

ADMIN = "admin@example.org"


def rubric_version(app, round_id: int, stage: str = "written") -> int:
    with app.app_context():
        rv = db.session.scalar(select(RubricVersion).where(RubricVersion.round_id == round_id,
                                                           RubricVersion.stage == Stage(stage)))
        if rv is None:
            rub = rubric_mod.default_written_rubric() if stage == "written" else rubric_mod.default_roadshow_rubric()
            rv = RubricVersion(round_id=round_id, stage=Stage(stage), version=1,
                               definition=rubric_mod.rubric_to_dict(rub))
            db.session.add(rv)
            db.session.commit()
        return rv.id


def reviews(app, round_id: int, rows, stage: str = "written") -> None:
    """rows: iterable of (proposal_id, reviewer_id, total[, vetoed[, scores]])."""
    rv_id = rubric_version(app, round_id, stage)
    with app.app_context():
        now = utcnow()
        for row in rows:
            pid, rid, total = row[0], row[1], Decimal(str(row[2]))
            vetoed = row[3] if len(row) > 3 else False
            scores = row[4] if len(row) > 4 else {"need": str(total)}
            db.session.add(Review(proposal_id=pid, reviewer_id=rid, stage=Stage(stage), rubric_version_id=rv_id,
                                  status=ReviewStatus.submitted, scores=scores, total=total, vetoed=vetoed,
                                  submitted_at=now, veto_answers={}, comments={}, bonus={}))
        db.session.commit()


def assign_roadshow(app, round_id: int, proposal_id: int, reviewer_id: int) -> None:
    with app.app_context():
        db.session.add(Assignment(round_id=round_id, proposal_id=proposal_id, reviewer_id=reviewer_id,
                                  stage=Stage.roadshow))
        db.session.commit()


def reviewers(make, n: int, prefix: str = "r") -> list[int]:
    return [make.user(Role.reviewer, email=f"{prefix}{i}@expert.example", name=f"{prefix.upper()}專家{i}").id
            for i in range(n)]


def admin_login(make, auth) -> None:
    make.user(Role.admin, email=ADMIN)
    auth.login(ADMIN)


def categories(app, round_id: int) -> list[tuple[int, str]]:
    from grants.models import Category

    with app.app_context():
        return [(c.id, c.name) for c in db.session.scalars(
            select(Category).where(Category.round_id == round_id).order_by(Category.position))]


def eligible(make, round_id: int, **kw):
    kw.setdefault("status", ProposalStatus.eligible)
    return make.proposal(round_id, **kw)


def test_builder_reviews_are_what_the_ranking_reads(app, make):
    """A review written by the builder is read by grants.ranking as a submitted review of its stage."""
    from grants.models import Round
    from grants.ranking import operations as ranking_ops

    rnd = make.round(stage_weights={"written": 100})
    p = eligible(make, rnd.id)
    (r,) = reviewers(make, 1)
    reviews(app, rnd.id, [(p.id, r, "80", True)])
    with app.app_context():
        row = ranking_ops.round_scores(db.session.get(Round, rnd.id)).by_id[p.id]
        assert row.written == Decimal("80.00") and row.totals["written"][r] == ("80.00", True)
        assert row.vetoed and row.disqualified
