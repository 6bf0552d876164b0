"""What every assignment operation shares: the stage, conflicts loaded in bulk, the round lock,
the review statuses, the acting admin.

Pair orders follow grants.rules.assignment: ``declared_conflicts`` / ``preferences`` are
``(reviewer_id, proposal_id)``; ``keep`` / ``assignments`` are ``(proposal_id, reviewer_id)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    ConflictDeclaration,
    Proposal,
    Review,
    ReviewerAffiliation,
    ReviewStatus,
    Role,
    Round,
    Stage,
    User,
)
from grants.rules.refusal import Problem

STAGE = Stage.written
SOURCES = ("manual", "auto", "import")
#: conflict reason (ConflictIndex.reasons) -> refusal code (messages in grants.platform.refusals)
CONFLICT_CODES = {"same_organization": "conflict_same_organization", "affiliation": "conflict_affiliation",
                  "declared": "conflict_declared"}


@dataclass
class ConflictIndex:
    """The three kinds of hard conflict for one round, answered without further queries."""

    reviewer_org: dict[int, int | None] = field(default_factory=dict)
    affiliations: set[tuple[int, int]] = field(default_factory=set)  # (reviewer_id, organization_id)
    declared: set[tuple[int, int]] = field(default_factory=set)  # (reviewer_id, proposal_id)

    def reasons(self, proposal_id: int, proposal_org: int | None, reviewer_id: int) -> list[str]:
        """``same_organization``, ``affiliation``, ``declared`` (empty: no conflict)."""
        out = []
        if proposal_org is not None and self.reviewer_org.get(reviewer_id) == proposal_org:
            out.append("same_organization")
        if proposal_org is not None and (reviewer_id, proposal_org) in self.affiliations:
            out.append("affiliation")
        if (reviewer_id, proposal_id) in self.declared:
            out.append("declared")
        return out


def load_conflicts(round_id: int, proposal_ids: list[int] | None = None) -> ConflictIndex:
    """Three queries, whatever the number of proposals (``proposal_ids`` narrows the declarations)."""
    index = ConflictIndex()
    index.reviewer_org = dict(db.session.execute(
        select(User.id, User.organization_id).where(User.role == Role.reviewer)).all())
    index.affiliations = {tuple(r) for r in db.session.execute(
        select(ReviewerAffiliation.reviewer_id, ReviewerAffiliation.organization_id))}
    query = (select(ConflictDeclaration.reviewer_id, ConflictDeclaration.proposal_id)
             .where(ConflictDeclaration.has_conflict.is_(True)))
    if proposal_ids is not None:
        query = query.where(ConflictDeclaration.proposal_id.in_(proposal_ids))
    else:
        query = query.join(Proposal, Proposal.id == ConflictDeclaration.proposal_id).where(Proposal.round_id == round_id)
    index.declared = {tuple(r) for r in db.session.execute(query)}
    return index


def conflict_problem(reason: str, reviewer_name: str, proposal_label: str, *, field: str | None = None) -> Problem:
    """One conflict of interest as a refusal problem (``reason`` from :meth:`ConflictIndex.reasons`)."""
    return Problem(field, CONFLICT_CODES[reason], {"reviewer": reviewer_name, "proposal": proposal_label})


def proposal_label(proposal: Proposal) -> str:
    return proposal.number or proposal.blind_code or f"#{proposal.id}"


def lock_round(round_id: int) -> None:
    """Serialise assignment changes of one round (PostgreSQL row lock; SQLite locks on write)."""
    if db.session.get_bind().dialect.name == "postgresql":
        # NO KEY UPDATE: still serialises assignment runs, but does not conflict with the key-share locks that
        # foreign keys to the round take (FOR UPDATE deadlocked against them in the deadline-rush test).
        db.session.execute(select(Round.id).where(Round.id == round_id).with_for_update(key_share=True))


def submitted_pairs(round_id: int, proposal_ids: list[int] | None = None) -> set[tuple[int, int]]:
    """(proposal_id, reviewer_id) of the written reviews already submitted."""
    query = (select(Review.proposal_id, Review.reviewer_id)
             .join(Proposal, Proposal.id == Review.proposal_id)
             .where(Proposal.round_id == round_id, Review.stage == STAGE, Review.status == ReviewStatus.submitted))
    if proposal_ids is not None:
        query = query.where(Review.proposal_id.in_(proposal_ids))
    return {tuple(r) for r in db.session.execute(query)}


def review_status_map(round_id: int, proposal_ids: list[int]) -> dict[tuple[int, int], ReviewStatus]:
    """(proposal_id, reviewer_id) -> status of the written review, one query."""
    rows = db.session.execute(
        select(Review.proposal_id, Review.reviewer_id, Review.status)
        .where(Review.stage == STAGE, Review.proposal_id.in_(proposal_ids)))
    return {(p, r): s for p, r, s in rows}


def actor_id() -> int | None:
    from flask_login import current_user

    try:
        return current_user.id if current_user and current_user.is_authenticated else None
    except Exception:  # no request (CLI): no actor
        return None
