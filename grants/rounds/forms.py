from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from grants.platform import localtime
from grants.platform.forms import (
    BaseForm,
    DateField,
    DecimalField,
    IntegerField,
    LocalDateTimeField,
    MoneyField,
    RowForm,
    RowList,
    positive_money,
)

REQUIRED = _l("This field is required.")

SCORE_BASIS_LABELS = {
    "trimmed": _l("Trimmed mean (drop the highest and the lowest score from 5 reviews on)"),
    "mean": _l("Mean"),
    "median": _l("Median"),
    "standardised": _l("Standardised score (corrects for lenient and harsh reviewers)"),
}
VETO_POLICY_LABELS = {
    "any": _l("any one reviewer vetoes"),
    "majority": _l("a majority of the reviewers veto"),
}


#: The languages an admin-entered label may be given in besides the text as given (Traditional
#: Chinese by default); form fields are named ``<field>_<suffix>``.
LABEL_LANGUAGES = {"zh_Hans": "zh_hans", "en": "en"}


def _admin_language() -> str:
    """The language of the admin filling in the form: a new round's official language by default."""
    from flask_babel import get_locale

    from grants.platform.pdf import normalize_locale

    return normalize_locale(get_locale())


def _ends_too_soon(start, end) -> bool:
    """Both fields hold a value and ``end`` is not after ``start``. A field that could not read its
    input, or was not sent, keeps the stored value as a naive local wall time
    (LocalDateTimeField.process_data) beside an aware one: it is compared as wall time."""
    if not (start.data and end.data) or start.errors or end.errors:
        return False

    def comparable(value):
        return localtime.from_wall(value) if isinstance(value, datetime) and value.tzinfo is None else value

    return comparable(end.data) <= comparable(start.data)


class CategoryRow(RowForm):
    """One category row; an empty row is ignored (its translations too)."""

    name = StringField(_l("Category"), validators=[Optional(), Length(max=100)])
    name_zh_hans = StringField(_l("Category (Simplified Chinese)"), validators=[Optional(), Length(max=100)])
    name_en = StringField(_l("Category (English)"), validators=[Optional(), Length(max=100)])
    quota = MoneyField(_l("Budget quota (yuan, optional)"), validators=[Optional()])


