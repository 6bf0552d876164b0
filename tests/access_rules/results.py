"""Ranking, roadshow and allocation pages: admin-only; the judge pages: reviewers on the round's panel."""

ADMIN = {"admin"}


def _judge(make, rnd):
    """Put the matrix's reviewer (if signed in as one) on the panel, with a project on stage."""
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import (
        Assignment,
        ProposalStatus,
        Review,
        ReviewStatus,
        RoadshowSlot,
        Round,
        Stage,
        User,
    )
    from tests.ranking.test_ranking_builders import rubric_version

    proposal = make.proposal(rnd.id, status=ProposalStatus.shortlisted)
    rv_id = rubric_version(make.app, rnd.id, "roadshow")
    with make.app.app_context():
        db.session.add(RoadshowSlot(round_id=rnd.id, proposal_id=proposal.id, position=1))
        db.session.get(Round, rnd.id).roadshow_current_id = proposal.id
        judge = db.session.scalar(select(User).where(User.email == "reviewer@example.org"))
        if judge is not None:
            db.session.add(Assignment(round_id=rnd.id, proposal_id=proposal.id, reviewer_id=judge.id,
                                      stage=Stage.roadshow))
            db.session.add(Review(proposal_id=proposal.id, reviewer_id=judge.id, stage=Stage.roadshow,
                                  rubric_version_id=rv_id, status=ReviewStatus.submitted,
                                  scores={"presentation": "25", "feasibility": "30", "qa": "25"}, total=80))
        db.session.commit()
    return {"round_id": rnd.id, "proposal_id": proposal.id}


def _round_only(make, rnd):
    values = _judge(make, rnd)
    return {"round_id": values["round_id"]}


RULES = {
    "admin.ranking": ADMIN,
    "admin.score_matrix_export": ADMIN,
    "admin.roadshow": ADMIN,
    "admin.roadshow_host": ADMIN,
    "admin.roadshow_status": ADMIN,
    "admin.roadshow_order_pdf": "skip:redirects until the order is drawn; tests/roadshow/test_roadshow.py prints it",
    "admin.allocation": ADMIN,
    "reviewer.roadshow_judge": ({"reviewer"}, _round_only),
    "reviewer.roadshow_sheet": ({"reviewer"}, _judge),
}
POST_ONLY = {
    "admin.ranking_basis",
    "admin.roadshow_shortlist",
    "admin.roadshow_unshortlist",
    "admin.roadshow_draw",
    "admin.roadshow_panel",
    "admin.roadshow_next",
    "admin.allocation_choose",
    "admin.allocation_adjust",
}
