"""Access rules for reviewer assignment (grants/assignment/views.py)."""

from grants.models import ProposalStatus, Role


def _proposal(make, rnd):
    p = make.proposal(rnd.id, status=ProposalStatus.eligible)
    return {"round_id": rnd.id, "proposal_id": p.id}


RULES = {
    "admin.assignments": {"admin"},
    "admin.assignment_proposal": ({"admin"}, _proposal),
    "admin.assignment_export": {"admin"},
}
POST_ONLY = {
    "admin.assignment_add",
    "admin.assignment_remove",
    "admin.assignment_bulk",
    "admin.assignment_import",
    "admin.assignment_preview",
    "admin.assignment_apply",
}
__all__ = ["RULES", "POST_ONLY", "Role"]
