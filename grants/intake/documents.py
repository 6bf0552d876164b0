"""The proposal as a document: its PDF (申報書) and the labels its templates show.

Used by the NGO's pages and by the admins' screening pages alike.
"""

from __future__ import annotations

from grants.intake import operations as ops
from grants.models import Proposal
from grants.platform import downloads
from grants.platform.i18n import (
    ATTACHMENT_KIND_LABELS,
    BUDGET_CATEGORY_LABELS,
    SCREENING_OUTCOME_LABELS,
    TARGET_GROUP_LABELS,
)


def intake_labels() -> dict:
    return {"target_group": TARGET_GROUP_LABELS, "budget_category": BUDGET_CATEGORY_LABELS,
            "attachment_kind": ATTACHMENT_KIND_LABELS, "screening_outcome": SCREENING_OUTCOME_LABELS}



def proposal_pdf(proposal: Proposal, locale: str) -> bytes:
    """The 申報書 as PDF bytes in ``locale`` (its labels, code labels and faces)."""
    from grants.platform import pdf

    return pdf.render("intake/pdf/proposal.html", lambda: ops.pdf_context(proposal), locale=locale)


def proposal_pdf_response(proposal: Proposal):
    """The 申報書 for the person asking (NGO clerk or admin): a personal copy in their language."""
    from grants.platform import pdf

    data = proposal_pdf(proposal, pdf.reader_locale())
    name = f"{proposal.number or 'draft-' + str(proposal.id)}.pdf"
    return downloads.download(data, filename=name, mimetype="application/pdf")

