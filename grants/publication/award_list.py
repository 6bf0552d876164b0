"""The award list (立項名單 / 公示名單) as a PDF: layout, pagination, verification code.

Award list (立項名單 / 公示名單) and its verification code
-----------------------------------------------------------
A PDF cannot contain its own SHA-256.  The footer therefore carries a *verification
code*: ``sha256`` of the canonical list data, i.e. UTF-8 of
``json.dumps({"issuer", "round_name", "title", "date", "rows": [[rank, project,
organization, category, score, amount], ...]}, ensure_ascii=False, sort_keys=True,
separators=(",", ":"))`` with every value a string exactly as printed (score and amount
by ``grants.platform.numbers.score`` / ``amount``: changing those changes the code).  A QR code
(inline SVG) points to ``<verify_base_url>?code=<verification code>``.  The publisher
stores the frozen PDF bytes together with ``sha256_hex(pdf_bytes)``; the public verify
page accepts either the verification code or the file's own SHA-256.  The optional
audit-log head hash is printed beside the code.

Speed of the award list
-----------------------
Cost in WeasyPrint is per box (cascade, line breaking, drawing: ~0.5 ms per table cell
here), not per page, so the template keeps the box count low and the work parallel:

1. ``table-layout: fixed`` with explicit column widths (no min/max-content pass over
   every cell), ``border-collapse: separate`` and no per-cell borders (zebra shading is
   one background per row; six borders per row cost ~12 %), few simple selectors, two
   faces only (Noto Sans CJK regular + bold: every extra face adds a ~100-150 KiB subset).
2. Pre-pagination: ``paginate_award_list`` packs items into page-sized chunks in Python
   with a conservative height estimate (per-glyph upper bounds from Noto Sans CJK Bold:
   CJK 1 em, capitals 0.77 em, lowercase/digits 0.65 em; Latin words kept whole;
   widths, line height and paddings from ``AwardListLayout``, which the template also
   writes into the CSS).  Each chunk is its own small table with its own
   ``<thead>``, so the column header is on every page (were an estimate ever short, the
   chunk's table would continue on a new page and repeat ``<thead>`` there too).
   WeasyPrint lays out small tables faster than one long table it has to split (the
   plain table gets slower than linear: 600 -> 3,000 rows is 5.5x the time).
3. The chunks are split into consecutive groups rendered in parallel child processes
   (one per CPU, at least ``min_pages_per_worker`` pages each) and concatenated with
   pypdf.  Because chunks are page-aligned there are no half-empty pages at the seams,
   and each part knows its first page number and the total, so it prints
   "第 X 頁 共 Y 頁" itself (``@page :first { counter-set: page X }`` + literal Y).  Each
   part's page count is checked; if any differs from the estimate, the whole list is
   rendered again in one pass with ``counter(pages)``, so numbering is never wrong.
   Each part embeds its own font subsets; ``grants.platform.pdf_merge.concatenate`` replaces
   them with ONE subset per face (the union of the glyphs every part draws, cut from the
   original font file with HarfBuzz-subset, glyph ids kept), so the parallel file is about
   the size of the one-process file (600 rows: 423 instead of 692 KiB).
   Tried and dropped: rows as one block with inline-block cells (2.6 s for 600 rows) or
   with floated cells (2.4 s): no faster than the fixed table (2.4 s), more fragile.
4. Python's GC threshold is raised during the render (``gc.freeze`` +
   ``gc.set_threshold``) and restored afterwards (~10-30 %).
5. No element inside a cell: the last two CJK characters of a name are held together by
   U+2060 WORD JOINER (``join_tail``) rather than ``<span class="nw">`` (``pdf.no_widow``):
   one text box per cell instead of two, three elements fewer per row for the cascade;
   ~15-30 % less CPU at 600 rows (issue 18).  Pango honours the joiner, HarfBuzz draws
   nothing for it, and it does not appear in the PDF's text (tests read it back).
6. The category is a group heading row before its rows, repeated "…（續）" at the top of a
   page where the group goes on (``paginate_award_list`` inserts it and never ends a page
   with one), not a column that repeats the same word down every row: one cell of six
   fewer per row, the name columns 10 mm wider each (issue 18; ~8 %).  The verification
   code's data still carries the category of every row.
7. The template declares ``<html data-pdf-ua="lean">`` (``grants.platform.pdf``): it is
   written in XHTML syntax and parsed with expat instead of the HTML5 parser (0.002 s
   instead of 0.09 s for 600 rows, the same tree), and styled with WeasyPrint's UA rules
   for its own elements only (``grants/platform/pdf_ua_lean.css``) instead of the whole
   HTML5 UA stylesheet, whose every rule is matched against every cell (~12 %).  The
   pages are the same glyph for glyph (tests compare the content streams).

Measured with ``benchmarks/bench_award_list.py`` (issue 18's like-for-like method: "plain" = one
auto-layout table with full cell borders and the same page furniture, rows, fonts and GC tuning; the
one-process ratio on CPU seconds with both documents rendered in the benchmark's own, warmed-up
process; the parallel ratio on wall through the child-process engine) on the 2-core dev VM, which
other jobs share (load average beside each run; wall figures swing with it, CPU much less):

    rows   CPU ours / plain          wall: parallel, 1 proc, plain     files: parallel, 1 proc, plain
     600   1.50 / 3.45 s = 2.30x     1.75, 1.77, 3.62 s (load 4.4)    415, 399, 497 KiB (0.84x, 0.80x)
    3000   7.31 / 16.69 s = 2.28x    4.93, 7.09, 20.30 s = 4.12x       816, 778, 1,126 KiB (0.72x, 0.69x)
                                     (load 3-4)

Issue 18's targets: one process >= 3x (not met: 2.1-2.4x over several runs at load 4-15), parallel
>= 4x (met at 3,000 rows at load 3-4; at 600 rows the two parts only pay off on an idle machine),
files <= 1.3x (met).  Where the time goes (600 rows, CPU 1.5 s): layout ~0.9 s (table layout and one
Pango line layout per cell line), drawing ~0.35 s (one text run per cell line), cascade ~0.12 s,
box building ~0.09 s, fonts and PDF ~0.1 s: per cell, and five cells per row is what a list with
these five columns needs.  See docs/notes/issue-18-award-list.md.
"""

