"""Access rules for the expert review (rubrics, progress, reviewer workflow, score sheets)."""

from __future__ import annotations


def _assigned(make, rnd, *, declared: bool):
    """A proposal assigned to the matrix's reviewer (reviewer@example.org), if that user exists."""
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import Assignment, ConflictDeclaration, ProposalStatus, User

    proposal = make.proposal(rnd.id, status=ProposalStatus.eligible)
    with make.app.app_context():
        reviewer = db.session.scalar(select(User).where(User.email == "reviewer@example.org"))
        if reviewer is not None:
            db.session.add(Assignment(round_id=rnd.id, proposal_id=proposal.id, reviewer_id=reviewer.id))
            if declared:
                db.session.add(ConflictDeclaration(reviewer_id=reviewer.id, proposal_id=proposal.id,
                                                   has_conflict=False))
            db.session.commit()
    return {"proposal_id": proposal.id}


RULES = {
    "admin.rubrics": {"admin"},
    "admin.rubric_json": ({"admin"}, lambda make, rnd: {"round_id": rnd.id, "stage": "written"}),
    "admin.review_progress": {"admin"},
    "admin.review_score_sheet": "skip:tests/web/test_review_sheets.py (needs a review)",
    "admin.reviewer_score_sheets": "skip:tests/web/test_review_sheets.py (needs submitted reviews)",
    "reviewer.declaration": ({"reviewer"}, lambda make, rnd: _assigned(make, rnd, declared=False)),
    "reviewer.proposal": ({"reviewer"}, lambda make, rnd: _assigned(make, rnd, declared=True)),
    "reviewer.review": ({"reviewer"}, lambda make, rnd: _assigned(make, rnd, declared=True)),
    "reviewer.score_sheet": "skip:tests/web/test_review_sheets.py (needs a review)",
    "reviewer.score_sheets": "skip:tests/web/test_review_sheets.py (needs submitted reviews)",
}
POST_ONLY = {"admin.review_reminders"}
