"""Shared form machinery: translated WTForms messages, local-time fields, money fields."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import get_translations, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, StringField, ValidationError

from grants.platform import localtime, numbers


class _Translations:
    """Hands WTForms' built-in messages to our own catalogs (see grants/platform/wtforms_messages.py)."""

    def gettext(self, string):
        return gettext(string)

    def ngettext(self, singular, plural, n):
        # WTForms formats the message itself (e.g. %(value)s); Flask-Babel's ngettext would format it
        # first with only %(num)s and raise KeyError (a 500 on an invalid multiple choice).
        return get_translations().ngettext(singular, plural, n)


_TRANSLATIONS = _Translations()


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS


class LocalDateTimeField(DateTimeLocalField):
    """A datetime typed in the round's local time (``grants.platform.localtime``); ``.data`` is aware UTC."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], **kwargs)

    def process_data(self, value):
        if value is not None and value.tzinfo is not None:
            value = localtime.to_local(value).replace(tzinfo=None)
        super().process_data(value)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = localtime.from_wall(self.data)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%Y-%m-%dT%H:%M") if self.data else ""


class MoneyField(StringField):
    """Yuan with at most 2 decimals, as a Decimal; commas and a ¥ sign are accepted."""

    def __init__(self, label=None, validators=None, *, allow_zero=True, **kwargs):
        self.allow_zero = allow_zero
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip().replace(",", "").replace("，", "").lstrip("¥￥")
        if raw == "":
            return
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.data = None
            raise ValueError(_l("Enter an amount in yuan, e.g. 150000 or 150000.50.")) from None
        if not value.is_finite() or value < 0:
            raise ValueError(_l("The amount cannot be negative."))
        if value.as_tuple().exponent < -2:
            raise ValueError(_l("Amounts have at most 2 decimal places (fen)."))
        if value >= Decimal("1e12"):
            raise ValueError(_l("That amount is too large."))
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return numbers.plain(self.data)


def positive_money(form, field):
    if field.data is not None and field.data <= 0:
        raise ValidationError(_l("The amount must be greater than zero."))
