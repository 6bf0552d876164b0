"""The public 公示 workbook (list.xlsx): the published list with per-category subtotals and the grand
total, written once when the notice is rendered and served, frozen, to anyone.

Made from the render spec only (``operations.render_spec``: issuer, round name, title, date and the
frozen rows), like the PDF. The list is an official document: its words are in the round's official
language, as on the PDF (``labels`` from ``operations.list_labels``; Traditional Chinese without them).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from grants.platform.exports import INTEGER, MONEY, SCORE, TEXT, Column, Row, Sheet, xlsx_bytes
from grants.publication.award_list import DEFAULT_LABELS, fill


def columns(labels: Mapping[str, str]) -> list[Column]:
    return [
        Column(labels["rank"], INTEGER, 8),
        Column(labels["project"], TEXT, 40),
        Column(labels["organization"], TEXT, 32),
        Column(labels["category"], TEXT, 14),
        Column(labels["score"], SCORE, 10),
        Column(labels["amount"], MONEY, 16),
    ]


COLUMNS = columns(DEFAULT_LABELS)


def _amount(row: dict) -> Decimal:
    return Decimal(row["amount"])


def notice_sheet(spec: dict, labels: Mapping[str, str] | None = None) -> Sheet:
    words = {**DEFAULT_LABELS, **(labels or {})}
    rows = spec["rows"]
    order: list[str] = []
    for row in rows:
        if row["category"] not in order:
            order.append(row["category"])
    lines: list = []
    for category in order:
        group = [r for r in rows if r["category"] == category]
        for r in group:
            rank = str(r["rank"])
            lines.append([int(rank) if rank.isdigit() else rank, r["project"], r["organization"], r["category"],
                          Decimal(r["score"]) if r["score"] else None, _amount(r)])
        subtotal = sum((_amount(r) for r in group), Decimal(0))
        lines.append(Row([None, fill(words["subtotal"], category=category, n=len(group)), None, None, None,
                          subtotal], strong=True))
    total = sum((_amount(r) for r in rows), Decimal(0))
    lines.append(Row([None, fill(words["total"], n=len(rows)), None, None, None, total], strong=True))
    colon = ": " if spec.get("locale") == "en" else "："
    preamble = [
        [spec["issuer"]],
        [f"{spec['round_name']} {spec['title']}"],
        [f"{words['published_on']}{colon}{spec['date']}", None, None, None, None, words["currency"]],
    ]
    return Sheet(spec["title"], columns(words), lines, preamble=preamble)


def notice_workbook(spec: dict, labels: Mapping[str, str] | None = None) -> bytes:
    """The bytes of list.xlsx for ``spec`` (words: ``labels``, see ``notice_sheet``)."""
    return xlsx_bytes([notice_sheet(spec, labels)])
