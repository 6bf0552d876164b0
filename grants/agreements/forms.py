"""Forms of the agreement stage. Labels are lazily translated; every value typed stays on a refusal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from grants.platform.forms import BaseForm, DateField, IntegerField, MoneyField, RowForm, RowList
from grants.platform.i18n import BUDGET_CATEGORY_LABELS

CONDITION_CHOICES = [SelectChoice("signing", _l("On signing")),
                     SelectChoice("midterm", _l("After passing the mid-term evaluation")),
                     SelectChoice("final", _l("After passing the final evaluation"))]
LANGUAGE_CHOICES = [SelectChoice("zh_Hant", "繁體中文"), SelectChoice("zh_Hans", "简体中文")]
CATEGORY_CHOICES = [SelectChoice(k, v) for k, v in BUDGET_CATEGORY_LABELS.items()]
SCHEDULE_ROWS = 5


class TrancheRow(RowForm):
    percent = StringField(_l("Percent"), validators=[Optional(), Length(max=10)])
    condition = SelectField(_l("When due"), choices=[SelectChoice("", "—"), *CONDITION_CHOICES], validators=[Optional()])


class TemplateForm(BaseForm):
    language = SelectField(_l("Language of the agreement"), choices=LANGUAGE_CHOICES)
    signing_days = IntegerField(_l("Working days to sign"), validators=[InputRequired(), NumberRange(1, 120)])
    change_threshold = MoneyField(_l("Budget changes up to this percent of a category need no approval"),
                                  validators=[InputRequired()])
    duties = TextAreaField(_l("Reporting duties and due dates"), validators=[InputRequired(), Length(max=10_000)])
    terms = TextAreaField(_l("Breach and refund terms"), validators=[InputRequired(), Length(max=10_000)])
    schedule = RowList(FormField(TrancheRow), min_entries=SCHEDULE_ROWS, max_entries=SCHEDULE_ROWS)


class BankForm(BaseForm):
    bank_account_name = StringField(_l("Account name"), validators=[InputRequired(), Length(max=200)])
    bank_name = StringField(_l("Bank (branch)"), validators=[InputRequired(), Length(max=200)])
    bank_account = StringField(_l("Account number"), validators=[InputRequired(), Length(max=60)])


class ScanForm(BaseForm):
    scan = FileField(_l("Signed and stamped agreement (PDF, JPEG or PNG, at most 10 MB)"))


class CountersignForm(BaseForm):
    signed_on = DateField(_l("Countersigned on"), validators=[InputRequired()])
    scan = FileField(_l("Countersigned copy (optional)"))


class WithdrawForm(BaseForm):
    reason = TextAreaField(_l("Reason for withdrawing the award"), validators=[InputRequired(), Length(max=2000)])


class PaymentForm(BaseForm):
    tranche_id = SelectField(_l("Tranche"), coerce=int, validators=[InputRequired()])
    amount = MoneyField(_l("Amount paid"), validators=[InputRequired()])
    paid_on = DateField(_l("Paid on"), validators=[InputRequired()])
    voucher_no = StringField(_l("Voucher number"), validators=[InputRequired(), Length(max=60)])
    scan = FileField(_l("Voucher scan (optional)"))


class _Prefixed(BaseForm):
    """A form shown on the project page beside others with the same field names: its own prefix keeps
    the element ids unique (``refund-amount`` next to the payment form's ``amount``)."""

    PREFIX = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.PREFIX)
        super().__init__(*args, **kwargs)


class StopForm(_Prefixed):
    PREFIX = "stop"
    reason = TextAreaField(_l("Reason for stopping payments"), validators=[InputRequired(), Length(max=2000)])


class RefundForm(_Prefixed):
    PREFIX = "refund"
    action = SelectField(_l("Record"), choices=[SelectChoice("demand", _l("Refund demanded")),
                                                    SelectChoice("received", _l("Refund received"))])
    amount = MoneyField(_l("Amount"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    paid_on = DateField(_l("Received on"), validators=[Optional()])
    voucher_no = StringField(_l("Voucher number"), validators=[Optional(), Length(max=60)])


class BudgetChangeForm(BaseForm):
    source = SelectField(_l("From category"), choices=CATEGORY_CHOICES)
    target = SelectField(_l("To category"), choices=CATEGORY_CHOICES)
    amount = MoneyField(_l("Amount to move"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=2000)])


class DecideForm(BaseForm):
    decision = HiddenField(validators=[InputRequired()])
    note = TextAreaField(_l("Note (required when refusing)"), validators=[Optional(), Length(max=2000)])
