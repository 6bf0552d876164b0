"""The published 公示 PDF: CJK font embedded, every project name and amount extracts back."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from grants.platform.numbers import amount as printed_amount
from tests.publication.test_publication_support import (
    SPECS,
    add_awards,
    admin_login,
    latest_publication_id,
    publication,
    wait_done,
)


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font.get("/BaseFont")))
            for desc in font.get("/DescendantFonts", []) or []:
                names.add(str(desc.get_object().get("/BaseFont")))
    return names


def test_published_pdf_embeds_cjk_font_and_text_extracts(app, client, auth, make):
    rnd = make.round()
    add_awards(make, app, rnd)
    admin_login(make, auth)
    assert auth.post(f"/admin/rounds/{rnd.id}/publication/publish").status_code == 302
    wait_done(client, rnd.id)
    pub = publication(app, latest_publication_id(app, rnd.id))
    data = client.get(f"/results/{rnd.id}/{pub.id}/notice.pdf").data
    reader = PdfReader(io.BytesIO(data))
    assert any("CJK" in name for name in _fonts(reader)), _fonts(reader)
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    for name, _cat, _rank, _score, amount in SPECS:
        assert name in text
        assert printed_amount(amount) in text
    assert "公示名單" in text and rnd.name in text and "惠州市婦女聯合會" in text
    assert "第1頁，共1頁" in text
    assert pub.data_code in text
