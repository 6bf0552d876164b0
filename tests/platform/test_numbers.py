"""grants.platform.numbers: the one formatter of money, amounts, scores, counts and percentages."""

from __future__ import annotations

import ast
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from grants.platform import numbers


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("0.005"), "¥0.01"),  # half-up, not banker's rounding (which gives 0.00)
    (Decimal("0.015"), "¥0.02"),
    (Decimal("0.025"), "¥0.03"),  # banker's rounding would give 0.02
    (Decimal("0.0049999"), "¥0.00"),
    (Decimal("1234.5"), "¥1,234.50"),
    (Decimal("1234567.995"), "¥1,234,568.00"),
    (0, "¥0.00"),
    (150000, "¥150,000.00"),
    ("1,234.565", "¥1,234.57"),
    ("¥88", "¥88.00"),
    (1.005, "¥1.01"),  # a float is read through its repr (1.005), not its binary value (1.00499...)
    (Decimal("-1234.565"), "-¥1,234.57"),
    (Decimal("-0.004"), "¥0.00"),  # rounds to zero: never "-0.00"
    (Decimal("-0.005"), "-¥0.01"),  # half-up rounds away from zero on both sides
])
def test_money(value, expected):
    assert numbers.money(value) == expected


def test_money_without_sign_and_none():
    assert numbers.money(Decimal("-98765.4"), sign=False) == "-98,765.40"
    assert numbers.money(None) == "—"
    assert numbers.money(None, blank="") == ""
    assert numbers.money("  ") == "—"


def test_huge_values_keep_every_digit():
    huge = Decimal("123456789012345678901234567890.005")  # 33 digits: beyond the default 28-digit context
    assert numbers.money(huge) == "¥123,456,789,012,345,678,901,234,567,890.01"
    assert numbers.quantize(huge) == Decimal("123456789012345678901234567890.01")
    assert numbers.amount(Decimal("1E+30")) == "1," + ",".join(["000"] * 10)
    assert numbers.plain(Decimal("99999999999.995")) == "100000000000.00"


def test_decimal_precision_is_exact():
    # 0.1 + 0.2 in Decimal is exact; the same figures as floats would print 0.30 only by luck
    assert numbers.money(Decimal("0.1") + Decimal("0.2")) == "¥0.30"
    assert numbers.quantize(Decimal("2.675")) == Decimal("2.68")  # float 2.675 rounds to 2.67
    assert numbers.quantize(2.675) == Decimal("2.68")
    assert numbers.quantize(Decimal("7"), 0) == Decimal("7")
    assert str(numbers.quantize(Decimal("7"))) == "7.00"


def test_amount_prints_cents_only_when_not_whole():
    assert numbers.amount(Decimal("1234567")) == "1,234,567"
    assert numbers.amount(Decimal("1234567.00")) == "1,234,567"
    assert numbers.amount("1234567.5") == "1,234,567.50"
    assert numbers.amount(Decimal("0.004")) == "0"
    assert numbers.amount(Decimal("-50000")) == "-50,000"
    assert numbers.amount(None) == "—"


def test_score_and_plain():
    assert numbers.score(Decimal("88.845")) == "88.85"
    assert numbers.score(Decimal("88.844")) == "88.84"
    assert numbers.score("70") == "70.00"
    assert numbers.score(Decimal("12345.678")) == "12345.68"  # no separators in a score
    assert numbers.score(Decimal("7.25"), places=1) == "7.3"
    assert numbers.score(None) == "—"
    assert numbers.score("", blank="") == ""
    assert numbers.plain(Decimal("150000")) == "150000.00"
    assert numbers.plain(None) == ""
    assert numbers.plain(Decimal("-3.335")) == "-3.34"


def test_integer_and_percent():
    assert numbers.integer(3_500_000) == "3,500,000"
    assert numbers.integer(Decimal("1234.5")) == "1,235"
    assert numbers.integer(-1234) == "-1,234"
    assert numbers.integer(None) == "—"
    assert numbers.percent(1, 8) == "13%"  # 12.5 rounds half-up
    assert numbers.percent(1, 3, places=1) == "33.3%"
    assert numbers.percent(Decimal("0.125")) == "13%"
    assert numbers.percent(Decimal("8.333"), 100, places=2) == "8.33%"
    assert numbers.percent(5, 0) == "—"
    assert numbers.percent(None, 5) == "—"
    assert numbers.percent(-1, 4) == "-25%"


@pytest.mark.parametrize("bad", ["abc", "1,2x", Decimal("NaN"), Decimal("Infinity"), float("inf"), True, object()])
def test_what_is_not_a_number_is_refused(bad):
    with pytest.raises(ValueError):
        numbers.money(bad)


def test_excel_formats_name_every_spreadsheet_kind():
    assert set(numbers.EXCEL_FORMATS) == {"money", "score", "plain", "integer", "percent"}
    assert numbers.EXCEL_FORMATS["money"].startswith('"¥"#,##0.00')


def test_imports_only_the_standard_library():
    """The award-list PDF workers use numbers: it imports no Flask (nor anything outside the stdlib)."""
    tree = ast.parse(Path(numbers.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported and imported <= set(sys.stdlib_module_names) | {"__future__"}, imported
