"""Private file downloads: one way to send a file the user may keep but no cache may.

Every private download (attachments, proposal PDFs, score sheets, rubrics, the review summary,
objection evidence, spreadsheets and CSVs) goes through ``download``: ``Content-Disposition:
attachment`` with an ASCII fallback name and the UTF-8 name (RFC 6266 / 5987),
``Cache-Control: private, no-store`` and ``nosniff``. The frozen public documents use
``content_disposition`` with their own public cache policy.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response, current_app


def ascii_filename(filename: str) -> str:
    """The ASCII fallback of a download name (old clients ignore ``filename*``): "公示名單-8.xlsx" ->
    "8.xlsx", "評分.xlsx" -> "download.xlsx"."""
    def plain(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")

    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    ext = plain(ext)
    return (plain(stem) or "download") + (f".{ext}" if ext else "")


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>`` (RFC 6266 / 5987)."""
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_filename(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(data: bytes, *, filename: str, mimetype: str) -> Response:
    """A private file download: attachment, never stored by a browser or a shared cache, no sniffing."""
    response = current_app.response_class(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
