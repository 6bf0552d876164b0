"""Demo data for the expert review: assignments without conflicts, valid scores, an open window."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from grants.demo import reviews as demo_reviews
from grants.demo import seed as demo
from grants.extensions import db
from grants.models import (
    Assignment,
    Organization,
    Proposal,
    ProposalStatus,
    Review,
    ReviewerAffiliation,
    Round,
    RubricVersion,
    User,
    utcnow,
)
from grants.platform.permissions import review_window_open
from grants.rules import rubric as rubric_core


def test_demo_reviews(app, make):
    with app.app_context():
        demo.seed()
        db.session.commit()
        round_id = db.session.scalar(select(Round.id).where(Round.edition == 8))
        org_ids = db.session.scalars(select(Organization.id).order_by(Organization.id)).all()
        intake_ran = db.session.scalar(select(Proposal.id).where(Proposal.status == ProposalStatus.eligible))
    if not intake_ran:  # the intake demo is not there: add eligible proposals and run the step again
        for i, org_id in enumerate(org_ids[:9]):
            make.proposal(round_id, organization_id=org_id,
                          status=ProposalStatus.eligible if i < 8 else ProposalStatus.submitted)
    with app.app_context():
        rnd = db.session.get(Round, round_id)
        orgs = db.session.scalars(select(Organization)).all()
        reviewers = db.session.scalars(select(User).where(User.role == "reviewer").order_by(User.id)).all()
        admin = db.session.scalar(select(User).where(User.email == demo.ADMIN_EMAIL))
        context = {"round": rnd, "organizations": orgs, "reviewers": reviewers, "admin": admin, "now": utcnow()}
        demo_reviews.seed(context)
        db.session.commit()
        assert review_window_open(rnd)
        assert {rv.stage for rv in db.session.scalars(select(RubricVersion))} == {"written", "roadshow"}
        written = select(Assignment).where(Assignment.stage == "written")
        per_proposal = Counter(a.proposal_id for a in db.session.scalars(written))
        assert len(per_proposal) >= 8 and set(per_proposal.values()) == {3}
        ties = {(a.reviewer_id, a.organization_id) for a in db.session.scalars(select(ReviewerAffiliation))}
        for a in db.session.scalars(written):
            assert (a.reviewer_id, a.proposal.organization_id) not in ties
        loads = Counter(a.reviewer_id for a in db.session.scalars(written))
        assert max(loads.values()) - min(loads.values()) <= 1
        rubric = rubric_core.default_written_rubric()
        reviews = db.session.scalars(select(Review).where(Review.stage == "written")).all()
        submitted = [r for r in reviews if r.status == "submitted"]
        assert len(submitted) > len(reviews) // 2
        for r in submitted:
            assert rubric_core.validate(rubric, r.scores, r.comments, r.veto_answers, r.bonus) == []
            assert r.total == rubric_core.total(rubric, r.scores, r.bonus)
        demo_user = reviewers[0]
        mine = db.session.scalars(written.where(Assignment.reviewer_id == demo_user.id)).all()
        done = [r for r in reviews if r.reviewer_id == demo_user.id and r.stage == "written"]
        assert len(mine) > len(done) >= 1  # something left for the demo reviewer to score
