"""Concatenate PDFs rendered in parts, with ONE embedded subset per font face.

A document rendered in parallel parts (``grants.publication.award_list``) is several WeasyPrint
PDFs, and each embeds its own subset of every face it uses: for a Noto Sans CJK face that is
~130-170 KiB compressed per part, however few glyphs (WeasyPrint subsets with HarfBuzz keeping the
original glyph ids, so a subset holds an empty slot for every glyph id below the highest one used).
Two parts therefore carried two nearly identical ~300 KiB font pairs.

``concatenate`` appends the parts with pypdf and, per face, replaces the parts' subsets with one
subset of the ORIGINAL font file holding the union of the glyphs all parts draw (read from each
part's ``/W`` widths and ``/ToUnicode`` map, which WeasyPrint writes for the glyphs it draws).  Because the subsets keep
the original glyph ids, every part's text (glyph ids, widths, ToUnicode) stays valid unchanged.
The original file is found by the subset's PostScript name with ``fc-match`` (the same fontconfig
that WeasyPrint used); the subset is made with HarfBuzz-subset (the library WeasyPrint uses, with
its flags: keep glyph ids, desubroutinize, no hinting, same dropped tables) through a small cffi
binding of our own (no WeasyPrint internals).  Whenever anything is not as expected (no
``fc-match``, no HarfBuzz-subset, a face that is not an OpenType/CFF ``/FontFile3``, a ``/CIDSet``,
a file whose glyph count differs) that face keeps the parts' own subsets: the file is only larger.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import shutil
import struct
import subprocess
from collections.abc import Sequence
from typing import Any

LOGGER = logging.getLogger(__name__)

# HarfBuzz-subset flags and set ids (hb-subset.h), as WeasyPrint's pdf/fonts.py uses them.
_NO_HINTING, _RETAIN_GIDS, _DESUBROUTINIZE, _PASSTHROUGH_UNRECOGNIZED, _NOTDEF_OUTLINE = 0x1, 0x2, 0x4, 0x20, 0x40
_SETS_DROP_TABLE_TAG = 3
_DROP_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")

_CDEF = """
typedef struct hb_blob_t hb_blob_t; typedef struct hb_face_t hb_face_t; typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t; typedef uint32_t hb_codepoint_t; typedef uint32_t hb_tag_t;
hb_blob_t *hb_blob_create_from_file_or_fail(const char *file_name);
void hb_blob_destroy(hb_blob_t *blob);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
void hb_face_destroy(hb_face_t *face);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
unsigned int hb_face_get_glyph_count(const hb_face_t *face);
hb_tag_t hb_tag_from_string(const char *str, int len);
void hb_set_add_sorted_array(hb_set_t *set, const hb_codepoint_t *sorted_codepoints, unsigned int num_codepoints);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned value);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""


@functools.cache
def _harfbuzz():
    """(ffi, libharfbuzz, libharfbuzz-subset), or None when HarfBuzz-subset is not installed."""
    try:
        import cffi

        ffi = cffi.FFI()
        ffi.cdef(_CDEF)
        return ffi, ffi.dlopen("libharfbuzz.so.0"), ffi.dlopen("libharfbuzz-subset.so.0")
    except (ImportError, OSError, AttributeError) as exc:  # pragma: no cover - depends on the machine
        LOGGER.info("no HarfBuzz-subset (%s): parts keep their own font subsets", exc)
        return None


@functools.cache
def _font_file(postscript_name: str) -> tuple[str, int] | None:
    """(path, face index) of the installed font with this PostScript name, from fontconfig."""
    fc_match = shutil.which("fc-match")
    if not fc_match or not postscript_name.replace("-", "").isalnum():
        return None
    out = subprocess.run(  # noqa: S603 - fixed program, checked name  # nosec B603
        [fc_match, "-f", "%{file}\t%{index}\t%{postscriptname}", f":postscriptname={postscript_name}"],
        capture_output=True, text=True, timeout=10, check=False,
    ).stdout
    parts = out.split("\t")
    if len(parts) != 3 or parts[2] != postscript_name:
        return None
    return parts[0], int(parts[1])


def subset_font(path: str, index: int, glyph_ids: set[int]) -> tuple[bytes, int] | None:
    """(OpenType bytes, glyph count) of face ``index`` of ``path`` cut to ``glyph_ids``, keeping ids."""
    hb = _harfbuzz()
    if hb is None:
        return None
    ffi, harfbuzz, subset = hb
    blob = harfbuzz.hb_blob_create_from_file_or_fail(path.encode())
    if blob == ffi.NULL:
        return None
    face = harfbuzz.hb_face_create(blob, index)
    request = subset.hb_subset_input_create_or_fail()
    result = out_blob = ffi.NULL
    try:
        keep = sorted(glyph_ids | {0})
        harfbuzz.hb_set_add_sorted_array(
            subset.hb_subset_input_glyph_set(request), ffi.new(f"hb_codepoint_t[{len(keep)}]", keep), len(keep))
        tags = sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in _DROP_TABLES)
        harfbuzz.hb_set_add_sorted_array(subset.hb_subset_input_set(request, _SETS_DROP_TABLE_TAG),
                                         ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags))
        subset.hb_subset_input_set_flags(
            request, _NO_HINTING | _RETAIN_GIDS | _DESUBROUTINIZE | _PASSTHROUGH_UNRECOGNIZED | _NOTDEF_OUTLINE)
        result = subset.hb_subset_or_fail(face, request)
        if result == ffi.NULL:
            return None
        out_blob = harfbuzz.hb_face_reference_blob(result)
        length = ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(out_blob, length)
        return bytes(ffi.buffer(data, length[0])), harfbuzz.hb_face_get_glyph_count(result)
    finally:
        if out_blob != ffi.NULL:
            harfbuzz.hb_blob_destroy(out_blob)
        if result != ffi.NULL:
            harfbuzz.hb_face_destroy(result)
        subset.hb_subset_input_destroy(request)
        harfbuzz.hb_face_destroy(face)
        harfbuzz.hb_blob_destroy(blob)


