"""The proposal form (申報書) and the attachment upload form.

Saving a draft runs only the per-field type checks of these classes; the full rules of
grants.rules.budget run on submission and their problems are put next to the right field with
``ProposalForm.apply_problems``. Blank repeatable rows are ignored everywhere.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    FileField,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from grants.platform import i18n, refusals
from grants.platform.forms import (
    BaseForm,
    DateField,
    DecimalField,
    IntegerField,
    MoneyField,
    RowForm,
    RowList,
)
from grants.platform.i18n import (
    ATTACHMENT_KIND_LABELS,
    BUDGET_CATEGORY_LABELS,
    DISTRICT_LABELS,
    TARGET_GROUP_LABELS,
)
from grants.rules import budget

MAX_ROWS = 60
BLANK_ROWS = 2
MORE_ROWS = 3


class _Row(RowForm):
    def is_blank(self) -> bool:
        """Nothing typed (a budget row's category select always has a value, so it does not count)."""
        for f in self:
            if f.short_name == "category":
                continue
            if isinstance(f.data, str) and not f.process_errors:
                if f.data.strip():  # text under the input policy: invisible-only text is blank
                    return False
                continue
            if f.raw_data is not None:
                if any(str(v).strip() for v in f.raw_data):
                    return False
            elif f.data not in (None, ""):
                return False
        return True


class ActivityForm(_Row):
    month = StringField(_l("Month"), validators=[Optional(), Length(max=20)],
                        description=_l("e.g. 2027-03 or March–April"))
    activity = TextAreaField(_l("Activity"), validators=[Optional(), Length(max=2000)])
    output = TextAreaField(_l("Output"), validators=[Optional(), Length(max=2000)])


class OutcomeForm(_Row):
    indicator = StringField(_l("Indicator"), validators=[Optional(), Length(max=300)])
    target = StringField(_l("Target value"), validators=[Optional(), Length(max=100)])
    measure = StringField(_l("How it is measured"), validators=[Optional(), Length(max=300)])


class TeamForm(_Row):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    role = StringField(_l("Role in the project"), validators=[Optional(), Length(max=100)])
    qualification = StringField(_l("Qualification"), validators=[Optional(), Length(max=200)],
                                description=_l("e.g. social worker certificate"))
    hours = IntegerField(_l("Hours"), validators=[Optional(), NumberRange(0, 100000)])


class BudgetLineForm(_Row):
    category = SelectField(_l("Budget category"), choices=[], default="other")
    item = StringField(_l("Item"), validators=[Optional(), Length(max=200)])
    unit_price = MoneyField(_l("Unit price (yuan)"), validators=[Optional()])
    quantity = DecimalField(_l("Quantity"), places=2, validators=[Optional(), NumberRange(Decimal(0), Decimal(1000000))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from wtforms.fields.choices import SelectChoice

        self.category.choices = [SelectChoice(code, label) for code, label in BUDGET_CATEGORY_LABELS.items()]


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProposalForm(BaseForm):
    version = HiddenField()
    name = StringField(_l("Project name"), validators=[Optional(), Length(max=200)])
    category_id = SelectField(_l("Category"), coerce=_optional_int, choices=[])
    districts = CheckboxesField(_l("Service districts"), choices=[])
    target_groups = CheckboxesField(_l("Target groups"), choices=[])
    beneficiaries = IntegerField(_l("Beneficiaries (person-times)"), validators=[Optional(), NumberRange(0, 10_000_000)])
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    need = TextAreaField(_l("Need analysis (why this project is necessary)"), validators=[Optional(), Length(max=10000)])
    objectives = TextAreaField(_l("Objectives"), validators=[Optional(), Length(max=10000)])
    risks = TextAreaField(_l("Risks and how they are mitigated"), validators=[Optional(), Length(max=10000)])
    activities = RowList(FormField(ActivityForm), max_entries=MAX_ROWS)
    outcomes = RowList(FormField(OutcomeForm), max_entries=MAX_ROWS)
    team = RowList(FormField(TeamForm), max_entries=MAX_ROWS)
    budget_lines = RowList(FormField(BudgetLineForm), max_entries=MAX_ROWS)
    requested = MoneyField(_l("Requested amount (yuan)"), validators=[Optional()])
    matching_funds = MoneyField(_l("Matching funds (yuan)"), validators=[Optional()],
                                description=_l("Money your organization brings itself (matching funds)."))

    SECTIONS = ("activities", "outcomes", "team", "budget_lines")

    def set_choices(self, rnd) -> None:
        from wtforms.fields.choices import SelectChoice

        self.category_id.choices = [SelectChoice("", _l("— choose a category —"))] + [
            SelectChoice(str(c.id), i18n.label(c)) for c in rnd.categories
        ]
        self.districts.choices = [SelectChoice(k.value, v) for k, v in DISTRICT_LABELS.items()]
        self.target_groups.choices = [SelectChoice(k, v) for k, v in TARGET_GROUP_LABELS.items()]

    def pad_rows(self, extra: int = BLANK_ROWS) -> None:
        """Blank rows to type into (no JavaScript needed)."""
        for name in self.SECTIONS:
            field = getattr(self, name)
            for _ in range(extra):
                if len(field.entries) >= MAX_ROWS:
                    break
                field.append_entry()

    def filled(self, section: str) -> list[tuple[int, RowForm]]:
        """(entry index, row form) of the rows that are not blank."""
        return [(i, entry.form) for i, entry in enumerate(getattr(self, section).entries) if not entry.form.is_blank()]

    def values(self) -> dict:
        """The plain values the operation stores (blank rows dropped)."""
        out = {
            "name": (self.name.data or "").strip(),
            "category_id": self.category_id.data,
            "districts": list(self.districts.data or []),
            "target_groups": list(self.target_groups.data or []),
            "beneficiaries": self.beneficiaries.data,
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "need": self.need.data or "",
            "objectives": self.objectives.data or "",
            "risks": self.risks.data or "",
            "requested": self.requested.data,
            "matching_funds": self.matching_funds.data,
        }
        out["activities"] = [{"month": (f.month.data or "").strip(), "activity": f.activity.data or "",
                              "output": f.output.data or ""} for _, f in self.filled("activities")]
        out["outcomes"] = [{"indicator": (f.indicator.data or "").strip(), "target": (f.target.data or "").strip(),
                            "measure": (f.measure.data or "").strip()} for _, f in self.filled("outcomes")]
        out["team"] = [{"name": (f.name.data or "").strip(), "role": (f.role.data or "").strip(),
                        "qualification": (f.qualification.data or "").strip(), "hours": f.hours.data}
                       for _, f in self.filled("team")]
        out["budget_lines"] = [{"category": f.category.data, "item": (f.item.data or "").strip(),
                                "unit_price": f.unit_price.data, "quantity": f.quantity.data}
                               for _, f in self.filled("budget_lines")]
        return out

    def apply_problems(self, problems: list[budget.Problem]) -> int:
        """Put each problem's message next to its field; returns how many were placed on the form."""
        placed = 0
        for problem in problems:
            message = refusals.message(problem)
            target = self._field_for(problem.field)
            if target is None:
                continue
            target.errors = list(target.errors or []) + [message]
            placed += 1
        return placed

    def _field_for(self, path: str):
        head, _, rest = path.partition("-")
        field = getattr(self, head, None)
        if field is None or head in ("attachments", "status"):
            return None
        if not rest:
            if isinstance(field, RowList) and not isinstance(field.errors, list):
                field.errors = []
            return field
        index, _, sub = rest.partition("-")
        filled = self.filled(head)
        k = int(index)
        if k >= len(filled):
            return field
        row = filled[k][1]
        return getattr(row, sub, None) or field


class AttachmentForm(BaseForm):
    kind = SelectField(_l("Document type"), choices=[])
    file = FileField(_l("File (PDF, JPEG or PNG, at most 10 MB)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from wtforms.fields.choices import SelectChoice

        self.kind.choices = [SelectChoice(k, v) for k, v in ATTACHMENT_KIND_LABELS.items()]


class ConfirmSubmitForm(BaseForm):
    """The confirmation step before submitting (and the CSRF token of the delete-draft button)."""

    version = HiddenField()
