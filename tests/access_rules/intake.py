"""Access rules for proposal intake, attachments and eligibility screening."""

from __future__ import annotations

from sqlalchemy import select

from grants.models import ProposalStatus


def _applicant_org_id(make):
    """The organization of the matrix's signed-in applicant (applicant@example.org), if any."""
    from grants.extensions import db
    from grants.models import User

    with make.app.app_context():
        return db.session.scalar(select(User.organization_id).where(User.email == "applicant@example.org"))


def _proposal(make, rnd, status=ProposalStatus.submitted):
    return make.proposal(rnd.id, organization_id=_applicant_org_id(make), status=status)


def draft(make, rnd):
    return {"proposal_id": _proposal(make, rnd, ProposalStatus.draft).id}


def submitted(make, rnd):
    return {"proposal_id": _proposal(make, rnd).id}


def attachment(make, rnd):
    """A stored file on a proposal of the applicant, assigned to the matrix's reviewer, who declared no conflict."""
    from grants.extensions import db
    from grants.models import Assignment, Attachment, AttachmentKind, ConflictDeclaration, User
    from grants.platform import uploads

    proposal = _proposal(make, rnd)
    with make.app.app_context():
        stored, digest = uploads.store(make.app.config["UPLOAD_FOLDER"], uploads.tiny_pdf(), "pdf")
        att = Attachment(proposal_id=proposal.id, kind=AttachmentKind.other, original_name="活動照片.pdf",
                         stored_name=stored, content_type="application/pdf", size=1, sha256=digest)
        db.session.add(att)
        reviewer_id = db.session.scalar(select(User.id).where(User.email == "reviewer@example.org"))
        if reviewer_id:
            db.session.add(Assignment(round_id=rnd.id, proposal_id=proposal.id, reviewer_id=reviewer_id))
            db.session.add(ConflictDeclaration(reviewer_id=reviewer_id, proposal_id=proposal.id, has_conflict=False))
        db.session.commit()
        return {"attachment_id": att.id}


RULES = {
    "applicant.proposal_edit": ({"applicant"}, draft),
    "applicant.proposal_view": ({"applicant"}, submitted),
    "applicant.proposal_submitted": ({"applicant"}, submitted),
    "applicant.proposal_attachments": ({"applicant"}, draft),
    "applicant.proposal_pdf": ({"applicant"}, submitted),
    "attachments.download": ({"applicant", "reviewer", "admin"}, attachment),
    "admin.screening_list": {"admin"},
    "admin.screening_detail": ({"admin"}, submitted),
    "admin.proposals_export": {"admin"},
    "admin.proposal_pdf": ({"admin"}, submitted),
}
POST_ONLY = {
    "applicant.proposal_new",
    "applicant.proposal_withdraw",
    "applicant.proposal_reopen",
    "applicant.attachment_delete",
}