def _glyph_ids(widths) -> set[int]:
    """Glyph ids of a CIDFont ``/W`` array (``c [w1 w2 ...]`` and ``c_first c_last w`` runs)."""
    ids: set[int] = set()
    i = 0
    while i < len(widths):
        first, second = int(widths[i]), widths[i + 1].get_object()
        if isinstance(second, list):
            ids.update(range(first, first + len(second)))
            i += 2
        else:
            ids.update(range(first, int(second) + 1))
            i += 3
    return ids


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFCHAR_SOURCE = re.compile(rb"^\s*<([0-9A-Fa-f]+)>", re.M)


def _unicode_glyph_ids(to_unicode) -> set[int]:
    """Glyph ids of a ``/ToUnicode`` CMap's ``bfchar`` entries (a glyph drawn with no width entry, e.g.
    U+2060 WORD JOINER, is there)."""
    ids: set[int] = set()
    for block in _BFCHAR.findall(to_unicode.get_object().get_data() if to_unicode is not None else b""):
        ids.update(int(code, 16) for code in _BFCHAR_SOURCE.findall(block))
    return ids


def _advances(font: bytes, glyph_ids: set[int]) -> dict[int, int]:
    """Horizontal advance of each of ``glyph_ids`` that the OpenType ``font`` holds (raw hhea/hmtx)."""
    from fontTools.ttLib.sfnt import SFNTReader

    reader = SFNTReader(io.BytesIO(font))
    long_metrics = struct.unpack(">H", reader["hhea"][34:36])[0]
    hmtx = reader["hmtx"]
    glyphs = struct.unpack(">H", reader["maxp"][4:6])[0]

    def advance(gid: int) -> int:
        at = 4 * min(gid, long_metrics - 1)
        return struct.unpack(">H", hmtx[at:at + 2])[0]

    return {gid: advance(gid) for gid in glyph_ids if gid < glyphs}


def share_font_subsets(writer) -> int:
    """Give every CJK/OpenType face of ``writer``'s pages ONE subset (see the module docstring);
    returns how many faces were merged."""
    from fontTools.ttLib import TTFont
    from pypdf.generic import DecodedStreamObject, NameObject

    faces: dict[str, dict[str, Any]] = {}
    for page in writer.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            if font.get("/Subtype") != "/Type0":
                continue
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            base = str(font["/BaseFont"])
            face = faces.setdefault(base.split("+", 1)[-1], {"glyphs": set(), "descriptors": {}, "ok": True})
            stream = descriptor.get("/FontFile3")
            if stream is None or "/CIDSet" in descriptor or stream.get_object().get("/Subtype") != "/OpenType":
                face["ok"] = False
                continue
            drawn = _glyph_ids(descendant.get("/W", [])) | _unicode_glyph_ids(font.get("/ToUnicode"))
            face["glyphs"] |= drawn
            face.setdefault("first", drawn)
            face["descriptors"][id(descriptor)] = descriptor
    merged = 0
    for name, face in faces.items():
        if not face["ok"] or len(face["descriptors"]) < 2:
            continue
        descriptors = list(face["descriptors"].values())
        sample = descriptors[0]["/FontFile3"].get_object().get_data()
        try:
            found = _font_file(str(TTFont(io.BytesIO(sample), lazy=True)["name"].getDebugName(6) or ""))
            union = subset_font(*found, face["glyphs"]) if found else None
            # The same font as the parts' (same advance for every glyph the first part draws), holding every
            # glyph that any part draws.
            expected = _advances(sample, face["first"])
            same = union is not None and all(
                union[1] > gid for gid in face["glyphs"]) and _advances(union[0], set(expected)) == expected
        except Exception as exc:  # a font we do not understand: keep the parts' subsets
            LOGGER.info("font %s keeps its per-part subsets: %s", name, exc)
            continue
        if not same:
            LOGGER.info("font %s keeps its per-part subsets (no matching font file)", name)
            continue
        stream = DecodedStreamObject()
        stream.set_data(union[0])
        stream[NameObject("/Subtype")] = NameObject("/OpenType")
        reference = writer._add_object(stream.flate_encode())  # noqa: SLF001 - pypdf's way to add an object
        for descriptor in descriptors:
            descriptor[NameObject("/FontFile3")] = reference
        merged += 1
    return merged


def concatenate(pdfs: Sequence[bytes], *, title: str, creator: str = "grants") -> bytes:
    """The pages of ``pdfs`` in order as one PDF, fonts shared (``share_font_subsets``)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    if len(pdfs) > 1 and share_font_subsets(writer):
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    writer.add_metadata({"/Title": title, "/Creator": creator})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
