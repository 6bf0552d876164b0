"""The judge's score form on the phone: built at run time from the round's roadshow rubric with the
expert review's score form (one score and one comment box per criterion, errors next to the field in
the judge's language), plus the project on stage when the page was loaded."""

from __future__ import annotations

from dataclasses import replace

from wtforms import HiddenField

from grants.platform.forms import parse_id
from grants.review.forms import ScoreFormBase, score_form_class
from grants.rules import rubric as rubric_core


class JudgeFormBase(ScoreFormBase):
    proposal_id = HiddenField()  # the project on stage when the judge loaded the sheet

    def on_stage(self) -> int | None:
        return parse_id(self.proposal_id.data)


def judge_form_class(rubric: rubric_core.Rubric, lang: str) -> type[JudgeFormBase]:
    """Criteria only: on stage there are no veto questions and no bonus items (the judge's sheet
    is saved with every veto answered "no" and no bonus)."""
    base = score_form_class(replace(rubric, veto_items=(), bonus_items=()), lang)
    return type("JudgeForm", (JudgeFormBase, base), {})
