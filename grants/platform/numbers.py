"""Numbers and money as people read them: ONE formatter for HTML, PDFs and spreadsheets.

Plain Python, no Flask: the award-list PDF workers import it. Every function takes a ``Decimal``
(an ``int``, a numeric ``str`` -- thousands separators allowed -- or a ``float``, read through its
shortest ``repr`` so ``1.005`` stays ``1.005``), rounds HALF-UP (``0.005`` -> ``0.01``, as
panels and the finance office round; Python's ``round`` would give ``0.00``), and returns text.
``None`` (or a blank string, as a stored row holds "no score") gives ``blank`` (default ``"—"``). A negative value is written ``-¥1,234.50``; a value
that rounds to zero never shows as ``-0.00``. Precision is exact for any size (no float, no
28-digit context limit); NaN and infinity raise ``ValueError``.

All three interface languages (zh_Hant, zh_Hans, en) write numbers the same way -- ASCII digits,
``,`` between thousands, ``.`` before decimals -- so nothing here depends on the locale.

* ``money(v)``          -> ``¥1,234.50``   amounts in HTML and messages (the ``|money`` filter);
  ``money(v, sign=False)`` -> ``1,234.50``;
* ``amount(v)``         -> ``1,234.50``    the award-list PDF; ``1,234`` when whole;
* ``score(v)``          -> ``1234.50``     scores: always 2 decimals, no separators;
* ``plain(v)``          -> ``1234.50``     machine-readable text (stored rows, CSV); ``""`` for None;
* ``integer(v)``        -> ``1,235``       counts (beneficiaries, projects);
* ``points(v)``         -> ``20`` / ``7.5`` a rubric's points as the form states them (no exponent:
  ``str(Decimal("20").normalize())`` would print ``2E+1``);
* ``percent(p, whole)`` -> ``12%``         ``places`` decimals (default 0).

``score`` and ``amount`` are what the award-list PDF prints AND hashes into its verification
code (``grants.publication.award_list``): changing their output changes the code of every list
rendered again, so a list published before would no longer verify against a re-render.

Spreadsheets store numbers as numbers: ``quantize(value)`` gives the rounded ``Decimal`` for the
cell and ``EXCEL_FORMATS`` the matching number format (``"money"``, ``"score"``, ``"plain"``,
``"integer"``; ``"percent"`` for a cell holding the ratio, 0.125 -> 13%), so a sheet shows what
the page shows.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

__all__ = [
    "EXCEL_FORMATS",
    "amount",
    "integer",
    "money",
    "percent",
    "plain",
    "points",
    "quantize",
    "score",
    "to_decimal",
]

BLANK = "—"
CURRENCY = "¥"

#: Excel/LibreOffice number formats matching the text functions below.
EXCEL_FORMATS = {
    "money": '"¥"#,##0.00;-"¥"#,##0.00',
    "score": "0.00",
    "plain": "0.00",
    "integer": "#,##0",
    "percent": "0%",
}


def to_decimal(value) -> Decimal:
    """``value`` as an exact finite Decimal; raises ``ValueError`` for anything else."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "").lstrip(CURRENCY + "￥")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def _missing(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def quantize(value, places: int = 2) -> Decimal:
    """``value`` rounded half-up to ``places`` decimals, exactly (whatever its size)."""
    number = to_decimal(value)
    exponent = Decimal(1).scaleb(-places)
    digits = max(number.adjusted(), 0) + places + 2
    result = number.quantize(exponent, rounding=ROUND_HALF_UP, context=Context(prec=max(28, digits)))
    return result.copy_abs() if result.is_zero() else result


def _grouped(number: Decimal, places: int) -> str:
    """``number`` (already quantized) with thousands separators, sign in front."""
    sign = "-" if number < 0 else ""
    text = f"{number.copy_abs():,.{places}f}"
    return sign + text


def money(value, *, sign: bool = True, blank: str = BLANK) -> str:
    """``¥1,234.50`` (``sign=False``: ``1,234.50``); ``-¥1,234.50`` when negative."""
    if _missing(value):
        return blank
    number = quantize(value, 2)
    text = _grouped(number.copy_abs(), 2)
    return ("-" if number < 0 else "") + (CURRENCY if sign else "") + text


def amount(value, *, blank: str = BLANK) -> str:
    """``1,234,567`` when whole, else ``1,234,567.50`` (as the award-list PDF prints amounts)."""
    if _missing(value):
        return blank
    number = quantize(value, 2)
    return _grouped(number, 0 if number == number.to_integral_value() else 2)


def score(value, *, places: int = 2, blank: str = BLANK) -> str:
    """``88.85``: always ``places`` decimals, no separators."""
    if _missing(value):
        return blank
    return f"{quantize(value, places):f}"


def plain(value, *, places: int = 2, blank: str = "") -> str:
    """``1234.50``: the machine-readable text of a number (no separators); ``""`` for None."""
    if _missing(value):
        return blank
    return f"{quantize(value, places):f}"


def points(value, *, places: int = 2, blank: str = BLANK) -> str:
    """``20``, ``7.5``, ``0.25``: rounded half-up to ``places`` decimals, trailing zeros dropped,
    never an exponent."""
    if _missing(value):
        return blank
    text = f"{quantize(value, places):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def integer(value, *, blank: str = BLANK) -> str:
    """``1,235``: rounded half-up to a whole number, with thousands separators."""
    if _missing(value):
        return blank
    return _grouped(quantize(value, 0), 0)


def percent(part, whole=None, *, places: int = 0, blank: str = BLANK) -> str:
    """``percent(1, 8)`` -> ``13%``; ``percent(Decimal("0.125"))`` (a ratio) -> ``13%``.

    ``blank`` when a value is None or ``whole`` is zero.
    """
    if _missing(part) or (whole is not None and (_missing(whole) or to_decimal(whole) == 0)):
        return blank
    ratio = to_decimal(part) if whole is None else to_decimal(part) / to_decimal(whole)
    return _grouped(quantize(ratio * 100, places), places) + "%"
