"""Evaluation forms: the panel assignment, the rubric settings, the decision, the evaluator's
conflict declaration and the score sheet (built at run time from the rubric: one score and
comment per criterion, the bonus items, the deduction items), the public objection."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from grants.evaluation.operations import SheetInput
from grants.platform import conflicts, refusals
from grants.platform.forms import BaseForm, DateField, DecimalField, IdField, MoneyField, bounded_int
from grants.rules import rubric as rubric_core
from grants.rules.refusal import Problem, Refusal

METHOD_LABELS = {
    "papers": _l("Papers (the report and its evidence)"),
    "phone": _l("Phone interview"),
    "site_visit": _l("Site visit"),
}


class AssignForm(BaseForm):
    evaluator_id = SelectField(_l("Evaluator"), validators=[DataRequired()], validate_choice=False)


class RubricSettingsForm(BaseForm):
    pass_mark = DecimalField(_l("Pass mark"), places=2, validators=[InputRequired(), NumberRange(0, 1000)])
    definition = TextAreaField(_l("Rubric (JSON; leave as it is to change only the pass mark)"),
                               validators=[Optional(), Length(max=200_000)],
                               render_kw={"translate": "no", "rows": 16, "spellcheck": "false"})


class DecideForm(BaseForm):
    refund = MoneyField(_l("Refund to demand if it fails (yuan; empty: paid minus the spending the report justified)"),
                        validators=[Optional()])


class DeclarationForm(conflicts.DeclarationForm):
    answer = conflicts.answer_field(_l("I have a conflict of interest and cannot evaluate this project"))


class ObjectionForm(BaseForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    contact = StringField(_l("How to reach you (phone or email)"), validators=[DataRequired(), Length(max=200)])
    proposal = SelectField(_l("Project concerned"), validators=[DataRequired()])
    reasons = TextAreaField(_l("Reasons for the objection"), validators=[DataRequired(), Length(min=10, max=10_000)])
    evidence = FileField(_l("Evidence (optional; PDF, JPEG or PNG, at most 10 MB)"))


class UnassignForm(BaseForm):
    evaluator_id = IdField()


def score(key: str) -> str:
    return f"score_{key}"


def comment(key: str) -> str:
    return f"comment_{key}"


def bonus(key: str) -> str:
    return f"bonus_{key}"


def deduction(key: str) -> str:
    return f"deduction_{key}"


class SheetFormBase(BaseForm):
    version = HiddenField()  # the sheet's version counter when the form was loaded (0: new)
    method = RadioField(_l("Method"), choices=[SelectChoice(k, v) for k, v in METHOD_LABELS.items()],
                        validators=[InputRequired()], default="papers")
    visited_on = DateField(_l("Date of the call or visit"), validators=[Optional()])
    visit_notes = TextAreaField(_l("Notes of the call or visit"), validators=[Optional(), Length(max=10_000)])

    rubric: rubric_core.Rubric
    lang: str

    def sheet_input(self) -> SheetInput:
        data = SheetInput(method=self.method.data or "", visited_on=self.visited_on.data,
                          visit_notes=self.visit_notes.data or "")
        for c in self.rubric.criteria:
            data.scores[c.key] = self[score(c.key)].data or ""
            data.comments[c.key] = self[comment(c.key)].data or ""
        for b in self.rubric.bonus_items:
            data.bonus[b.key] = self[bonus(b.key)].data or ""
        for d in self.rubric.deduction_items:
            data.deductions[d.key] = self[deduction(d.key)].data or ""
        return data

    def expected_version(self) -> int:
        return bounded_int(self.version.data or "0", -1, -1, 2**31 - 1)

    def fill(self, sheet) -> None:
        if sheet is None:
            return
        self.method.data = sheet.method.value
        self.visited_on.data = sheet.visited_on
        self.visit_notes.data = sheet.visit_notes
        for c in self.rubric.criteria:
            self[score(c.key)].data = sheet.scores.get(c.key, "")
            self[comment(c.key)].data = sheet.comments.get(c.key, "")
        for b in self.rubric.bonus_items:
            self[bonus(b.key)].data = sheet.bonus.get(b.key, "")
        for d in self.rubric.deduction_items:
            self[deduction(d.key)].data = sheet.deductions.get(d.key, "")

    def field_for(self, problem: Problem) -> str | None:
        if problem.code == "score_comment_required":
            return comment(problem.field)
        if problem.code.startswith("bonus_"):
            return bonus(problem.field)
        if problem.code.startswith("deduction_"):
            return deduction(problem.field)
        if problem.code.startswith("score_"):
            return score(problem.field)
        return problem.field

    def attach(self, refusal: Refusal) -> None:
        refusals.attach(self, Refusal.of(Problem(self.field_for(p), p.code, p.params) for p in refusal.problems))


def sheet_form_class(rubric: rubric_core.Rubric, lang: str) -> type[SheetFormBase]:
    attrs: dict = {"rubric": rubric, "lang": lang}
    for c in rubric.criteria:
        attrs[score(c.key)] = StringField(
            c.label.get(lang), validators=[Optional(), Length(max=20)],
            render_kw={"inputmode": "decimal", "autocomplete": "off", "data-max": str(c.max_points)})
        attrs[comment(c.key)] = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])
    for b in rubric.bonus_items:
        attrs[bonus(b.key)] = StringField(b.label.get(lang), validators=[Optional(), Length(max=20)],
                                          render_kw={"inputmode": "decimal", "autocomplete": "off"})
    for d in rubric.deduction_items:
        attrs[deduction(d.key)] = StringField(d.label.get(lang), validators=[Optional(), Length(max=20)],
                                              render_kw={"inputmode": "decimal", "autocomplete": "off"})
    return type("EvaluationSheetForm", (SheetFormBase,), attrs)
