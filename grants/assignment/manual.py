"""Assignments an admin makes by hand: one reviewer on one proposal, removing one, and one
reviewer on every eligible proposal of a category. Each operation changes rows, flushes and
audits; none commits. A refused change raises :class:`~grants.rules.refusal.Refusal`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import insert, select

from grants.assignment.common import (
    STAGE,
    ConflictIndex,
    actor_id,
    conflict_problem,
    load_conflicts,
    lock_round,
    proposal_label,
    submitted_pairs,
)
from grants.extensions import db
from grants.models import Assignment, Proposal, ProposalStatus, Role, Round, User, utcnow
from grants.platform import audit
from grants.rules.refusal import Problem, Refusal


def check_reviewer(reviewer: User, *, field: str | None = "reviewer") -> None:
    """Only an active reviewer account can be given proposals."""
    if reviewer.role != Role.reviewer:
        raise Refusal("not_a_reviewer", field=field, name=reviewer.name)
    if not reviewer.active:
        raise Refusal("reviewer_deactivated", field=field, name=reviewer.name)


def assign(proposal: Proposal, reviewer: User, *, source: str = "manual", conflicts: ConflictIndex | None = None,
           audit_it: bool = True) -> Assignment:
    """Put ``reviewer`` on ``proposal`` (written stage); refuses conflicts and wrong states."""
    check_reviewer(reviewer)
    label = proposal_label(proposal)
    if proposal.status != ProposalStatus.eligible:
        raise Refusal("proposal_not_assignable", field="reviewer", proposal=label)
    if conflicts is None:
        conflicts = load_conflicts(proposal.round_id, [proposal.id])
    reasons = conflicts.reasons(proposal.id, proposal.organization_id, reviewer.id)
    if reasons:
        raise Refusal.of([conflict_problem(reasons[0], reviewer.name, label, field="reviewer")])
    exists = db.session.scalar(select(Assignment.id).where(
        Assignment.proposal_id == proposal.id, Assignment.reviewer_id == reviewer.id, Assignment.stage == STAGE))
    if exists:
        raise Refusal("already_assigned", field="reviewer", reviewer=reviewer.name, proposal=label)
    lock_round(proposal.round_id)
    row = Assignment(round_id=proposal.round_id, proposal_id=proposal.id, reviewer_id=reviewer.id, stage=STAGE,
                     source=source, created_by_id=actor_id())
    db.session.add(row)
    db.session.flush()
    if audit_it:
        audit.record("assign_reviewer", row, proposal_id=proposal.id, reviewer_id=reviewer.id, source=source)
    return row


def unassign(row: Assignment) -> None:
    """Remove one assignment; refused once the reviewer has submitted the review."""
    if (row.proposal_id, row.reviewer_id) in submitted_pairs(row.round_id, [row.proposal_id]):
        raise Refusal("review_already_submitted")
    lock_round(row.round_id)
    audit.record("unassign_reviewer", row, proposal_id=row.proposal_id, reviewer_id=row.reviewer_id)
    db.session.delete(row)
    db.session.flush()


@dataclass
class BulkResult:
    assigned: list[str] = field(default_factory=list)  # proposal labels
    already: list[str] = field(default_factory=list)
    skipped: list[tuple[str, Problem]] = field(default_factory=list)  # (label, the conflict)


def assign_category(rnd: Round, category_id: int, reviewer: User) -> BulkResult:
    """Assign ``reviewer`` to every eligible proposal of a category, skipping conflicts."""
    check_reviewer(reviewer)
    proposals = db.session.scalars(select(Proposal).where(
        Proposal.round_id == rnd.id, Proposal.category_id == category_id,
        Proposal.status == ProposalStatus.eligible).order_by(Proposal.number, Proposal.id)).all()
    ids = [p.id for p in proposals]
    conflicts = load_conflicts(rnd.id, ids)
    existing = set(db.session.scalars(select(Assignment.proposal_id).where(
        Assignment.reviewer_id == reviewer.id, Assignment.stage == STAGE, Assignment.proposal_id.in_(ids))))
    result = BulkResult()
    rows = []
    now, actor = utcnow(), actor_id()
    for p in proposals:
        label = proposal_label(p)
        reasons = conflicts.reasons(p.id, p.organization_id, reviewer.id)
        if reasons:
            result.skipped.append((label, conflict_problem(reasons[0], reviewer.name, label)))
        elif p.id in existing:
            result.already.append(label)
        else:
            rows.append({"round_id": rnd.id, "proposal_id": p.id, "reviewer_id": reviewer.id, "stage": STAGE,
                         "source": "manual", "created_at": now, "created_by_id": actor})
            result.assigned.append(label)
    if rows:
        lock_round(rnd.id)
        db.session.execute(insert(Assignment), rows)
    audit.record("assign_category", rnd, category_id=category_id, reviewer_id=reviewer.id,
                 assigned=len(result.assigned), skipped=[s[0] for s in result.skipped])
    return result
