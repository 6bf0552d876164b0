"""The screening spreadsheet (proposals.xlsx): every submitted proposal of a round, and its budget lines."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from grants.extensions import db
from grants.models import Proposal, ProposalStatus, Round
from grants.platform import i18n
from grants.platform.exports import DATETIME, DECIMAL, MONEY, Column, Sheet
from grants.platform.i18n import BUDGET_CATEGORY_LABELS, DISTRICT_LABELS, PROPOSAL_STATUS_LABELS


def filename(rnd: Round) -> str:
    return f"proposals-round-{rnd.edition}.xlsx"


def proposals(rnd: Round) -> list[Proposal]:
    """The round's proposals past the draft stage, in number order, with what the sheets show."""
    return list(db.session.scalars(
        select(Proposal).where(Proposal.round_id == rnd.id, Proposal.status != ProposalStatus.draft)
        .options(joinedload(Proposal.organization), joinedload(Proposal.category),
                 selectinload(Proposal.budget_lines))
        .order_by(Proposal.number, Proposal.id)
    ).unique())


def proposal_sheets(rnd: Round) -> list[Sheet]:
    rows = proposals(rnd)
    summary = Sheet(_("Proposals"), [
        Column(_("Submission number"), width=14),
        Column(_("Project name"), width=36),
        Column(_("Organization"), width=30),
        Column(_("Unified Social Credit Code"), width=22),
        Column(_("Category"), width=12),
        Column(_("Service districts"), width=24),
        Column(_("Requested amount"), MONEY),
        Column(_("Matching funds"), MONEY),
        Column(_("Budget total"), MONEY),
        Column(_("Status"), width=12),
        Column(_("Submitted at"), DATETIME),
    ], [[
        p.number or "", p.name, p.organization.name, p.organization.uscc, i18n.label(p.category),
        _(", ").join(str(DISTRICT_LABELS.get(d, d)) for d in p.districts or []),
        p.requested, p.matching_funds, p.budget_total, str(PROPOSAL_STATUS_LABELS[p.status]), p.submitted_at,
    ] for p in rows])
    lines = Sheet(_("Budget lines"), [
        Column(_("Submission number"), width=14),
        Column(_("Project name"), width=36),
        Column(_("Budget category"), width=14),
        Column(_("Item"), width=30),
        Column(_("Unit price"), MONEY),
        Column(_("Quantity"), DECIMAL),
        Column(_("Subtotal"), MONEY),
    ], [[
        p.number or "", p.name, str(BUDGET_CATEGORY_LABELS.get(str(line.category), line.category)),
        line.item, line.unit_price, line.quantity, line.subtotal,
    ] for p in rows for line in p.budget_lines])
    return [summary, lines]