from __future__ import annotations

import io
import json
import os
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from grants.platform import numbers
from grants.platform.pdf import (
    DEFAULT_MAX_MEMORY_MB,
    DEFAULT_STATIC_ROOT,
    PdfRenderError,
    css_string,
    document_context,
    html_to_pdf,
    html_to_pdf_many,
    make_jinja_env,
    page_counter_css,
    sha256_hex,
)

# --------------------------------------------------------------------------- award list

AWARD_LIST_TEMPLATE = "publication/pdf/award_list.html"

#: The list's words when no catalog is at hand (this module does not import Flask): Traditional
#: Chinese. ``grants.publication.operations.list_labels(locale)`` gives them in a round's official
#: language from the catalogs; ``subtotal``/``total`` take ``category=``/``n=`` (a ``%`` format or
#: a callable, for plural forms: see ``fill``), ``seal`` ``issuer=``.
DEFAULT_LABELS: dict[str, str] = {
    "rank": "名次", "project": "項目名稱", "organization": "申報機構", "category": "類別", "score": "評分",
    "amount": "核定金額", "published_on": "發布日期", "currency": "金額單位：人民幣元", "code_short": "驗證碼",
    "code": "驗證碼（名單數據 SHA-256）", "verify_url": "核驗網址", "audit_head": "審計日誌",
    "seal": "%(issuer)s（蓋章）", "signatory": "負責人簽名", "subtotal": "%(category)s 小計（%(n)s 項）",
    "total": "合計（%(n)s 項）", "page": "第 %(page)s 頁，共 %(pages)s 頁", "continued": "%(category)s（續）",
}


