"""The conflict-of-interest declaration (回避聲明), shared by the written review and the evaluations.

One declaration row per person and proposal (``ConflictDeclaration``): a conflict declared for a
proposal bars the person from reviewing it and from evaluating the funded project, whichever they
declared it for. What follows a declaration differs by stage (a review drops its assignment and
draft; an evaluator leaves the panel) and stays with the stage's operations; the form, the relations
and the row itself are here. The page's form part is the macro ``declaration_form`` in
``templates/conflicts.html``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from grants.extensions import db
from grants.models import ConflictDeclaration, utcnow
from grants.platform.forms import BaseForm

RELATION_LABELS = {
    "employment": _l("Employment (I work or worked for the organization)"),
    "board": _l("Board or committee seat"),
    "family": _l("Family tie with its staff or board"),
    "donation": _l("Donation to or from the organization"),
    "collaboration": _l("Earlier collaboration on a project"),
    "other": _l("Other"),
}
CONFLICT_RELATIONS = tuple(RELATION_LABELS)


def answer_field(conflict_label) -> RadioField:
    """The two answers: no conflict, or a conflict (worded for the stage: "cannot review this proposal")."""
    return RadioField(
        _l("Your declaration"),
        choices=[SelectChoice("none", _l("I have no conflict of interest with this organization")),
                 SelectChoice("conflict", conflict_label)],
        validators=[InputRequired(_l("Please choose one of the two answers."))],
    )


class DeclarationForm(BaseForm):
    """A stage's form sets ``answer = answer_field(...)``; a conflict must say the relation."""

    relation = SelectField(
        _l("Relation"),
        choices=[SelectChoice("", _l("(choose)"))] + [SelectChoice(k, v) for k, v in RELATION_LABELS.items()],
        validators=[Optional()],
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.answer.data == "conflict" and self.relation.data not in RELATION_LABELS:
            self.relation.errors = [*self.relation.errors, _l("Please say what ties you to the organization.")]
            ok = False
        return ok


def declaration_of(person_id: int, proposal_id: int) -> ConflictDeclaration | None:
    return db.session.scalar(select(ConflictDeclaration).where(
        ConflictDeclaration.reviewer_id == person_id, ConflictDeclaration.proposal_id == proposal_id))


def record(person_id: int, proposal_id: int, *, has_conflict: bool, relation: str = "",
           note: str = "") -> ConflictDeclaration:
    """Create or update the person's declaration for the proposal (flushed, not committed; the caller
    audits it and carries out what the stage does on a conflict)."""
    declaration = declaration_of(person_id, proposal_id)
    if declaration is None:
        declaration = ConflictDeclaration(reviewer_id=person_id, proposal_id=proposal_id, has_conflict=has_conflict)
        db.session.add(declaration)
    declaration.has_conflict = has_conflict
    declaration.relation = relation if has_conflict else ""
    declaration.note = (note or "").strip() if has_conflict else ""
    declaration.declared_at = utcnow()
    db.session.flush()
    return declaration
