from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from grants.platform import localtime
from grants.platform.forms import BaseForm, DateField
from grants.platform.i18n import DISTRICT_LABELS, ORG_TYPE_LABELS, RATING_LABELS, choices
from grants.platform.validators import mainland_mobile, strong_password, valid_uscc

REQUIRED = _l("This field is required.")


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Email(_l("Enter a valid email address.")),
                                                Length(max=254)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])


class PasswordPairMixin:
    password = PasswordField(
        _l("Password"), validators=[DataRequired(REQUIRED), strong_password("email", "name", "contact_name")]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("The two passwords do not match."))],
    )


class RegisterForm(PasswordPairMixin, BaseForm):
    org_name = StringField(_l("Organization name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    uscc = StringField(
        _l("Unified Social Credit Code"),
        validators=[DataRequired(REQUIRED), valid_uscc],
        description=_l("18 characters, as printed on your registration certificate."),
    )
    org_type = SelectField(_l("Organization type"), choices=choices(ORG_TYPE_LABELS))
    registered_on = DateField(_l("Date of registration"), validators=[DataRequired(REQUIRED)])
    rating = SelectField(_l("Assessment rating"), choices=choices(RATING_LABELS))
    district = SelectField(_l("District"), choices=choices(DISTRICT_LABELS))
    address = StringField(_l("Address"), validators=[DataRequired(REQUIRED), Length(max=300)])
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(REQUIRED), Length(max=100)])
    contact_phone = StringField(_l("Mobile number"), validators=[DataRequired(REQUIRED), mainland_mobile])
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(REQUIRED), Email(_l("Enter a valid email address.")), Length(max=254)],
        description=_l("You will sign in with this address."),
    )

    def validate_registered_on(self, field):
        if field.data and field.data > localtime.today():
            raise ValidationError(_l("The registration date cannot be in the future."))


class SetPasswordForm(PasswordPairMixin, BaseForm):
    pass


class ChangePasswordForm(PasswordPairMixin, BaseForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])


class ReviewerForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Email(_l("Enter a valid email address."))])
    title = StringField(_l("Professional title"), validators=[Optional(), Length(max=100)])
    employer = StringField(_l("Employer"), validators=[Optional(), Length(max=200)])
    expertise = StringField(
        _l("Expertise tags"),
        validators=[Optional(), Length(max=500)],
        description=_l("Separate tags with commas, e.g. women's development, child care, social work, finance."),
    )
    affiliations = SelectMultipleField(
        _l("Declared ties with organizations (never assigned their proposals)"), coerce=int, validators=[Optional()]
    )