@dataclass(frozen=True)
class AwardListLayout:
    """Geometry shared by the award-list CSS (written inline by the template) and the
    paginator's height estimate.  Millimetres unless stated."""

    page_height_mm: float = 297
    margin_top_mm: float = 14
    margin_bottom_mm: float = 16
    margin_side_mm: float = 14
    font_pt: float = 9
    line_height: float = 1.3
    pad_v_mm: float = 0.8
    pad_h_mm: float = 1.0
    rule_mm: float = 0.2
    columns: tuple[tuple[str, float], ...] = (
        ("rank", 11), ("project", 67), ("organization", 66), ("score", 13), ("amount", 25),
    )
    thead_mm: float = 12  # two lines: English headers ("Approved amount") wrap
    header_mm: float = 36  # official header, page 1 (fixed height in CSS)
    seal_mm: float = 40  # seal and signature block (fixed height in CSS)
    slack_mm: float = 5  # safety margin per page
    keep_rows_with_seal: int = 3

    @property
    def line_mm(self) -> float:
        return self.font_pt * 25.4 / 72 * self.line_height

    @property
    def body_mm(self) -> float:
        return self.page_height_mm - self.margin_top_mm - self.margin_bottom_mm

    def text_em(self, column: str, span: int = 1) -> float:
        names = [name for name, _ in self.columns]
        start = names.index(column)
        width = sum(w for _, w in self.columns[start:start + span])
        return (width - 2 * self.pad_h_mm) / (self.font_pt * 25.4 / 72)


DEFAULT_AWARD_LAYOUT = AwardListLayout()


def fill(label, **values) -> str:
    """A label with its values: ``label % values``, or ``label(**values)`` when it is a callable."""
    return label(**values) if callable(label) else label % values


def _char_em(ch: str) -> float:
    """Upper bound of a glyph's advance in em, from Noto Sans CJK Bold's metrics."""
    if unicodedata.east_asian_width(ch) in "WFA":  # CJK, full-width, “”…· in a CJK font
        return 1.0
    if ch in "@%mwMW":
        return 1.01
    if ch.isupper() or ch == "&":
        return 0.77
    return 0.65  # lowercase (else <= 0.644), digits (0.59), space, punctuation


def estimate_lines(text: str, width_em: float) -> int:
    """Upper bound of the lines ``text`` wraps to in ``width_em`` (greedy, Latin words
    kept whole unless longer than a line, 0.6 em slack per line for CJK line-break rules)."""
    width_em -= 0.6
    lines, used = 1, 0.0
    word: list[float] = []

    def place(w: float) -> None:
        nonlocal lines, used
        if used + w > width_em and used > 0:
            lines += 1
            used = 0.0
        used += w
        while used > width_em:  # a word longer than a line breaks anywhere
            lines += 1
            used -= width_em

    for ch in text:
        em = _char_em(ch)
        if not ch.isspace() and unicodedata.east_asian_width(ch) not in "WFA":
            word.append(em)  # part of a Latin word / number: wraps as a unit
            continue
        if word:
            place(sum(word))
            word = []
        place(em)
    if word:
        place(sum(word))
    return lines


#: The columns of the list (the category is a group heading row, not a column).
COLUMNS = ("rank", "project", "organization", "score", "amount")
#: Columns printed ``white-space: nowrap`` (class ``n`` in the template): always one line.
NOWRAP_COLUMNS = ("score", "amount")


def _item_height(item: Mapping[str, Any], layout: AwardListLayout) -> float:
    if item["kind"] == "row":
        lines = max(estimate_lines(str(item[col]), layout.text_em(col)) for col in COLUMNS
                    if col not in NOWRAP_COLUMNS)
    elif item["kind"] == "group":
        lines = estimate_lines(item["label"], layout.text_em("rank", len(COLUMNS)))
    else:
        lines = estimate_lines(item["label"], layout.text_em("rank", 3))  # the amount: nowrap
    return lines * layout.line_mm + 2 * layout.pad_v_mm + layout.rule_mm + 0.1


