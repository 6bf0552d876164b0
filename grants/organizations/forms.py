"""Forms of the organizations stage: bar an organization, lift a bar."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from grants.platform.forms import BaseForm, DateField


class BarForm(BaseForm):
    starts_on = DateField(_l("Barred from (first day)"), validators=[Optional()])
    ends_on = DateField(_l("Barred until (last day)"), validators=[Optional()])
    reason = TextAreaField(_l("Reason (shown to the organization)"), validators=[Optional(), Length(max=2000)])


class LiftForm(BaseForm):
    reason = TextAreaField(_l("Reason for lifting the bar"), validators=[Optional(), Length(max=2000)])
