"""Score sheets (評分表): CJK font embedded, labels and totals extract back, one sheet per page."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from grants.models import ProposalStatus, Role
from tests.conftest import translate
from tests.review.test_review_support import GOOD_SCORES, assign, setup, sheet


def _reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_single_sheet_cjk_labels_and_total(app, client, auth, make):
    rnd, reviewer, (p,) = setup(make, app)
    auth.login(reviewer.email)
    scores = dict(GOOD_SCORES, need="19")
    assert auth.post(f"/reviewer/proposals/{p.id}/review",
                     sheet(scores, comments={"need": "調研扎實，數據充分"})).status_code == 302
    response = client.get(f"/reviewer/proposals/{p.id}/score-sheet.pdf", headers={"Accept-Language": "zh-TW"})
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    reader = _reader(response.data)
    assert len(reader.pages) == 1
    names = {n.replace("-", "").replace(" ", "") for n in _fonts(reader)}
    assert any("NotoSansCJK" in n or "NotoSerifCJK" in n for n in names), names
    text = re.sub(r"\s+", "", reader.pages[0].extract_text())
    # rubric and interface labels in the reader's language (zh_Hant)
    total, signature, date = (translate(m) for m in ("Total", "Signature", "Date"))
    for label in ("需求與必要性", "項目設計與可行性", "調研扎實，數據充分", "優", rnd.name, p.blind_code,
                  f"{total}：82/100", translate("including bonus points (at most %(cap)s)", cap="5").replace(" ", ""),
                  f"{signature}：", f"{date}："):
        assert label in text, label


def test_batch_has_one_page_per_submitted_sheet(app, client, auth, make):
    rnd, reviewer, proposals = setup(make, app, n_proposals=3)
    auth.login(reviewer.email)
    for p in proposals[:2]:
        assert auth.post(f"/reviewer/proposals/{p.id}/review", sheet()).status_code == 302
    assert auth.post(f"/reviewer/proposals/{proposals[2].id}/review", sheet(action="draft")).status_code == 302
    response = client.get(f"/reviewer/rounds/{rnd.id}/score-sheets.pdf")
    assert response.status_code == 200
    reader = _reader(response.data)
    assert len(reader.pages) == 2  # the draft is not in the batch
    codes = [re.search(r"P-\d+", page.extract_text()).group(0) for page in reader.pages]
    assert sorted(codes) == sorted(p.blind_code for p in proposals[:2])
    # admins can download any reviewer's batch and any single sheet
    make.user(Role.admin, email="boss@example.org")
    auth.logout()
    auth.login("boss@example.org")
    response = client.get(f"/admin/rounds/{rnd.id}/reviewers/{reviewer.id}/score-sheets.pdf")
    assert response.status_code == 200 and len(_reader(response.data).pages) == 2
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import Review

    with app.app_context():
        review_id = db.session.scalar(select(Review.id).limit(1))
    assert client.get(f"/admin/reviews/{review_id}/score-sheet.pdf").status_code == 200
    assert client.get("/admin/reviews/999999/score-sheet.pdf").status_code == 404


def test_sheets_are_private_to_their_reviewer(app, client, auth, make):
    rnd, reviewer, (p,) = setup(make, app)
    other = make.user(Role.reviewer, email="other@example.org")
    assign(app, p.id, other.id, rnd.id)
    auth.login(reviewer.email)
    assert auth.post(f"/reviewer/proposals/{p.id}/review", sheet()).status_code == 302
    auth.logout()
    auth.login(other.email)
    assert client.get(f"/reviewer/proposals/{p.id}/score-sheet.pdf").status_code == 404  # has no review of their own
    assert client.get(f"/reviewer/rounds/{rnd.id}/score-sheets.pdf").status_code == 302  # nothing submitted
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import Review

    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
    assert client.get(f"/admin/reviews/{review_id}/score-sheet.pdf").status_code == 403
    assert make.proposal(rnd.id, status=ProposalStatus.eligible)
