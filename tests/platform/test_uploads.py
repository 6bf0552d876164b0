"""Attachment uploads: content checks, size limits (10 MB ours, 11 MB Flask's 413), names, storage."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib

import pytest

from grants.platform import uploads
from grants.rules.refusal import Refusal
from tests.intake.helpers import EN, PDF, load, login_ngo, new_draft, upload, upload_raw

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


def png(width=1, height=1) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = (b"\x00" + b"\x00\x00\x00" * width) * height  # filter byte + RGB per row
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b"")


def jpeg(width=2, height=2) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 60)).save(out, "JPEG")
    return out.getvalue()


JPEG = jpeg()
# JPEG markers around an HTML page: passed the old first/last-bytes check, does not decode
FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + \
    b"<html><script>alert(1)</script></html>" + b"\xff\xd9"


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("a.txt", "hello")
    return out.getvalue()


@pytest.mark.parametrize("name,data,code", [
    ("report.pdf", ELF, "unsupported"),
    ("report.pdf", b"<html><script>alert(1)</script></html>", "unsupported"),
    ("report.pdf", zip_bytes(), "unsupported"),
    ("report.pdf", PDF[: len(PDF) // 2], "damaged"),
    ("report.pdf", b"%PDF-1.7\n garbage %%EOF", "damaged"),
    ("photo.png", png()[:-12], "damaged"),
    ("photo.jpg", JPEG[:-2], "damaged"),
    ("photo.jpg", FAKE_JPEG, "damaged"),
    ("photo.png", PDF, "mismatch"),
    ("../../etc/passwd.pdf", PDF, "bad_name"),
    ("a\x00.pdf", PDF, "bad_name"),
    ("..\\x.pdf", PDF, "bad_name"),
    ("report.pdf", b"", "empty"),
])
def test_check_upload_refuses(name, data, code):
    with pytest.raises(Refusal) as info:
        uploads.check_upload(name, data)
    assert info.value.code == "upload_" + code


def test_check_upload_accepts_real_files():
    assert uploads.check_upload("登記證書.pdf", PDF) == ("pdf", "application/pdf")
    assert uploads.check_upload("scan.png", png(3, 2)) == ("png", "image/png")
    assert uploads.check_upload("scan.JPG", JPEG) == ("jpeg", "image/jpeg")
    assert uploads.check_upload("no-extension", PDF)[0] == "pdf"
    assert uploads.clean_name(" 年報\u202e.pdf ") == "年報.pdf"


def stored_files(app) -> list[str]:
    folder = app.config["UPLOAD_FOLDER"]
    return os.listdir(folder) if os.path.isdir(folder) else []


def test_upload_stores_outside_static_with_random_name(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = new_draft(client, auth, rnd)
    assert upload(auth, pid, "registration_certificate", "登記證書.pdf", PDF).status_code == 302
    p = load(app, pid)
    (att,) = p.attachments
    assert att.original_name == "登記證書.pdf" and att.size == len(PDF) and len(att.sha256) == 64
    assert stored_files(app) == [att.stored_name] and att.stored_name != "登記證書.pdf"
    assert "static" not in app.config["UPLOAD_FOLDER"]
    # delete (draft only) removes the row and the file
    assert auth.post(f"/applicant/attachments/{att.id}/delete").status_code == 302
    assert load(app, pid).attachments == [] and stored_files(app) == []


@pytest.mark.parametrize("name,data", [
    ("report.pdf", ELF),                        # a renamed ELF executable
    ("report.pdf", b"<!doctype html><h1>x</h1>"),  # HTML named .pdf
    ("report.pdf", zip_bytes()),                # a ZIP named .pdf
    ("report.pdf", PDF[:200]),                  # a truncated PDF
    ("../evil.pdf", PDF),
    ("evil\x00.pdf", PDF),
])
def test_bad_uploads_are_refused_and_nothing_stored(app, client, auth, make, name, data):
    rnd = make.round()
    login_ngo(make, auth)
    pid = new_draft(client, auth, rnd)
    response = upload(auth, pid, "annual_report", name, data)
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert load(app, pid).attachments == [] and stored_files(app) == []


def test_10_5_mb_file_refused_with_message(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = new_draft(client, auth, rnd)
    big = PDF[:-6] + b" " * int(10.5 * 1024 * 1024) + b"%%EOF\n"
    response = upload_raw(client, auth, pid, "annual_report", "big.pdf", big)
    assert response.status_code == 400
    assert "larger than 10 MB" in response.get_data(as_text=True)
    assert load(app, pid).attachments == [] and stored_files(app) == []
    assert load(app, pid).status == "draft"


def test_11_mb_body_is_413_with_a_friendly_page(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = new_draft(client, auth, rnd)
    response = upload_raw(client, auth, pid, "annual_report", "huge.pdf", b"%PDF-" + b"0" * (11 * 1024 * 1024))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "at most 10 MB" in html and f"/applicant/proposals/{pid}/attachments" in html
    assert load(app, pid).attachments == [] and stored_files(app) == []


def test_total_per_proposal_is_30_mb(app, client, auth, make, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_TOTAL_BYTES", len(PDF) * 2 + 10)
    rnd = make.round()
    login_ngo(make, auth)
    pid = new_draft(client, auth, rnd)
    # three document types: the same bytes twice as one type would be refused as a duplicate
    assert upload(auth, pid, "other", "a.pdf", PDF).status_code == 302
    assert upload(auth, pid, "annual_report", "b.pdf", PDF).status_code == 302
    response = upload(auth, pid, "registration_certificate", "c.pdf", PDF)
    assert response.status_code == 400 and "All attachments of a proposal together" in response.get_data(as_text=True)
    assert len(load(app, pid).attachments) == 2


def test_uploads_refused_after_submission(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    from tests.intake.helpers import category_id, complete_proposal, form_data, save

    pid = complete_proposal(app, client, auth, rnd)
    save(app, auth, pid, form_data(category_id(app, rnd)), action="submit")
    response = upload(auth, pid, "other", "late.pdf", PDF)
    assert response.status_code == 302
    assert len(load(app, pid).attachments) == 2
    att = load(app, pid).attachments[0]
    assert auth.post(f"/applicant/attachments/{att.id}/delete", headers=EN).status_code == 302
    assert len(load(app, pid).attachments) == 2


@pytest.mark.parametrize("weasyprint_imported", [False, True])
def test_images_are_decoded_not_just_framed(monkeypatch, weasyprint_imported):
    """A PNG whose chunk frame is right but whose pixel data is garbage is refused (Pillow decodes it),
    even after WeasyPrint's import has made Pillow tolerate broken images process-wide."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", weasyprint_imported)
    good = png(4, 4)
    start = good.index(b"IDAT") + 4
    length = struct.unpack(">I", good[start - 8:start - 4])[0]
    garbage = b"\x78\x9c" + b"\xff" * (length - 2)  # a zlib header, then nonsense
    bad = good[:start] + garbage + struct.pack(">I", zlib.crc32(b"IDAT" + garbage)) + good[start + length + 4:]
    with pytest.raises(Refusal) as info:
        uploads.check_upload("scan.png", bad)
    assert info.value.code == "upload_damaged"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is weasyprint_imported  # the setting is restored


