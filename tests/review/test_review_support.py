"""Builders shared by the expert-review tests (no tests here)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from grants.extensions import db
from grants.models import Assignment, ConflictDeclaration, ProposalStatus, Review, Role, utcnow

EN = {"Accept-Language": "en"}

# A valid written-review sheet in the middle bands (no comment needed): 75 + bonus 3 = 78.
GOOD_SCORES = {"need": "15", "design": "20", "innovation": "11", "budget": "11", "capacity": "11",
               "sustainability": "7"}
VETO_KEYS = ("charges_beneficiaries", "political_religious", "falsified_materials", "duplicate_funding")


def sheet(scores=None, comments=None, veto=None, bonus=None, *, version=0, action="submit") -> dict:
    data = {"version": str(version), "action": action}
    for key, value in (scores if scores is not None else GOOD_SCORES).items():
        data[f"score_{key}"] = value
    for key, value in (comments or {}).items():
        data[f"comment_{key}"] = value
    for key in VETO_KEYS:
        data[f"veto_{key}"] = (veto or {}).get(key, "no")
    for key, value in (bonus if bonus is not None else {"matching_funds": "3"}).items():
        data[f"bonus_{key}"] = value
    return data


def review_round(make, **kw):
    now = utcnow()
    kw.setdefault("review_opens_at", now - timedelta(days=1))
    kw.setdefault("review_closes_at", now + timedelta(days=5))
    return make.round(**kw)


def assign(app, proposal_id: int, reviewer_id: int, round_id: int, *, declared: bool | None = False) -> None:
    """Assign (written stage); ``declared``: None = no declaration yet, False = no conflict, True = conflict."""
    with app.app_context():
        db.session.add(Assignment(round_id=round_id, proposal_id=proposal_id, reviewer_id=reviewer_id))
        if declared is not None:
            db.session.add(ConflictDeclaration(reviewer_id=reviewer_id, proposal_id=proposal_id,
                                               has_conflict=declared))
        db.session.commit()


def setup(make, app, *, n_proposals=1, declared=False, email="rev@example.org", **round_kw):
    rnd = review_round(make, **round_kw)
    reviewer = make.user(Role.reviewer, email=email, name="評審甲")
    proposals = [make.proposal(rnd.id, status=ProposalStatus.eligible) for _ in range(n_proposals)]
    for p in proposals:
        assign(app, p.id, reviewer.id, rnd.id, declared=declared)
    return rnd, reviewer, proposals


def stored_review(app, proposal_id: int, reviewer_id: int) -> Review | None:
    with app.app_context():
        review = db.session.scalar(select(Review).where(Review.proposal_id == proposal_id,
                                                        Review.reviewer_id == reviewer_id))
        if review is not None:
            db.session.expunge(review)
        return review
