"""The proposal as a document: its PDF (申報書) and the labels its templates show.

Used by the NGO's pages and by the admins' screening pages alike.
"""

from __future__ import annotations

from flask import current_app

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



def proposal_pdf_response(proposal: Proposal):
    from grants.platform import pdf

    data = pdf.render_template_to_pdf(current_app.jinja_env, "intake/pdf/proposal.html", ops.pdf_context(proposal))
    name = f"{proposal.number or 'draft-' + str(proposal.id)}.pdf"
    return downloads.download(data, filename=name, mimetype="application/pdf")

