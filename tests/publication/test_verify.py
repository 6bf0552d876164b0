"""The public verify page: genuine by upload, by file hash, by footer code; altered copies are not."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from grants.platform import pdf
from tests.conftest import csrf_token
from tests.publication.test_publication_support import (
    add_awards,
    admin_login,
    latest_publication_id,
    publication,
    wait_done,
)

EN = {"Accept-Language": "en"}


def test_verify_published_list(app, client, auth, make):
    rnd = make.round()
    add_awards(make, app, rnd)
    admin_login(make, auth)
    assert auth.post(f"/admin/rounds/{rnd.id}/publication/publish").status_code == 302
    wait_done(client, rnd.id)
    pub = publication(app, latest_publication_id(app, rnd.id))
    auth.logout()
    data = client.get(f"/results/{rnd.id}/{pub.id}/notice.pdf").data
    assert pdf.sha256_hex(data) == pub.pdf_sha256

    def upload(content: bytes):
        form = {"csrf_token": csrf_token(client, "/verify"), "file": (io.BytesIO(content), "list.pdf"), "value": ""}
        return client.post("/verify", data=form, content_type="multipart/form-data", headers=EN)

    genuine = upload(data).get_data(as_text=True)
    assert "Genuine" in genuine and "NOT genuine" not in genuine and rnd.label("en") in genuine  # the round name in the page's language
    assert f"#{pub.id}" in genuine and "Public notice" in genuine and "the file's SHA-256" in genuine

    by_hash = client.get(f"/verify?sha256={pub.pdf_sha256}", headers=EN).get_data(as_text=True)
    assert "Genuine" in by_hash and "NOT genuine" not in by_hash
    typed = client.post("/verify", data={"csrf_token": csrf_token(client, "/verify"), "value": pub.pdf_sha256.upper()},
                        headers=EN).get_data(as_text=True)
    assert "Genuine" in typed and "NOT genuine" not in typed

    # the QR code leads to /verify?code=<footer code>; the code is printed on the PDF
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert pub.data_code in text.replace(" ", "").replace("\n", "")
    by_code = client.get(f"/verify?code={pub.data_code}", headers=EN).get_data(as_text=True)
    assert "Genuine" in by_code and "the verification code" in by_code and "NOT genuine" not in by_code

    # one byte changed anywhere: not genuine
    altered = bytearray(data)
    altered[len(altered) // 2] ^= 0x01
    assert "NOT genuine" in upload(bytes(altered)).get_data(as_text=True)
    for bad in ("0" * 64, pub.data_code[:-1] + ("0" if pub.data_code[-1] != "0" else "1"), "not-a-hash"):
        assert "NOT genuine" in client.get(f"/verify?code={bad}", headers=EN).get_data(as_text=True)


@pytest.mark.no_database
def test_verify_page_without_input(client):
    page = client.get("/verify", headers=EN)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Verify a published list" in body and "Genuine" not in body
    response = client.post("/verify", data={"csrf_token": csrf_token(client, "/verify"), "value": ""}, headers=EN)
    assert response.status_code == 200 and "Choose the PDF file or enter a hash." in response.get_data(as_text=True)
