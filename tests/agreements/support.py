"""Builders for the agreement tests (no tests here): a round whose award list is final, with awards,
an NGO owning the first award, an admin, and issued agreements."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from grants.extensions import db
from grants.models import Agreement, Award, ProposalStatus, PublicationStatus, Role
from tests.publication.test_publication_support import direct_publication

NGO = "ngo-agree@example.org"
OTHER_NGO = "ngo-other@example.org"
ADMIN = "admin-agree@example.org"
REVIEWER = "rev-agree@example.org"
ORG_NAME = "惠城區陽光社工服務中心"
PROJECT = "留守兒童安全守護行動"
ACCOUNT = "6217852000012345678"
AMOUNT = Decimal("120000.50")


@dataclass
class AgreementWorld:
    round_id: int
    agreement_id: int
    other_agreement_id: int
    proposal_id: int


def build(make, app, *, final: bool = True, issue: bool = True) -> AgreementWorld:
    rnd = make.round()
    org = make.organization(name=ORG_NAME)
    make.user(Role.applicant, email=NGO, organization_id=org.id, name="陽光社工")
    make.user(Role.applicant, email=OTHER_NGO)
    make.user(Role.admin, email=ADMIN, name="婦聯項目部")
    make.user(Role.reviewer, email=REVIEWER)
    mine = make.proposal(rnd.id, organization_id=org.id, status=ProposalStatus.awarded, name=PROJECT,
                         requested="120000.50", matching_funds="30000")
    other = make.proposal(rnd.id, status=ProposalStatus.awarded, name="家庭和諧親子成長營")
    with app.app_context():
        db.session.add(Award(round_id=rnd.id, proposal_id=mine.id, rank=1, score=Decimal("90"),
                             requested=AMOUNT, amount=AMOUNT))
        db.session.add(Award(round_id=rnd.id, proposal_id=other.id, rank=2, score=Decimal("85"),
                             requested=Decimal("80000"), amount=Decimal("80000")))
        db.session.commit()
    if final:
        direct_publication(app, rnd.id, status=PublicationStatus.final)
    ids = {}
    if issue:
        issue_all(app, rnd.id)
        with app.app_context():
            for a in db.session.scalars(select(Agreement)):
                ids[a.proposal_id] = a.id
    return AgreementWorld(rnd.id, ids.get(mine.id, 0), ids.get(other.id, 0), mine.id)


def issue_all(app, round_id: int) -> None:
    from grants.agreements import operations as ops
    from grants.models import Round

    with app.test_request_context():
        ops.issue_agreements(db.session.get(Round, round_id))
        db.session.commit()


def sign_both(app, agreement_id: int, *, countersign: bool = True) -> None:
    """Bank details, the NGO's scan and the countersignature, straight through the operations."""
    from grants.agreements import operations as ops
    from grants.platform import localtime, uploads

    with app.test_request_context():
        a = db.session.get(Agreement, agreement_id)
        ops.save_bank(a, account_name=ORG_NAME, bank_name="中國銀行惠州分行", account=ACCOUNT)
        ops.upload_signed(a, "signed.pdf", uploads.tiny_pdf(), user_id=None)
        if countersign:
            ops.countersign(a, on=localtime.today(), user_id=None)
        db.session.commit()
