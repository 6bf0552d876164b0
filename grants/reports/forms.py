"""Forms of the report stage. Labels are lazily translated; every value typed stays on a refusal.

The report form's rows are fixed by the report (one per timeline row, indicator, grid cell, budget
category): rows carry no hidden keys, their position says which one they are, so a tampered form can
only fill in what the report already has."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from grants.platform.forms import (
    BaseForm,
    DateField,
    DecimalField,
    IntegerField,
    MoneyField,
    RowForm,
    RowList,
)
from grants.reports.operations import FILE_KIND_LABELS, STATE_LABELS

COUNT_MAX = 10_000_000


class ActivityDone(RowForm):
    state = SelectField(_l("Carried out?"), choices=[SelectChoice("", "—"), *(
        SelectChoice(k, v) for k, v in STATE_LABELS.items())], validators=[Optional()])
    done = TextAreaField(_l("What was done"), validators=[Optional(), Length(max=2000)])


class ServedCell(RowForm):
    person_times = IntegerField(_l("Person-times"), validators=[Optional(), NumberRange(0, COUNT_MAX)])


class IndicatorActual(RowForm):
    actual = StringField(_l("Actual value"), validators=[Optional(), Length(max=100)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class SpentRow(RowForm):
    spent = MoneyField(_l("Spent"), validators=[Optional()])


class SettlementRow(RowForm):
    amount = MoneyField(_l("Settled amount"), validators=[Optional()])


class ReportForm(BaseForm):
    version = HiddenField()
    activities = RowList(FormField(ActivityDone), max_entries=100)
    served = RowList(FormField(ServedCell), max_entries=100)
    sessions_held = IntegerField(_l("Activity sessions held"), validators=[Optional(), NumberRange(0, COUNT_MAX)])
    volunteers = IntegerField(_l("Volunteers"), validators=[Optional(), NumberRange(0, COUNT_MAX)])
    volunteer_hours = DecimalField(_l("Volunteer hours"), places=1, validators=[Optional(), NumberRange(0, COUNT_MAX)])
    indicators = RowList(FormField(IndicatorActual), max_entries=100)
    spending = RowList(FormField(SpentRow), max_entries=20)
    matching_funds = MoneyField(_l("Matching funds actually raised (yuan)"), validators=[Optional()])
    settlement = RowList(FormField(SettlementRow), max_entries=20)
    problems = TextAreaField(_l("Problems met and how they were handled"), validators=[Optional(), Length(max=5000)])
    changes = TextAreaField(_l("Changes to the plan"), validators=[Optional(), Length(max=5000)])
    # evidence uploaded with the draft ("Save and upload"): what was typed is saved first, never lost;
    # the kind is checked by the operation (a refusal, not a form error that would drop the draft)
    evidence_kind = SelectField(_l("Kind of evidence"), choices=[SelectChoice(k, v) for k, v in FILE_KIND_LABELS.items()],
                                validate_choice=False, validators=[Optional()])
    evidence = FileField(_l("File (PDF, JPEG or PNG, at most 10 MB)"))

    def pad(self, counts: dict[str, int]) -> None:
        """As many rows as the report has (a POST that sent fewer gets blank ones)."""
        for name, n in counts.items():
            rows = getattr(self, name)
            while len(rows) < n:
                rows.append_entry()

    def values(self, counts: dict[str, int]) -> dict:
        def rows(name):
            return list(getattr(self, name))[:counts.get(name, 0)]

        return {
            "activities": [{"state": r.form.state.data, "done": r.form.done.data} for r in rows("activities")],
            "served": [r.form.person_times.data for r in rows("served")],
            "indicators": [{"actual": r.form.actual.data, "note": r.form.note.data} for r in rows("indicators")],
            "spending": [r.form.spent.data for r in rows("spending")],
            "settlement": [r.form.amount.data for r in rows("settlement")],
            "sessions_held": self.sessions_held.data, "volunteers": self.volunteers.data,
            "volunteer_hours": self.volunteer_hours.data, "matching_funds": self.matching_funds.data,
            "problems": self.problems.data or "", "changes": self.changes.data or "",
        }


class ConfirmForm(BaseForm):
    version = HiddenField()


class EvidenceForm(BaseForm):
    kind = SelectField(_l("Kind of evidence"), choices=[SelectChoice(k, v) for k, v in FILE_KIND_LABELS.items()])
    evidence = FileField(_l("File (PDF, JPEG or PNG, at most 10 MB)"))


class ReturnForm(BaseForm):
    reason = TextAreaField(_l("What needs revising"), validators=[InputRequired(), Length(max=2000)])
    revision_due = DateField(_l("Resubmit by"), validators=[InputRequired()])


class ExtensionForm(BaseForm):
    """Shown once per report kind on the project's reports page: built with ``for_kind`` (its own prefix)."""

    prefix_name = "extend"

    extended_to = DateField(_l("New due date"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason for the extension"), validators=[InputRequired(), Length(max=2000)])


class ReopenForm(BaseForm):
    """Re-open an overdue report: both checked by the rule (every problem at once, next to its field).
    Built with ``for_kind``, like the extension form."""

    prefix_name = "reopen"

    new_due = DateField(_l("New due date"), validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


def for_kind(form_class: type[ExtensionForm] | type[ReopenForm], kind: str, **kwargs):
    """The extension or re-open form of one report kind. Both kinds' forms of both classes share a page:
    the prefix (``extend-midterm-reason``, ``reopen-final-new_due``) keeps each field's id, and so its
    label, its own. The same prefix on GET and POST: the POST reads the fields it rendered."""
    return form_class(prefix=f"{form_class.prefix_name}-{kind}", **kwargs)


class DueDatesForm(BaseForm):
    midterm_report_due = DateField(_l("Mid-term report due"), validators=[InputRequired()])
    final_report_due = DateField(_l("Final report due"), validators=[InputRequired()])
