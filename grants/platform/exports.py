"""The one writer for every spreadsheet and CSV file the app produces (admin exports and the public
公示 workbook alike).

A stage describes what to export — :class:`Column` (header, kind, width) and rows of plain values
(str, int, Decimal, date, datetime, None) — in its own ``exports.py``; this module writes the file:

* **Text is always text.** openpyxl turns any str starting with ``=`` into a formula; here every
  text cell is stored as a string (``data_type "s"``), whatever it starts with, so a project called
  ``=HYPERLINK(...)`` is shown, never evaluated, by Excel, WPS or LibreOffice. A text that starts
  with ``= + - @``, TAB or CR also gets Excel's "quote prefix" style, so editing the cell later does
  not turn it into a formula either. Characters XML cannot hold are dropped; cells are cut at
  Excel's 32,767 characters.
* **Numbers are numbers**, with a format per kind: money ``#,##0.00``, scores ``0.00``, integers
  ``0``, percentages ``0.0%`` (the value is a fraction), plain decimals ``General``; dates and
  datetimes are real dates, datetimes shown in the local zone (``BABEL_DEFAULT_TIMEZONE``). A str in
  a numeric column (a placeholder such as "—") is written as text, with the same protection.
* **CSV** (:func:`csv_bytes`): UTF-8 with a BOM (Excel and WPS then read Chinese correctly), CRLF;
  a text cell starting with ``= + - @``, TAB or CR is prefixed with ``'`` (OWASP "CSV injection");
  numbers are written plainly (``1234.50``, no thousands separator).
* **Responses** (:func:`xlsx_response`, :func:`csv_response`): ``Content-Disposition: attachment``
  with an ASCII ``filename`` and an RFC 5987 ``filename*`` (Chinese names survive), ``Cache-Control:
  private, no-store``, ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Response

from grants.platform import localtime
from grants.platform.downloads import download

TEXT = "text"
INTEGER = "integer"
DECIMAL = "decimal"
MONEY = "money"
SCORE = "score"
PERCENT = "percent"
DATE = "date"
DATETIME = "datetime"
KINDS = (TEXT, INTEGER, DECIMAL, MONEY, SCORE, PERCENT, DATE, DATETIME)
NUMERIC = frozenset({INTEGER, DECIMAL, MONEY, SCORE, PERCENT})

NUMBER_FORMATS = {
    INTEGER: "0",
    DECIMAL: "General",
    MONEY: "#,##0.00",
    SCORE: "0.00",
    PERCENT: "0.0%",
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm",
}
DEFAULT_WIDTHS = {TEXT: 20, INTEGER: 8, DECIMAL: 10, MONEY: 14, SCORE: 10, PERCENT: 10, DATE: 12, DATETIME: 17}

# A leading character that makes Excel, WPS or LibreOffice read a cell as a formula (or a DDE call).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what openpyxl refuses (IllegalCharacterError)
_SHEET_TITLE_BAD = re.compile(r"[\\/*?:\[\]]")

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Row:
    """A row with emphasis (subtotals, totals): written bold. Plain rows are plain sequences."""

    values: Sequence[Any]
    strong: bool = False


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any] | Row]
    preamble: Sequence[Sequence[Any]] = ()  # text lines above the header (issuer, title, date)
    freeze_header: bool = True


# --------------------------------------------------------------------------- values


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def clean_text(value: Any) -> str:
    """The text a text cell holds: str(value), without characters XML cannot carry, at most 32,767."""
    text = "" if value is None else str(value)
    return _ILLEGAL_XML.sub("", text)[:MAX_CELL_CHARS]


def _number(value: Any, kind: str) -> int | Decimal | float | None:
    """The number to store, or None when ``value`` is not a number (it is then written as text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if kind == INTEGER and value == value.to_integral_value() else value
    return None


def local_naive(value: datetime) -> datetime:
    """An aware (or naive UTC) datetime as naive local wall time: spreadsheets have no zones."""
    return localtime.to_local(value).replace(tzinfo=None)


def _values(row: Sequence[Any] | Row) -> tuple[Sequence[Any], bool]:
    if isinstance(row, Row):
        return row.values, row.strong
    return row, False


# --------------------------------------------------------------------------- xlsx


def safe_sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_TITLE_BAD.sub(" ", clean_text(title)).strip().strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The workbook of ``sheets`` (write-only: memory stays flat however many rows)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    writer = _XlsxWriter()
    try:
        for sheet in sheets:
            writer.sheet(wb, sheet)
    except BaseException:
        for ws in wb.worksheets:  # finish the sheets' streams (and temporary files) before raising
            try:
                ws.close()
            except Exception:  # noqa: S110  # nosec B110 (the original error is the one to report)
                pass
        raise
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class _XlsxWriter:
    def __init__(self) -> None:
        from openpyxl.styles import Font

        self.bold = Font(bold=True)
        self.taken: set[str] = set()

    def sheet(self, wb, sheet: Sheet) -> None:
        from openpyxl.utils import get_column_letter

        ws = wb.create_sheet(safe_sheet_title(sheet.title, self.taken))
        for i, column in enumerate(sheet.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = column.width or DEFAULT_WIDTHS[column.kind]
        if sheet.freeze_header:
            ws.freeze_panes = f"A{len(sheet.preamble) + 2}"
        for n, line in enumerate(sheet.preamble):  # the first line (the title) bold
            ws.append([None if v is None else self.text(ws, v, n == 0) for v in line])
        ws.append([self.text(ws, c.header, True) for c in sheet.columns])
        for row in sheet.rows:
            values, strong = _values(row)
            ws.append([self.cell(ws, column, value, strong)
                       for column, value in zip(sheet.columns, values, strict=True)])

    def text(self, ws, value: Any, strong: bool = False):
        from openpyxl.cell import WriteOnlyCell

        text = clean_text(value)
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"  # never "f": whatever the text starts with, it stays text
        if is_formula_like(text):
            cell.quotePrefix = True  # and stays text when someone edits the cell
        if strong:
            cell.font = self.bold
        return cell

    def cell(self, ws, column: Column, value: Any, strong: bool):
        from openpyxl.cell import WriteOnlyCell

        if value is None or value == "":
            return None
        kind = column.kind
        if kind in NUMERIC:
            number = _number(value, kind)
            if number is None:
                return self.text(ws, value, strong)
            cell = WriteOnlyCell(ws, value=number)
        elif kind == DATETIME and isinstance(value, datetime):
            cell = WriteOnlyCell(ws, value=local_naive(value))
        elif kind == DATE and isinstance(value, date):
            cell = WriteOnlyCell(ws, value=value.date() if isinstance(value, datetime) else value)
        else:
            return self.text(ws, value, strong)
        cell.number_format = NUMBER_FORMATS[kind]
        if strong:
            cell.font = self.bold
        return cell


# --------------------------------------------------------------------------- csv


def csv_text(value: Any) -> str:
    """A text field for CSV: a leading formula character is neutralised with ``'`` (OWASP)."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula_like(text) else text


def csv_number(value: Any, kind: str) -> str | None:
    number = _number(value, kind)
    if number is None:
        return None
    if kind in (MONEY, SCORE) and not isinstance(number, float):
        number = Decimal(number).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return format(number, "f") if isinstance(number, Decimal) else str(number)


def csv_field(column: Column, value: Any) -> str:
    if value is None or value == "":
        return ""
    if column.kind in NUMERIC:
        number = csv_number(value, column.kind)
        if number is not None:
            return number
    elif column.kind == DATETIME and isinstance(value, datetime):
        return local_naive(value).strftime("%Y-%m-%d %H:%M")
    elif column.kind == DATE and isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return csv_text(value)


def csv_bytes(columns: Sequence[Column], rows: Iterable[Sequence[Any] | Row]) -> bytes:
    """UTF-8 with BOM, CRLF, a header line, one line per row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([csv_text(c.header) for c in columns])
    for row in rows:
        values, _strong = _values(row)
        writer.writerow([csv_field(c, v) for c, v in zip(columns, values, strict=True)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# --------------------------------------------------------------------------- responses


def xlsx_response(sheets: Sequence[Sheet], filename: str) -> Response:
    return download(xlsx_bytes(sheets), filename=filename, mimetype=XLSX_MIMETYPE)


def csv_response(columns: Sequence[Column], rows: Iterable[Sequence[Any] | Row], filename: str) -> Response:
    return download(csv_bytes(columns, rows), filename=filename, mimetype=CSV_MIMETYPE)
