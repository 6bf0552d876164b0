"""The input policy (SECURITY.md, "Input policy"): text, numbers, dates and rows, as the shared
fields of grants/platform/forms.py apply them, and a guard that every form uses those fields."""

from __future__ import annotations

import ast
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import FormField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from grants.models import Role
from grants.platform import validators as policy
from grants.platform.forms import (
    BaseForm,
    DateField,
    DecimalField,
    IntegerField,
    LocalDateTimeField,
    MoneyField,
    RowForm,
    RowList,
)

ROOT = Path(__file__).resolve().parents[2] / "grants"
FORBIDDEN = {"IntegerField", "DecimalField", "FloatField", "DateField", "DateTimeField", "DateTimeLocalField",
             "FieldList", "IntegerRangeField", "DecimalRangeField", "Form"}


def test_no_form_bypasses_the_shared_fields():
    """Forms import numbers, dates, row lists and row forms from grants.platform.forms only."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path.name == "forms.py" and path.parent.name == "platform":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wtforms"):
                bad = {a.name for a in node.names} & FORBIDDEN
                if bad:
                    offenders.append(f"{path.relative_to(ROOT.parent)}: {sorted(bad)}")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "wtforms" \
                    and node.attr in FORBIDDEN:
                offenders.append(f"{path.relative_to(ROOT.parent)}: wtforms.{node.attr}")
    assert not offenders, offenders


class Row(RowForm):
    item = StringField("Item", validators=[Optional(), Length(max=50)])


class Sample(BaseForm):
    class Meta:
        csrf = False

    name = StringField("Name", validators=[DataRequired("required")])
    note = TextAreaField("Note", validators=[Optional()])
    count = IntegerField("Count", validators=[Optional(), NumberRange(0, 100)])
    share = DecimalField("Share", places=2, validators=[Optional(), NumberRange(Decimal(0), Decimal(100))])
    amount = MoneyField("Amount", validators=[Optional()])
    day = DateField("Day", validators=[Optional()])
    when = LocalDateTimeField("When", validators=[Optional()])
    rows = RowList(FormField(Row), max_entries=3)


def submit(app, **fields):
    data = MultiDict({"name": "ok"} | {k.replace("__", "-"): v for k, v in fields.items()})
    with app.test_request_context(method="POST", data=data, headers={"Accept-Language": "en"}):
        form = Sample()
        ok = form.validate()
        return ok, form, {k: [str(e) for e in v] for k, v in form.errors.items()}


@pytest.mark.no_database
@pytest.mark.parametrize("value,problem", [
    ("a\x00b", "control"), ("ab\x07", "control"), ("\x1b[31mred", "control"),
    ("名稱\u202egnp.exe", "bidi"), ("\u2066x\u2069", "bidi"),
])
def test_text_refused(app, value, problem):
    ok, form, errors = submit(app, name=value)
    assert not ok
    assert errors["name"] == [str(policy.TEXT_MESSAGES[problem])]
    assert form.name._value() == value  # what was typed stays in the box


@pytest.mark.no_database
@pytest.mark.parametrize("value", ["\u200b", "\u200b\u2060\ufeff", "\u3000 \u00ad", "\u3164"])
def test_invisible_only_is_empty_so_required_says_required(app, value):
    ok, _form, errors = submit(app, name=value)
    assert not ok and errors["name"] == ["required"]


@pytest.mark.no_database
def test_text_is_nfc_and_trimmed_and_capped(app):
    ok, form, _e = submit(app, name="  Cafe\u0301  ", note="line 1\r\n\tline 2")
    assert ok and form.name.data == "Café" and form.note.data == "line 1\r\n\tline 2"
    ok, _form, errors = submit(app, note="x" * (policy.TEXT_MAX + 1))
    assert not ok and "20000" in errors["note"][0]


@pytest.mark.no_database
@pytest.mark.parametrize("field,value,expected", [
    ("count", "42", 42), ("count", "１２", 12), ("count", " 7 ", 7), ("count", "3.0", 3),
    ("share", "12.5", Decimal("12.5")), ("share", "１２.５０", Decimal("12.50")), ("share", "1.230", Decimal("1.23")),
    ("amount", "¥150,000.50", Decimal("150000.50")), ("amount", "１５００", Decimal("1500")),
    ("day", "2027-03-01", date(2027, 3, 1)), ("day", "２０２７-０３-０１", date(2027, 3, 1)),
])
def test_numbers_and_dates_accepted(app, field, value, expected):
    ok, form, errors = submit(app, **{field: value})
    assert ok, errors
    assert getattr(form, field).data == expected


@pytest.mark.no_database
@pytest.mark.parametrize("field,value,words", [
    ("count", "NaN", "NaN"), ("share", "Infinity", "NaN"), ("amount", "sNaN", "NaN"), ("amount", "-inf", "NaN"),
    ("count", "1e2", "exponent"), ("share", "1E5", "exponent"), ("amount", "1e309", "exponent"),
    ("count", "1_000", "underscores"), ("share", "1_0.5", "underscores"),
    ("count", "abc", "digits"), ("count", "١٢٣", "digits"), ("count", "0x10", "digits"),
    ("count", "1.5", "whole number"), ("share", "1.234", "decimal places"), ("amount", "1.234", "2 decimal"),
    ("count", "101", "from 0 to 100"), ("count", "9" * 30, "from 0 to 100"), ("count", "9" * 50, "too long"),
    ("share", "-1", "from 0 to 100"), ("amount", "-5", "negative"), ("amount", "1" * 14, "too large"),
    ("amount", "abc", "in yuan"),
])
def test_numbers_refused_with_a_message_naming_the_problem(app, field, value, words):
    ok, form, errors = submit(app, **{field: value})
    assert not ok
    assert len(errors[field]) == 1 and words in errors[field][0], errors[field]
    assert getattr(form, field)._value() == value  # nothing typed is lost
    if field != "amount":
        assert "negative" not in errors[field][0]


@pytest.mark.no_database
@pytest.mark.parametrize("field,value", [
    ("day", "0001-01-01"), ("day", "1899-12-31"), ("day", "2101-01-01"), ("day", "9999-12-31"),
    ("when", "0001-01-01T00:00"), ("when", "9999-12-31T23:59"), ("day", "2027-02-30"), ("day", "20270301x"),
])
def test_dates_outside_the_range_or_impossible_are_refused(app, field, value):
    ok, _form, errors = submit(app, **{field: value})
    assert not ok and errors[field]


@pytest.mark.no_database
def test_dates_at_the_edges_round_trip(app):
    ok, form, _e = submit(app, day="1900-01-01", when="2100-12-31T23:59")
    assert ok and form.day.data == date(1900, 1, 1)
    assert form.when.data.tzinfo is not None and form.when.data.year == 2100
    ok, form, _e = submit(app, when="1900-01-01T00:00")
    assert ok and form.when.data.year == 1899  # 08:00 the day before, UTC: no overflow


@pytest.mark.no_database
def test_rows_beyond_the_limit_are_refused_not_dropped(app):
    ok, _form, errors = submit(app, **{f"rows__{i}__item": f"row {i}" for i in range(3)})
    assert ok
    ok, _form, errors = submit(app, **{f"rows__{i}__item": f"row {i}" for i in range(4)})
    assert not ok and any("At most 3 rows" in str(e) for e in errors["rows"])


@pytest.mark.no_database
def test_row_fields_get_the_text_policy(app):
    ok, _form, errors = submit(app, rows__0__item="a\x00")
    assert not ok and errors["rows"]


def test_round_form_refuses_non_finite_settings(app, auth, make):
    """A real form, a real route: NaN in a round setting is a message next to the field, not a 500."""
    from tests.conftest import csrf_token

    admin = make.user(Role.admin, email="a@example.org")
    auth.login(admin.email)
    client = auth.client
    token = csrf_token(client, "/admin/rounds/new")
    response = client.post("/admin/rounds/new", data={"csrf_token": token, "admin_share_max": "NaN",
                                                      "min_score_to_fund": "1e309", "edition": "１"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "不是數字" in html  # the NaN message, next to the field, in the user's language (zh_Hant)
    assert "請完整寫出數字" in html  # 1e309: the exponent message, not "negative"
