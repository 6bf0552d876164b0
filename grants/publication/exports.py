"""The public 公示 workbook (list.xlsx): the published list with per-category subtotals and the grand
total, written once when the notice is rendered and served, frozen, to anyone.

Made from the render spec only (``operations.render_spec``: issuer, round name, title, date and the
frozen rows), like the PDF. The list is an official document in Chinese, so its words are fixed
Traditional Chinese, as on the PDF, whatever the admin's language.
"""

from __future__ import annotations

from decimal import Decimal

from grants.platform.exports import INTEGER, MONEY, SCORE, TEXT, Column, Row, Sheet, xlsx_bytes

COLUMNS = [
    Column("名次", INTEGER, 8),
    Column("項目名稱", TEXT, 40),
    Column("申報機構", TEXT, 32),
    Column("類別", TEXT, 14),
    Column("評分", SCORE, 10),
    Column("核定金額", MONEY, 16),
]


def _amount(row: dict) -> Decimal:
    return Decimal(row["amount"])


def notice_sheet(spec: dict) -> Sheet:
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
        lines.append(Row([None, f"{category} 小計（{len(group)} 項）", None, None, None, subtotal], strong=True))
    total = sum((_amount(r) for r in rows), Decimal(0))
    lines.append(Row([None, f"合計（{len(rows)} 項）", None, None, None, total], strong=True))
    preamble = [
        [spec["issuer"]],
        [f"{spec['round_name']} {spec['title']}"],
        [f"發布日期：{spec['date']}", None, None, None, None, "金額單位：人民幣元"],
    ]
    return Sheet(spec["title"], COLUMNS, lines, preamble=preamble)


def notice_workbook(spec: dict) -> bytes:
    """The bytes of list.xlsx for ``spec``."""
    return xlsx_bytes([notice_sheet(spec)])