def group_heading(category: str, continued: bool = False, labels: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The heading row of a category's group; ``continued``: repeated at the top of a page where the group
    goes on ("婦女發展類（續）")."""
    label = fill({**DEFAULT_LABELS, **(labels or {})}["continued"], category=category) if continued else category
    return {"kind": "group", "category": category, "label": label, "continued": continued}


def with_group_headings(items: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """``items`` with a group heading before the first row of each category."""
    out: list[Mapping[str, Any]] = []
    current = None
    for item in items:
        if item["kind"] == "row" and item["category"] != current:
            current = item["category"]
            out.append(group_heading(current))
        out.append(item)
    return out


def paginate_award_list(
    items: Sequence[Mapping[str, Any]], layout: AwardListLayout = DEFAULT_AWARD_LAYOUT,
    labels: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Pack list items into page-sized chunks using a conservative height estimate.

    A group heading (the category) goes before the first row of each category, never last on a page,
    and is repeated as "…（續）" at the top of a page where the group goes on (``labels["continued"]``).
    Page 1 carries the official header; the last page carries the seal block together
    with at least ``keep_rows_with_seal`` items (so the seal never stands alone).
    """
    avail = layout.body_mm - layout.slack_mm
    display = with_group_headings(items)
    heights = [_item_height(item, layout) for item in display]
    n = len(display)

    def open_page(i: int) -> tuple[list[Mapping[str, Any]], float]:
        """A new page whose first item is display[i]: a continued heading if it is inside a group."""
        if i < n and display[i]["kind"] in ("row", "subtotal"):
            heading = group_heading(display[i]["category"], continued=True, labels=labels)
            return [heading], layout.thead_mm + _item_height(heading, layout)
        return [], layout.thead_mm

    def pack(stop: int, pages: list[list[Mapping[str, Any]]]) -> tuple[list[Mapping[str, Any]], float]:
        current: list[Mapping[str, Any]] = []
        used = layout.header_mm + layout.thead_mm
        for i in range(stop):
            need = heights[i] + (heights[i + 1] if display[i]["kind"] == "group" and i + 1 < n else 0)
            if current and used + need > avail:
                pages.append(current)
                current, used = open_page(i)
            current.append(display[i])
            used += heights[i]
        return current, used

    pages: list[list[Mapping[str, Any]]] = []
    last, used = pack(n, pages)
    keep = min(layout.keep_rows_with_seal, n)
    if not last or used + layout.seal_mm > avail or len(last) < keep:
        # The seal would stand alone or with too few rows: the last `keep` items go
        # onto the last page together with the seal; the rest is packed before them.
        cut = n - keep
        if cut > 0 and display[cut - 1]["kind"] == "group":
            cut -= 1  # a heading goes with its first row
        pages = []
        before, _ = pack(cut, pages)
        if before:
            pages.append(before)
        tail, _ = open_page(cut) if pages else ([], 0.0)
        last = tail + display[cut:]
    pages.append(last)
    return [{"items": list(page), "last": k == len(pages) - 1} for k, page in enumerate(pages)]


def award_list_verification_code(
    *, issuer: str, round_name: str, title: str, date: str, rows: Sequence[Sequence[str]]
) -> str:
    """SHA-256 of the canonical list data (see the module docstring)."""
    canonical = json.dumps(
        {"issuer": issuer, "round_name": round_name, "title": title, "date": date,
         "rows": [[str(v) for v in row] for row in rows]},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return sha256_hex(canonical.encode("utf-8"))


def qr_svg(data: str, size_mm: float = 26) -> str:
    """QR code as an inline SVG string (segno; no data: URI, nothing fetched)."""
    import segno

    svg = segno.make(data, error="m", micro=False).svg_inline(scale=1, border=2, unit="mm")
    if "xmlns=" not in svg:  # well-formed XML too (the list is parsed with expat: grants.platform.pdf)
        svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return svg.replace("class=\"segno\"", f'class="segno" style="width:{size_mm}mm;height:{size_mm}mm"', 1)


def award_list_context(
    *,
    issuer: str,
    round_name: str,
    title: str,
    date: str,
    rows: Sequence[Mapping[str, Any]],
    verify_base_url: str,
    audit_head: str | None = None,
    category_order: Sequence[str] | None = None,
    locale: str = "zh_Hant",
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Plain-data context for ``render_award_list``.

    ``rows``: mappings with ``rank, project, organization, category, score, amount``
    (score/amount as ``Decimal``, int or str).  Rows are grouped by category (in
    ``category_order`` or first-appearance order; input order kept inside a group),
    each group followed by its subtotal, then the grand total.  ``locale`` chooses the faces
    (``grants.platform.pdf.FONT_FACES``), ``labels`` the words (``DEFAULT_LABELS``' keys).
    """
    from markupsafe import Markup

    words = {**DEFAULT_LABELS, **(labels or {})}

    formatted = [
        {"kind": "row", "rank": str(r["rank"]), "project": str(r["project"]),
         "organization": str(r["organization"]), "category": str(r["category"]),
         "score": numbers.score(r["score"], blank=""), "amount": numbers.amount(r["amount"]),
         "_amount": numbers.to_decimal(r["amount"])}
        for r in rows
    ]
    order = list(category_order or [])
    for r in formatted:
        if r["category"] not in order:
            order.append(r["category"])
    items: list[dict[str, Any]] = []
    total = Decimal(0)
    for category in order:
        group = [r for r in formatted if r["category"] == category]
        if not group:
            continue
        subtotal = sum((r["_amount"] for r in group), Decimal(0))
        total += subtotal
        items.extend({k: v for k, v in r.items() if k != "_amount"} for r in group)
        items.append({"kind": "subtotal", "category": category,
                      "label": fill(words["subtotal"], category=category, n=len(group)),
                      "amount": numbers.amount(subtotal)})
    items.append({"kind": "total", "label": fill(words["total"], n=len(formatted)), "amount": numbers.amount(total)})
    data_rows = [[i["rank"], i["project"], i["organization"], i["category"], i["score"], i["amount"]]
                 for i in items if i["kind"] == "row"]
    code = award_list_verification_code(
        issuer=issuer, round_name=round_name, title=title, date=date, rows=data_rows
    )
    verify_url = f"{verify_base_url}?code={code}"
    return {
        **document_context(locale, words["page"]),
        "labels": {**{k: v for k, v in words.items() if not callable(v)}, "seal": fill(words["seal"], issuer=issuer)},
        "footer_code_css": Markup(css_string(f"{words['code_short']} {code}")),  # noqa: S704  # nosec B704
        "issuer": issuer, "round_name": round_name, "title": title, "date": date,
        "items": items, "row_count": len(formatted), "total_amount": numbers.amount(total),
        "verification_code": code, "verify_url": verify_url, "audit_head": audit_head,
        "qr_svg": Markup(qr_svg(verify_url)),  # noqa: S704  # nosec B704 - generated here
    }


WORD_JOINER = "\u2060"


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def join_tail(text: str) -> str:
    """``text`` whose last two CJK characters never part (the rule of ``grants.platform.pdf.no_widow``), held
    together by U+2060 WORD JOINER between them instead of a ``<span>`` with ``white-space: nowrap``: no extra
    element for the cascade, no second text box per cell for line breaking and drawing (about a quarter of
    the list's render time went to those spans).  A short Latin or number tail ("…計劃092", "…SMART-2024")
    stays with the CJK character before it: a joiner between each of its characters too."""
    if len(text) < 4:
        return text
    if _wide(text[-1]) and _wide(text[-2]):
        cut = len(text) - 2
    else:
        tail = len(text)
        while tail > 0 and not _wide(text[tail - 1]) and not text[tail - 1].isspace():
            tail -= 1
        if tail < 2 or len(text) - tail > 8 or not _wide(text[tail - 1]):
            return text
        cut = tail - 1
    return text[:cut] + WORD_JOINER.join(text[cut:])


def _joined(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{**it, "project": join_tail(it["project"]), "organization": join_tail(it["organization"])}
            if it["kind"] == "row" else it for it in items]


def _split_balanced(pages: list[dict[str, Any]], parts: int) -> list[list[dict[str, Any]]]:
    """Split consecutive pages into ``parts`` groups with about equal item counts."""
    sizes = [len(p["items"]) for p in pages]
    target = sum(sizes) / parts
    groups: list[list[dict[str, Any]]] = [[]]
    acc = 0
    for page, size in zip(pages, sizes, strict=True):
        if len(groups) < parts and acc >= target * len(groups) and groups[-1]:
            groups.append([])
        groups[-1].append(page)
        acc += size
    return groups


def _page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def award_list_html(context: Mapping[str, Any], *, env=None,
                    layout: AwardListLayout = DEFAULT_AWARD_LAYOUT) -> str:
    """The whole list as ONE document (what ``render_award_list(workers=1)`` renders): for benchmarks and checks."""
    from markupsafe import Markup

    env = env if env is not None else make_jinja_env()
    pages = [{**page, "items": _joined(page["items"])} for page in paginate_award_list(context["items"], layout, context.get("labels"))]
    label = context.get("labels", DEFAULT_LABELS)["page"]
    return env.get_template(AWARD_LIST_TEMPLATE).render(
        **context, layout=layout, pages=pages, show_header=True, show_seal=True, first_page=1,
        page_counter=Markup(page_counter_css(label, None)))  # noqa: S704  # nosec B704 - escaped CSS strings


def render_award_list(
    context: Mapping[str, Any],
    *,
    env=None,
    static_root: str | Path = DEFAULT_STATIC_ROOT,
    workers: int | None = None,
    min_pages_per_worker: int = 4,
    timeout: float = 180,
    max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB,
    layout: AwardListLayout = DEFAULT_AWARD_LAYOUT,
) -> bytes:
    """Render the award list (context from ``award_list_context``) to PDF bytes.

    Pages are pre-packed; with ``workers`` > 1 (default: usable CPUs, capped by
    ``min_pages_per_worker``) consecutive page groups render in parallel processes and
    are concatenated; each part prints "第 X 頁 共 Y 頁" from its known offset and the
    known total.  If any part paginates differently from the estimate, the whole list
    is rendered again in one pass with CSS ``counter(pages)`` so numbering stays right.
    Pass ``workers=1`` for the smallest file or to leave the other cores to requests.
    ``timeout`` is one deadline for the whole call; ``max_memory_mb`` is per process.
    """
    env = env if env is not None else make_jinja_env()
    template = env.get_template(AWARD_LIST_TEMPLATE)
    pages = [{**page, "items": _joined(page["items"])} for page in paginate_award_list(context["items"], layout, context.get("labels"))]
    workers = workers if workers is not None else len(os.sched_getaffinity(0))
    parts = max(1, min(workers, len(pages) // max(1, min_pages_per_worker)))
    limits = {"static_root": static_root, "timeout": timeout, "max_memory_mb": max_memory_mb}
    base = {**context, "layout": layout}
    page_label = context.get("labels", DEFAULT_LABELS)["page"]

    def counter(total: int | None):
        from markupsafe import Markup

        return Markup(page_counter_css(page_label, total))  # noqa: S704  # nosec B704 - escaped CSS strings

    deadline = time.monotonic() + timeout

    def single_pass() -> bytes:
        html = template.render(**base, pages=pages, show_header=True, show_seal=True,
                               first_page=1, page_counter=counter(None))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PdfRenderError(f"PDF render exceeded the {timeout:g} s time limit")
        return html_to_pdf(html, **{**limits, "timeout": remaining})

    if parts == 1:
        return single_pass()
    groups = _split_balanced(pages, parts)
    htmls, offset = [], 0
    for n, group in enumerate(groups):
        htmls.append(template.render(
            **base, pages=group, show_header=n == 0, show_seal=n == len(groups) - 1,
            first_page=offset + 1, page_counter=counter(len(pages)),
        ))
        offset += len(group)
    pdfs = html_to_pdf_many(htmls, **limits)
    if any(_page_count(pdf) != len(group) for pdf, group in zip(pdfs, groups, strict=True)):
        return single_pass()  # the estimate was short somewhere: number pages in one pass
    return _concatenate(pdfs, title=f"{context['issuer']} {context['round_name']} {context['title']}")


def _concatenate(pdfs: Sequence[bytes], *, title: str) -> bytes:
    from grants.platform.pdf_merge import concatenate

    return concatenate(pdfs, title=title)
