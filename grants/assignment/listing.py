"""Reading the assignments: one page of the proposal × reviewers table, with each pair's
conflicts (reason codes: ``same_organization``, ``affiliation``, ``declared``) and review status."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from sqlalchemy import func, or_, select

from grants.assignment.common import STAGE, load_conflicts, review_status_map
from grants.extensions import db
from grants.models import Assignment, Category, Proposal, ProposalStatus, Role, Round, User


def table(rnd: Round, *, category_id: int | None = None, page: int = 1, per_page: int = 100) -> dict[str, Any]:
    """One page of proposal × reviewers, with conflict markers and review status, in a fixed
    number of queries (whatever the page size)."""
    shown = or_(Proposal.status == ProposalStatus.eligible,
                Proposal.id.in_(select(Assignment.proposal_id).where(Assignment.round_id == rnd.id)))
    base = select(Proposal).where(Proposal.round_id == rnd.id, shown)
    if category_id is not None:
        base = base.where(Proposal.category_id == category_id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    proposals = db.session.scalars(base.order_by(Proposal.number, Proposal.id)
                                   .limit(per_page).offset((page - 1) * per_page)).all()
    ids = [p.id for p in proposals]
    categories = dict(db.session.execute(select(Category.id, Category.name).where(Category.round_id == rnd.id)).all())
    arows = db.session.execute(
        select(Assignment.id, Assignment.proposal_id, Assignment.reviewer_id, Assignment.source, User.name, User.email)
        .join(User, User.id == Assignment.reviewer_id)
        .where(Assignment.stage == STAGE, Assignment.proposal_id.in_(ids))
        .order_by(User.name)).all()
    statuses = review_status_map(rnd.id, ids)
    conflicts = load_conflicts(rnd.id, ids)
    org_of = {p.id: p.organization_id for p in proposals}
    by_proposal: dict[int, list[dict]] = defaultdict(list)
    for a in arows:
        reasons = conflicts.reasons(a.proposal_id, org_of[a.proposal_id], a.reviewer_id)
        by_proposal[a.proposal_id].append({
            "id": a.id, "reviewer_id": a.reviewer_id, "name": a.name, "email": a.email, "source": a.source,
            "status": statuses.get((a.proposal_id, a.reviewer_id)),
            "conflicts": reasons})
    k = rnd.reviewers_per_proposal or 3
    rows = [{"id": p.id, "number": p.number, "blind_code": p.blind_code, "name": p.name,
             "category": categories.get(p.category_id, ""), "status": p.status, "reviewers": by_proposal.get(p.id, []),
             "short": p.status == ProposalStatus.eligible and len(by_proposal.get(p.id, [])) < k}
            for p in proposals]
    return {"rows": rows, "total": total, "page": page, "pages": pages, "k": k}


def proposal_detail(proposal: Proposal) -> dict[str, Any]:
    """One proposal: its current reviewers (with review status) and every active reviewer with
    their conflicts with it, whether assigned, and whether their expertise matches its category."""
    conflicts = load_conflicts(proposal.round_id, [proposal.id])
    current = db.session.execute(
        select(Assignment.id, Assignment.reviewer_id, Assignment.source, User.name, User.email)
        .join(User, User.id == Assignment.reviewer_id)
        .where(Assignment.proposal_id == proposal.id, Assignment.stage == STAGE).order_by(User.name)).all()
    statuses = review_status_map(proposal.round_id, [proposal.id])
    assigned = {a.reviewer_id for a in current}
    reviewers = db.session.execute(select(User.id, User.name, User.email, User.expertise).where(
        User.role == Role.reviewer, User.active.is_(True)).order_by(User.name)).all()
    category = db.session.get(Category, proposal.category_id) if proposal.category_id else None
    rows = []
    for r in reviewers:
        tags = [t.strip() for t in (r.expertise or "").split(",") if t.strip()]
        rows.append({"id": r.id, "name": r.name, "email": r.email, "assigned": r.id in assigned,
                     "conflicts": conflicts.reasons(proposal.id, proposal.organization_id, r.id),
                     "match": bool(category and category.all_labels() & set(tags))})
    return {"category": category, "reviewers": rows,
            "current": [{"id": a.id, "name": a.name, "email": a.email, "source": a.source,
                         "status": statuses.get((proposal.id, a.reviewer_id))} for a in current]}
