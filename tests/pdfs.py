"""Reading rendered PDFs in tests: their text and the fonts they embed."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def text_of(data: bytes, *, squash: bool = False) -> str:
    """The text of every page, pages joined by newlines; ``squash`` drops all white space
    (CJK text comes out of pypdf with spaces between glyphs)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text) if squash else text


def font_names(data: bytes) -> set[str]:
    """The /BaseFont names of the fonts embedded in any page."""
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names
