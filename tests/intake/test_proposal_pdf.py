"""The printable proposal (申報書): CJK font embedded, text extracts back, user HTML stays text."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from grants.models import BudgetCategory, BudgetLine, ProposalStatus, TeamMember
from grants.platform import pdf
from tests.pdfs import font_names, text_of


def render(app, make, **fields) -> bytes:
    from decimal import Decimal

    from grants.extensions import db
    from grants.intake.operations import pdf_context
    from grants.models import Proposal

    rnd = make.round()
    p = make.proposal(rnd.id, status=ProposalStatus.submitted, **fields)
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "zh-TW"}):
        proposal = db.session.get(Proposal, p.id)
        proposal.team = [TeamMember(name="陳美玲", role="項目主管", qualification="社工證", hours=400)]
        proposal.budget_lines.append(BudgetLine(position=2, category=BudgetCategory.administration, item="行政費",
                                                unit_price=Decimal("1000"), quantity=Decimal(1), subtotal=Decimal("1000")))
        db.session.flush()
        return pdf.render_template_to_pdf(app.jinja_env, "intake/pdf/proposal.html", pdf_context(proposal))


@pytest.fixture
def proposal_pdf(app, make) -> bytes:
    return render(app, make, name="守護花蕾留守兒童安全教育計劃")


def test_cjk_font_embedded_and_text_extracts(proposal_pdf):
    assert proposal_pdf[:5] == b"%PDF-"
    assert any("CJK" in name or "WenQuanYi" in name or "Noto" in name for name in font_names(proposal_pdf))
    text = text_of(proposal_pdf, squash=True)
    assert "守護花蕾留守兒童安全教育計劃" in text
    assert "申報機構" in text  # the organization
    assert "陳美玲" in text and "社工證" in text  # the team
    assert "¥121,000.00" in text  # budget total: 100000 + 20000 + 1000
    assert "蓋章" in text or "Seal" in text  # the signature and seal area


def test_html_in_user_text_is_printed_as_text(app, make, tmp_path):
    evil = '<img src="file:///etc/passwd">'
    data = render(app, make, name="注入測試" + evil, need=evil + '<link rel="attachment" href="file:///etc/passwd">')
    text = text_of(data, squash=True)
    assert "注入測試" in text
    assert 'src="file:///etc/passwd"' in text.replace("\u201c", '"').replace("\u201d", '"') or "file:///etc/passwd" in text
    assert "root:" not in text and b"root:x:0:0" not in data
    reader = PdfReader(io.BytesIO(data))
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))
    for page in reader.pages:
        assert not page["/Resources"].get("/XObject")  # no image was fetched
