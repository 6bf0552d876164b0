"""Checking and storing uploaded files (proposal attachments, later objection evidence).

Only PDF, JPEG and PNG are accepted, recognised by their CONTENT, never by the name or the
browser's content type, and checked by DECODING them with a well-kept library (input policy,
SECURITY.md):

* PDF: starts with ``%PDF-``, has an ``%%EOF`` near the end, pypdf parses it and every page's
  object (at most MAX_PDF_PAGES pages);
* PNG: the 8-byte signature, an ``IHDR`` chunk first and an ``IEND`` chunk last, every chunk
  length adding up to the file, and Pillow ``verify()``s and fully decodes it;
* JPEG: ``FF D8 FF`` (SOI) at the start, ``FF D9`` (EOI) at the end, and Pillow ``verify()``s and
  fully decodes it. Images are at most MAX_IMAGE_PIXELS pixels (checked from the header before
  decoding: no decompression bomb).

A file is stored, and later offered for download, only under the extension of its DETECTED
type (``display_name``): an uploader's ``.html`` or ``.svg`` never survives.

``check_upload(filename, data)`` returns ``(kind, content_type)`` or raises
``Refusal(code)``; ``store(folder, data)`` writes the bytes under a server-generated
name (``secrets.token_hex``) and returns ``(stored_name, sha256)``. Names are sanitised for
display only; ``..``, path separators and NUL in a name are refused outright.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
import struct
import threading
import unicodedata

from grants.rules.refusal import Refusal

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_PDF_PAGES = 500
MAX_IMAGE_PIXELS = 40_000_000  # e.g. 8000 x 5000: any phone photo or A4 scan at 600 dpi
MAX_TOTAL_BYTES = 30 * 1024 * 1024
KINDS = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}
EXTENSIONS = {"pdf": (".pdf",), "png": (".png",), "jpeg": (".jpg", ".jpeg")}
TMP_PREFIX = ".tmp-"  # files being written (see store); never referenced by a row


def clean_name(filename: str | None) -> str:
    """A display name: refuses traversal and NUL, drops control characters, keeps CJK."""
    name = filename or ""
    if "\x00" in name or ".." in name or "/" in name or "\\" in name:
        raise Refusal("upload_bad_name")
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        raise Refusal("upload_bad_name")
    stem, dot, ext = name.rpartition(".")
    if len(name) > 150:
        name = (stem[: 150 - len(ext) - 1] + "." + ext) if dot else name[:150]
    return name


def display_name(filename: str | None, kind: str) -> str:
    """The name a file is shown and downloaded under: the uploader's stem (cleaned) with the
    extension of the DETECTED type only (``report.html`` holding a PDF becomes ``report.pdf``)."""
    name = clean_name(filename)
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem = name
    elif ("." + ext.lower()) in EXTENSIONS[kind]:
        return name
    return stem[:140] + EXTENSIONS[kind][0]


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return None


def _png_ok(data: bytes) -> bool:
    pos = 8
    first = True
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype = data[pos + 4:pos + 8]
        if first and (ctype != b"IHDR" or length != 13):
            return False
        first = False
        end = pos + 12 + length
        if end > len(data):
            return False
        if ctype == b"IEND":
            return end == len(data) or not data[end:].strip(b"\x00")
        pos = end
    return False


def _jpeg_ok(data: bytes) -> bool:
    return len(data) > 4 and data.rstrip(b"\x00\r\n")[-2:] == b"\xff\xd9"


def _image_decodes(data: bytes, kind: str) -> bool:
    """Pillow opens the image as ``kind`` only, verifies it, then decodes every pixel; refuses
    (``Refusal("upload_image_too_large")``) more than MAX_IMAGE_PIXELS before decoding."""
    from PIL import ImageFile

    fmt = {"png": "PNG", "jpeg": "JPEG"}[kind]
    # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import, which makes load()
    # swallow decoder errors: the check decodes strictly, under a lock, and restores the setting.
    with _STRICT_DECODING:
        tolerant = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            return _decode(data, fmt)
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = tolerant


_STRICT_DECODING = threading.Lock()


def _decode(data: bytes, fmt: str) -> bool:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise Refusal("upload_image_too_large", limit=MAX_IMAGE_PIXELS // 1_000_000)
            image.verify()
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            image.load()
    except Refusal:
        raise
    except Exception:  # any decoder error means a damaged or fake image
        return False
    return width > 0 and height > 0


def _pdf_ok(data: bytes) -> bool:
    if b"%%EOF" not in data[-2048:]:
        return False
    from pypdf import PdfReader

    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = len(reader.pages)
        if pages > MAX_PDF_PAGES:
            raise Refusal("upload_pdf_too_many_pages", limit=MAX_PDF_PAGES)
        for page in reader.pages:
            page.mediabox  # noqa: B018 - every page object must resolve
        return pages > 0
    except Refusal:
        raise
    except Exception:  # any parse failure means a damaged or fake PDF
        return False
    finally:
        pypdf_log.setLevel(level)


def upload_of(form_field) -> tuple[str, bytes] | None:
    """What a file field received: ``(filename, bytes)``, or None when no file was chosen. The bytes are
    checked by ``check_upload`` in the operation that stores them."""
    data = form_field.data
    if data is not None and getattr(data, "filename", ""):
        return data.filename, data.read()
    return None


def check_upload(filename: str | None, data: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> tuple[str, str]:
    """(kind, content type) for an acceptable file; otherwise Refusal."""
    name = clean_name(filename)
    if not data:
        raise Refusal("upload_empty")
    if len(data) > max_bytes:
        raise Refusal("upload_too_large", limit_mb=max_bytes // (1024 * 1024))
    kind = sniff(data)
    if kind is None:
        raise Refusal("upload_unsupported")
    ext = os.path.splitext(name)[1].lower()
    known = {e for exts in EXTENSIONS.values() for e in exts}
    if ext in known and ext not in EXTENSIONS[kind]:
        raise Refusal("upload_mismatch")
    ok = {"pdf": _pdf_ok, "png": _png_ok, "jpeg": _jpeg_ok}[kind](data)
    if ok and kind in ("png", "jpeg"):
        ok = _image_decodes(data, kind)
    if not ok:
        raise Refusal("upload_damaged")
    return kind, KINDS[kind]


def check_total(existing_bytes: int, new_bytes: int, *, limit: int | None = None) -> None:
    limit = MAX_TOTAL_BYTES if limit is None else limit
    if existing_bytes + new_bytes > limit:
        raise Refusal("upload_total_too_large", limit_mb=limit // (1024 * 1024))


def store(folder: str, data: bytes, kind: str) -> tuple[str, str]:
    """Write ``data`` under a fresh random name in ``folder``: (stored name, sha256 hex)."""
    os.makedirs(folder, exist_ok=True)
    ext = EXTENSIONS[kind][0]
    stored = secrets.token_hex(16) + ext
    path = os.path.join(folder, stored)
    # Written whole under a temporary name, flushed to disk, then renamed: the final name never
    # points at a partial file, even after a crash or power cut between this and the DB commit.
    # A crash before the commit leaves an unreferenced file (or a TMP_PREFIX file), which
    # grants.platform.maintenance.sweep_orphan_files removes.
    tmp = os.path.join(folder, TMP_PREFIX + stored)
    with open(tmp, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(folder)
    return stored, hashlib.sha256(data).hexdigest()


def _fsync_dir(folder: str) -> None:
    """Make the rename durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def path_of(folder: str, stored_name: str) -> str:
    """The file's path; refuses anything but a server-generated name."""
    base, ext = os.path.splitext(stored_name)
    if len(base) != 32 or any(c not in "0123456789abcdef" for c in base) or ext not in (".pdf", ".png", ".jpg"):
        raise Refusal("upload_bad_name")
    return os.path.join(folder, stored_name)


def remove(folder: str, stored_name: str) -> None:
    try:
        os.remove(path_of(folder, stored_name))
    except FileNotFoundError:
        pass


def tiny_pdf() -> bytes:
    """A valid one-page blank PDF (demo data, tests)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