class RoundForm(BaseForm):
    edition = IntegerField(
        _l("Edition"), validators=[InputRequired(REQUIRED), NumberRange(1, 999, _l("Enter a number from 1 to 999."))]
    )
    name = StringField(_l("Round name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    issuer = StringField(_l("Issuing body"), validators=[DataRequired(REQUIRED), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    # the same texts in the other languages (optional; a page in a blank language shows the text as given)
    name_zh_hans = StringField(_l("Round name (Simplified Chinese)"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Round name (English)"), validators=[Optional(), Length(max=200)])
    issuer_zh_hans = StringField(_l("Issuing body (Simplified Chinese)"), validators=[Optional(), Length(max=200)])
    issuer_en = StringField(_l("Issuing body (English)"), validators=[Optional(), Length(max=200)])
    description_zh_hans = TextAreaField(_l("Description (Simplified Chinese)"), validators=[Optional(), Length(max=5000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional(), Length(max=5000)])
    official_language = SelectField(
        _l("Language of the official documents"), default=_admin_language,
        description=_l("The notice list, the final list, the roadshow order and the grant agreements are printed "
                       "in this language. Personal documents follow each reader's language."),
    )
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
    # scoring, ranking and allocation
    written_weight = IntegerField(
        _l("Weight of the written review (%)"),
        validators=[InputRequired(REQUIRED), NumberRange(0, 100, _l("Enter a percentage from 0 to 100."))], default=40,
    )
    roadshow_weight = IntegerField(
        _l("Weight of the roadshow (%)"),
        validators=[InputRequired(REQUIRED), NumberRange(0, 100, _l("Enter a percentage from 0 to 100."))], default=60,
        description=_l("Set it to 0 for a round without a roadshow. The two weights add up to 100."),
    )
    score_basis = SelectField(_l("Score used for the ranking"), default="trimmed")
    veto_policy = SelectField(_l("A veto disqualifies when"), default="any")
    disagreement_threshold = DecimalField(
        _l("Flag a disagreement when the score range exceeds"), places=2, default=Decimal("15"),
        validators=[InputRequired(REQUIRED), NumberRange(Decimal(0), Decimal(100), _l("Enter a number from 0 to 100."))],
    )
    tiebreak_criterion = SelectField(_l("Tie-break criterion (after the roadshow score)"), default="")
    min_score_to_fund = DecimalField(
        _l("Minimum score to be funded"), places=2, default=Decimal("60"),
        validators=[InputRequired(REQUIRED), NumberRange(Decimal(0), Decimal(200), _l("Enter a number from 0 to 200."))],
    )
    reviewers_per_proposal = IntegerField(
        _l("Reviewers per proposal"), default=3,
        validators=[InputRequired(REQUIRED), NumberRange(1, 15, _l("Enter a number from 1 to 15."))],
    )
    roadshow_present_minutes = IntegerField(
        _l("Roadshow presentation (minutes)"), default=8,
        validators=[InputRequired(REQUIRED), NumberRange(1, 60, _l("Enter a number from 1 to 60."))],
    )
    roadshow_qa_minutes = IntegerField(
        _l("Roadshow questions and answers (minutes)"), default=7,
        validators=[InputRequired(REQUIRED), NumberRange(0, 60, _l("Enter a number from 0 to 60."))],
    )
    required_documents = SelectMultipleField(_l("Required documents"), validators=[Optional()])
    categories = RowList(FormField(CategoryRow), min_entries=1, max_entries=50)

    def set_choices(self, criteria: list[tuple[str, str]]) -> None:
        from grants.platform.i18n import ATTACHMENT_KIND_LABELS, LANGUAGE_NAMES

        self.official_language.choices = [SelectChoice(k, v) for k, v in LANGUAGE_NAMES.items()]
        self.score_basis.choices = [SelectChoice(k, v) for k, v in SCORE_BASIS_LABELS.items()]
        self.veto_policy.choices = [SelectChoice(k, v) for k, v in VETO_POLICY_LABELS.items()]
        self.tiebreak_criterion.choices = [SelectChoice("", _l("None"))] + [SelectChoice(k, v) for k, v in criteria]
        self.required_documents.choices = [
            SelectChoice(k, v) for k, v in ATTACHMENT_KIND_LABELS.items() if k != "other"
        ]

    def stage_weights(self) -> dict:
        weights = {"written": self.written_weight.data}
        if self.roadshow_weight.data:
            weights["roadshow"] = self.roadshow_weight.data
        return weights

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.project_cap.data and self.funding_pool.data and self.project_cap.data > self.funding_pool.data:
            self.project_cap.errors.append(_l("The cap per project cannot exceed the funding pool."))
            ok = False
        if _ends_too_soon(self.call_opens_at, self.call_closes_at):
            self.call_closes_at.errors.append(_l("The call must close after it opens."))
            ok = False
        if _ends_too_soon(self.review_opens_at, self.review_closes_at):
            self.review_closes_at.errors.append(_l("The review must close after it opens."))
            ok = False
        if _ends_too_soon(self.project_start, self.project_end):
            self.project_end.errors.append(_l("The project period must end after it starts."))
            ok = False
        if (self.written_weight.data or 0) + (self.roadshow_weight.data or 0) != 100:
            self.roadshow_weight.errors.append(_l("The weights of the written review and the roadshow must add up to 100."))
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

    def category_rows(self) -> list[tuple[str, Decimal | None, dict[str, str]]]:
        """(name as given, quota, {locale: name}) of every non-empty category row."""
        return [
            (row.form.name.data.strip(), row.form.quota.data, _translations(row.form, "name"))
            for row in self.categories
            if (row.form.name.data or "").strip()
        ]

    def translations(self) -> dict[str, dict[str, str]]:
        """{field: {locale: text}} for the round's name, issuer and description."""
        return {field: _translations(self, field) for field in LABELLED_FIELDS}

    def fill_translations(self, rnd) -> None:
        """Show a stored round's translations (GET of the edit page)."""
        for field in LABELLED_FIELDS:
            for locale, suffix in LABEL_LANGUAGES.items():
                getattr(self, f"{field}_{suffix}").data = rnd.translations(field).get(locale, "")
        for row, category in zip(self.categories, rnd.categories, strict=False):
            for locale, suffix in LABEL_LANGUAGES.items():
                getattr(row.form, f"name_{suffix}").data = category.translations().get(locale, "")

    def round_settings(self) -> dict:
        """The keyword arguments of ``operations.create_round`` / ``update_round``."""
        from grants.rounds.operations import ROUND_FIELDS

        return {
            "values": {name: getattr(self, name).data for name in ROUND_FIELDS},
            "stage_weights": self.stage_weights(),
            "tiebreak_criterion": self.tiebreak_criterion.data or None,
            "required_documents": list(self.required_documents.data or []),
            "categories": self.category_rows(),
            "translations": self.translations(),
        }


#: Round columns that carry translations (``Round.labels``).
LABELLED_FIELDS = ("name", "issuer", "description")


def _translations(form, field: str) -> dict[str, str]:
    return {locale: (getattr(form, f"{field}_{suffix}").data or "").strip()
            for locale, suffix in LABEL_LANGUAGES.items()
            if (getattr(form, f"{field}_{suffix}").data or "").strip()}
