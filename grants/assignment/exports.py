"""The assignments CSV: one line per written-review assignment of a round.

The header names are machine names (not translated): the same file can be edited and imported
back (``operations.import_csv`` reads ``proposal_number`` and ``reviewer_email``, and drops the
``'`` the writer puts before a value starting with a formula character).
"""

from __future__ import annotations

from sqlalchemy import select

from grants.assignment.operations import STAGE
from grants.extensions import db
from grants.models import Assignment, Category, Proposal, Round, User
from grants.platform.exports import Column

EXPORT_HEADER = ("proposal_number", "blind_code", "proposal_name", "category", "reviewer_email", "reviewer_name",
                 "source")
COLUMNS = [Column(header) for header in EXPORT_HEADER]


def filename(rnd: Round) -> str:
    return f"assignments-round-{rnd.edition}.csv"


def assignment_rows(rnd: Round) -> list[list]:
    rows = db.session.execute(
        select(Proposal.number, Proposal.blind_code, Proposal.name.label("proposal"), Category.name.label("category"),
               User.email, User.name.label("reviewer"), Assignment.source)
        .select_from(Assignment)
        .join(Proposal, Proposal.id == Assignment.proposal_id)
        .join(User, User.id == Assignment.reviewer_id)
        .outerjoin(Category, Category.id == Proposal.category_id)
        .where(Assignment.round_id == rnd.id, Assignment.stage == STAGE)
        .order_by(Proposal.number, User.email)).all()
    return [[r.number, r.blind_code, r.proposal, r.category, r.email, r.reviewer, str(r.source)] for r in rows]
