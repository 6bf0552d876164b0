"""One refusal type: every code has a message in all three catalogs and renders in each language."""

import importlib.util
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import session
from flask_babel import refresh

from grants import ROOT
from grants.platform import refusals
from grants.rules.refusal import Problem, Refusal

LOCALES = ("zh_Hant", "zh_Hans", "en")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _i18n_script():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def text_app(tmp_path_factory):
    """Rendering a refusal touches no table: one app for all codes and languages, no database."""
    from grants import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads"))})


def _msgid(code: str) -> str:
    return refusals.MESSAGES[code]._args[0]


def _sample(name: str):
    if name in refusals.MONEY_PARAMS:
        return Decimal("150000.5")
    if name in refusals.KIND_LIST_PARAMS:
        return ["budget_sheet", "registration_certificate"]
    if name in ("deadline", "opens", "closes", "at", "until"):
        return datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    if name == "date":
        return date(2027, 1, 1)
    return 7


def test_every_raised_code_has_a_message():
    gaps = _i18n_script().refusal_gaps()
    assert gaps == [], "\n".join(gaps)


def test_scanner_sees_raise_sites():
    codes = _i18n_script().raised_refusal_codes()
    assert {"quota", "over_cap", "deadline_passed"} <= set(codes)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("code", sorted(refusals.MESSAGES))
def test_every_code_renders_in_each_language(text_app, code, locale):
    names = PLACEHOLDER.findall(_msgid(code))
    problem = Problem("field", code, {name: _sample(name) for name in names})
    with text_app.test_request_context("/"):
        session["lang"] = locale
        refresh()
        text = refusals.message(Refusal.of([problem]))
        untranslated = _msgid(code) % {n: refusals.format_param(n, v) for n, v in problem.params.items()}
    assert text and "%(" not in text and "%%" not in text
    if locale != "en":
        assert text != untranslated, f"{code} is not translated for {locale}"
        assert re.search(r"[\u4e00-\u9fff]", text), (code, locale, text)
    for name in names:
        if name in refusals.MONEY_PARAMS:
            assert "150,000.50" in text, (code, locale, text)


def test_refusal_carries_no_text():
    refusal = Refusal("quota", field="name", max=3)
    assert (refusal.code, refusal.field, refusal.params) == ("quota", "name", {"max": 3})
    both = Refusal.of([Problem("a", "required"), Problem("b", "over_cap", {"cap": 1, "requested": 2})])
    assert both.codes == ["required", "over_cap"] and both.field == "a"
    with pytest.raises(ValueError):
        Refusal.of([])


def test_attach_puts_messages_next_to_fields(text_app):
    from wtforms import Form, StringField

    class F(Form):
        name = StringField()

    with text_app.test_request_context("/"):
        session["lang"] = "en"
        refresh()
        form = F()
        refusals.attach(form, Refusal("required", field="name"))
        assert form.name.errors == ["This field is required."]


def test_carry_out_commits_done_work_and_rolls_back_refused_work(app, make):
    """The POST half of a form view: a refused action changes no row and its message goes next to the
    field; a done action is committed."""
    from sqlalchemy import func, select
    from wtforms import StringField

    from grants.extensions import db
    from grants.models import Organization
    from grants.platform.forms import BaseForm

    org = make.organization(name="原來的名字")

    class NameForm(BaseForm):
        name = StringField()

    def rename(new: str, refuse: bool):
        row = db.session.get(Organization, org.id)
        row.name = new
        db.session.flush()
        if refuse:
            raise Refusal("required", field="name")

    for refuse, expected in ((True, "原來的名字"), (False, "新名字")):
        with app.test_request_context("/", method="POST", data={"name": "新名字"}):
            form = NameForm(meta={"csrf": False})
            done = refusals.carry_out(form, lambda form=form, refuse=refuse: rename(form.name.data, refuse))
            assert done is (not refuse)
            assert bool(form.name.errors) is refuse
            assert db.session.get(Organization, org.id).name == expected  # rolled back within the request too
        with app.app_context():
            assert db.session.scalar(select(Organization.name).where(Organization.id == org.id)) == expected
            assert db.session.scalar(select(func.count()).select_from(Organization)) == 1

    with app.test_request_context("/", method="GET"):
        form = NameForm(meta={"csrf": False})
        assert refusals.carry_out(form, lambda: pytest.fail("not submitted: nothing runs")) is False


def test_commit_or_flash_commits_done_work_and_flashes_a_refusal(app, make):
    """A button's POST: a refused action changes no row and its message is flashed; a done one is committed."""
    from flask import get_flashed_messages
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import Organization

    org = make.organization(name="原來的名字")

    def rename(refuse: bool):
        db.session.get(Organization, org.id).name = "新名字"
        db.session.flush()
        if refuse:
            raise Refusal("required")

    for refuse, expected in ((True, "原來的名字"), (False, "新名字")):
        with app.test_request_context("/", method="POST"):
            assert refusals.commit_or_flash(lambda refuse=refuse: rename(refuse)) is (not refuse)
            assert db.session.get(Organization, org.id).name == expected
            assert bool(get_flashed_messages()) is refuse
        with app.app_context():
            assert db.session.scalar(select(Organization.name).where(Organization.id == org.id)) == expected