def test_decompression_bomb_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(Refusal) as info:
        uploads.check_upload("big.png", png(20, 20))
    assert info.value.code == "upload_image_too_large"
    assert uploads.check_upload("small.png", png(10, 10))[0] == "png"


def test_pdf_page_limit(monkeypatch):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    monkeypatch.setattr(uploads, "MAX_PDF_PAGES", 2)
    with pytest.raises(Refusal) as info:
        uploads.check_upload("long.pdf", out.getvalue())
    assert info.value.code == "upload_pdf_too_many_pages"


@pytest.mark.parametrize("name,kind,shown", [
    ("report.html", "pdf", "report.pdf"),
    ("logo.svg", "png", "logo.png"),
    ("scan.JPEG", "jpeg", "scan.JPEG"),
    ("證書", "pdf", "證書.pdf"),
    ("a.b.html", "jpeg", "a.b.jpg"),
])
def test_display_name_carries_only_the_detected_extension(name, kind, shown):
    assert uploads.display_name(name, kind) == shown


def test_same_file_sent_twice_is_stored_once_and_renamed_to_its_type(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = new_draft(client, auth, rnd)
    assert upload(auth, pid, "registration_certificate", "certificate.html", PDF).status_code == 302
    again = upload(auth, pid, "registration_certificate", "certificate.html", PDF)
    assert again.status_code == 400 and "already attached" in again.get_data(as_text=True)
    (att,) = load(app, pid).attachments
    assert att.original_name == "certificate.pdf" and att.stored_name.endswith(".pdf")
    assert stored_files(app) == [att.stored_name]
    # the same file as another document type is a different attachment
    assert upload(auth, pid, "other", "copy.pdf", PDF).status_code == 302
    assert len(load(app, pid).attachments) == 2
