from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from grants.forms import BaseForm, LocalDateTimeField, MoneyField, positive_money

REQUIRED = _l("This field is required.")


class CategoryRow(Form):
    """One category row; an empty row is ignored."""

    name = StringField(_l("Category"), validators=[Optional(), Length(max=100)])
    quota = MoneyField(_l("Budget quota (yuan, optional)"), validators=[Optional()])


class RoundForm(BaseForm):
    edition = IntegerField(
        _l("Edition"), validators=[InputRequired(REQUIRED), NumberRange(1, 999, _l("Enter a number from 1 to 999."))]
    )
    name = StringField(_l("Round name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    issuer = StringField(_l("Issuing body"), validators=[DataRequired(REQUIRED), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    funding_pool = MoneyField(_l("Funding pool (yuan)"), validators=[InputRequired(REQUIRED), positive_money])
    project_cap = MoneyField(_l("Cap per project (yuan)"), validators=[InputRequired(REQUIRED), positive_money])
    max_proposals_per_org = IntegerField(
        _l("Maximum proposals per organization"),
        validators=[InputRequired(REQUIRED), NumberRange(1, 20, _l("Enter a number from 1 to 20."))],
        default=2,
    )
    admin_share_max = DecimalField(
        _l("Maximum administration share of the budget (%)"),
        places=2,
        validators=[InputRequired(REQUIRED), NumberRange(Decimal(0), Decimal(100), _l("Enter a percentage from 0 to 100."))],
        default=Decimal("10"),
    )
    project_start = DateField(_l("Projects may start on"), validators=[Optional()])
    project_end = DateField(_l("Projects must end by"), validators=[Optional()])
    call_opens_at = LocalDateTimeField(_l("Call opens"), validators=[InputRequired(REQUIRED)])
    call_closes_at = LocalDateTimeField(_l("Call closes (submission deadline)"), validators=[InputRequired(REQUIRED)])
    screening_closes_at = LocalDateTimeField(_l("Eligibility screening ends"), validators=[Optional()])
    review_opens_at = LocalDateTimeField(_l("Expert review opens"), validators=[Optional()])
    review_closes_at = LocalDateTimeField(_l("Expert review closes"), validators=[Optional()])
    roadshow_at = LocalDateTimeField(_l("Roadshow"), validators=[Optional()])
    notice_starts_at = LocalDateTimeField(_l("Public notice starts"), validators=[Optional()])
    blind_review = BooleanField(_l("Blind review: hide the organization's identity from reviewers"), default=True)
    reveal_peer_scores = BooleanField(_l("Show reviewers their peers' scores after they submit their own"))
    publish_panel_names = BooleanField(_l("Publish the panel's names with the results"))
    notice_working_days = IntegerField(
        _l("Public notice period (working days)"),
        validators=[InputRequired(REQUIRED), NumberRange(1, 30, _l("Enter a number from 1 to 30."))],
        default=5,
    )
    trim_min_reviews = IntegerField(
        _l("Drop the highest and lowest score from this many reviews on"),
        validators=[InputRequired(REQUIRED), NumberRange(3, 50, _l("Enter a number from 3 to 50."))],
        default=5,
    )
    categories = FieldList(FormField(CategoryRow), min_entries=1)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.project_cap.data and self.funding_pool.data and self.project_cap.data > self.funding_pool.data:
            self.project_cap.errors.append(_l("The cap per project cannot exceed the funding pool."))
            ok = False
        if self.call_opens_at.data and self.call_closes_at.data and self.call_closes_at.data <= self.call_opens_at.data:
            self.call_closes_at.errors.append(_l("The call must close after it opens."))
            ok = False
        if self.review_opens_at.data and self.review_closes_at.data and self.review_closes_at.data <= self.review_opens_at.data:
            self.review_closes_at.errors.append(_l("The review must close after it opens."))
            ok = False
        if self.project_start.data and self.project_end.data and self.project_end.data <= self.project_start.data:
            self.project_end.errors.append(_l("The project period must end after it starts."))
            ok = False
        names = [row.form.name.data.strip() for row in self.categories if (row.form.name.data or "").strip()]
        if not names:
            self.categories.errors.append(_l("Add at least one category."))
            ok = False
        elif len(set(names)) != len(names):
            self.categories.errors.append(_l("Each category name may appear only once."))
            ok = False
        quota_total = sum((row.form.quota.data or Decimal(0)) for row in self.categories)
        if self.funding_pool.data and quota_total > self.funding_pool.data:
            self.categories.errors.append(_l("The category quotas add up to more than the funding pool."))
            ok = False
        return ok

    def category_rows(self) -> list[tuple[str, Decimal | None]]:
        return [
            (row.form.name.data.strip(), row.form.quota.data)
            for row in self.categories
            if (row.form.name.data or "").strip()
        ]


class ReviewerForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Email(_l("Enter a valid email address."))])
    title = StringField(_l("Professional title"), validators=[Optional(), Length(max=100)])
    employer = StringField(_l("Employer"), validators=[Optional(), Length(max=200)])
    expertise = StringField(
        _l("Expertise tags"),
        validators=[Optional(), Length(max=500)],
        description=_l("Separate tags with commas, e.g. 婦女發展, 兒童關愛, 社會工作, 財務."),
    )
    affiliations = SelectMultipleField(
        _l("Declared ties with organizations (never assigned their proposals)"), coerce=int, validators=[Optional()]
    )
