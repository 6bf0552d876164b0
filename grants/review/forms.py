"""Reviewer forms: the conflict-of-interest declaration and the score form, which is built
at run time from the rubric (one field per criterion, veto questions first, bonus items)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from grants.platform import conflicts, refusals
from grants.platform.forms import BaseForm, bounded_int
from grants.review.operations import SheetInput
from grants.rules import rubric as rubric_core
from grants.rules.refusal import Problem, Refusal


class DeclarationForm(conflicts.DeclarationForm):
    answer = conflicts.answer_field(_l("I have a conflict of interest and cannot review this proposal"))


@dataclass(frozen=True)
class FieldNames:
    @staticmethod
    def score(key: str) -> str:
        return f"score_{key}"

    @staticmethod
    def comment(key: str) -> str:
        return f"comment_{key}"

    @staticmethod
    def veto(key: str) -> str:
        return f"veto_{key}"

    @staticmethod
    def bonus(key: str) -> str:
        return f"bonus_{key}"


names = FieldNames()


class ScoreFormBase(BaseForm):
    version = HiddenField()  # the review's version counter when the form was loaded (0: new)

    rubric: rubric_core.Rubric
    lang: str

    # ------------------------------------------------------------ reading the input
    def sheet_input(self) -> SheetInput:
        data = SheetInput()
        for c in self.rubric.criteria:
            data.scores[c.key] = self[names.score(c.key)].data or ""
            data.comments[c.key] = self[names.comment(c.key)].data or ""
        for v in self.rubric.veto_items:
            raw = self[names.veto(v.key)].data
            data.veto_answers[v.key] = True if raw == "yes" else False if raw == "no" else None
            data.comments[v.key] = self[names.comment(v.key)].data or ""
        for b in self.rubric.bonus_items:
            data.bonus[b.key] = self[names.bonus(b.key)].data or ""
        return data

    def expected_version(self) -> int:
        return bounded_int(self.version.data or "0", -1, -1, 2**31 - 1)

    def field_for(self, problem: Problem) -> str | None:
        """The form field a score-sheet problem belongs next to (its ``field`` is a rubric key)."""
        if problem.code in ("score_comment_required", "veto_comment_required"):
            return names.comment(problem.field)
        if problem.code == "veto_unanswered":
            return names.veto(problem.field)
        if problem.code.startswith("bonus_"):
            return names.bonus(problem.field)
        if problem.code.startswith("score_"):
            return names.score(problem.field)
        return problem.field

    def attach(self, refusal: Refusal) -> None:
        """Each problem's message next to its field, in the reader's language (problems with no
        field on this form are flashed)."""
        refusals.attach(self, Refusal.of(Problem(self.field_for(p), p.code, p.params) for p in refusal.problems))

    def fill(self, scores: dict, comments: dict, veto_answers: dict, bonus: dict) -> None:
        """Put stored values into the fields (GET)."""
        for c in self.rubric.criteria:
            self[names.score(c.key)].data = scores.get(c.key, "")
            self[names.comment(c.key)].data = comments.get(c.key, "")
        for v in self.rubric.veto_items:
            answer = veto_answers.get(v.key)
            self[names.veto(v.key)].data = "yes" if answer is True else "no" if answer is False else None
            self[names.comment(v.key)].data = comments.get(v.key, "")
        for b in self.rubric.bonus_items:
            self[names.bonus(b.key)].data = bonus.get(b.key, "")


def score_form_class(rubric: rubric_core.Rubric, lang: str) -> type[ScoreFormBase]:
    """A form class for this rubric: veto questions first (each with a reason box), then one
    score and one comment box per criterion, then the bonus items. Labels in ``lang``."""
    attrs: dict = {"rubric": rubric, "lang": lang}
    for v in rubric.veto_items:
        attrs[names.veto(v.key)] = RadioField(
            v.label.get(lang),
            choices=[SelectChoice("no", _l("No")), SelectChoice("yes", _l("Yes"))],
            validators=[Optional()], validate_choice=False,
        )
        attrs[names.comment(v.key)] = TextAreaField(_l("Reason (required if yes)"),
                                                    validators=[Optional(), Length(max=2000)])
    for c in rubric.criteria:
        attrs[names.score(c.key)] = StringField(
            c.label.get(lang), validators=[Optional(), Length(max=20)],
            render_kw={"inputmode": "decimal", "autocomplete": "off", "data-criterion": c.key,
                       "data-weight": str(c.weight), "data-max": str(c.max_points), "data-step": str(c.step)},
        )
        attrs[names.comment(c.key)] = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])
    for b in rubric.bonus_items:
        attrs[names.bonus(b.key)] = StringField(
            b.label.get(lang), validators=[Optional(), Length(max=20)],
            render_kw={"inputmode": "decimal", "autocomplete": "off", "data-bonus": b.key,
                       "data-max": str(b.max_points)},
        )
    return type("ScoreForm", (ScoreFormBase,), attrs)
