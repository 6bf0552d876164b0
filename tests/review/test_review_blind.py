"""Blind review: the reviewer's pages and PDFs never show who the applicant is."""

from __future__ import annotations

import io

from pypdf import PdfReader

from grants.models import ActivityRow, OutcomeRow, ProposalStatus, Role, TeamMember
from tests.review.test_review_support import EN, assign, review_round, sheet

SECRETS = {
    "name": "惠州市隱身婦女服務中心",
    "uscc": None,  # filled from the factory
    "contact_name": "隱藏聯絡人",
    "contact_phone": "13987654321",
    "contact_email": "hidden-contact@secret.example",
    "address": "惠州市秘密路88號",
}
MEMBER = "團隊成員祕名"


def _blind_setup(app, make, *, blind=True):
    org = make.organization(name=SECRETS["name"], contact_name=SECRETS["contact_name"],
                            contact_phone=SECRETS["contact_phone"], contact_email=SECRETS["contact_email"],
                            address=SECRETS["address"])
    rnd = review_round(make, blind_review=blind)
    proposal = make.proposal(
        rnd.id, organization_id=org.id, status=ProposalStatus.eligible, name="守護花蕾計劃", blind_code="P-7777",
        need="NEED-TEXT 留守兒童", objectives="OBJECTIVES-TEXT",
        team=[TeamMember(position=0, name=MEMBER, role="項目主管", qualification="中級社工師", hours=200)],
        activities=[ActivityRow(position=0, month="3月", activity="ACTIVITY-TEXT", output="20 場")],
        outcomes=[OutcomeRow(position=0, indicator="OUTCOME-TEXT", target="500 人", measure="簽到表")],
    )
    reviewer = make.user(Role.reviewer, email="blind@example.org")
    assign(app, proposal.id, reviewer.id, rnd.id)
    return org, proposal, reviewer


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_identity_absent_from_html_and_pdf(app, client, auth, make):
    org, p, reviewer = _blind_setup(app, make)
    secrets = [*(v for v in SECRETS.values() if v), org.uscc, MEMBER]
    auth.login(reviewer.email)
    pages = [client.get(url, headers=EN).get_data(as_text=True) for url in (
        "/reviewer/", f"/reviewer/proposals/{p.id}", f"/reviewer/proposals/{p.id}/review",
        f"/reviewer/proposals/{p.id}/declaration?change=1")]
    proposal_html = pages[1]
    for text in ("P-7777", "NEED-TEXT", "OBJECTIVES-TEXT", "ACTIVITY-TEXT", "OUTCOME-TEXT", "項目主管", "活動物資"):
        assert text in proposal_html, text  # every section is there...
    for html in pages:
        for secret in secrets:
            assert secret not in html, secret  # ...but not who wrote it
    assert auth.post(f"/reviewer/proposals/{p.id}/review", sheet()).status_code == 302
    for url in (f"/reviewer/proposals/{p.id}/score-sheet.pdf", f"/reviewer/rounds/{p.round_id}/score-sheets.pdf"):
        response = client.get(url, headers=EN)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        text = _pdf_text(response.data)
        assert "P-7777" in text
        for secret in secrets:
            assert secret not in text, secret


def test_open_round_shows_the_organization(app, client, auth, make):
    org, p, reviewer = _blind_setup(app, make, blind=False)
    auth.login(reviewer.email)
    html = client.get(f"/reviewer/proposals/{p.id}", headers=EN).get_data(as_text=True)
    assert SECRETS["name"] in html and MEMBER in html
