"""Shared form machinery: translated WTForms messages and THE input policy.

Every form derives from ``BaseForm`` (or ``RowForm`` for a repeatable row) and uses the number,
date and row-list fields of this module instead of WTForms' own:

* every text field (StringField and its subclasses: TextArea, Email, Hidden, Password) of every
  form gets ``grants.platform.validators.clean_text`` as a filter (NFC, control characters and
  direction overrides refused, invisible-only text empty, trimmed single lines) and a length cap
  when it has no ``Length`` of its own;
* ``IntegerField``, ``DecimalField``, ``MoneyField`` read numbers with
  ``validators.read_number`` (finite, digits only, no silent rounding, bounded);
* ``DateField`` and ``LocalDateTimeField`` read dates with ``validators.read_date`` (1900-2100);
* ``RowList`` refuses more rows than its limit with a message instead of dropping them.

tests/security/test_input_policy.py checks that no form in the code uses WTForms' own number or
date fields, and tests/security/test_bad_input_fuzz.py throws bad input at every POST route.
"""

from __future__ import annotations

from decimal import Decimal

import wtforms
from flask_babel import get_translations, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, FieldList, PasswordField, StringField, TextAreaField, ValidationError
from wtforms.utils import unset_value
from wtforms.validators import Length, NumberRange, StopValidation

from grants.platform import localtime, numbers
from grants.platform import validators as policy


class _Translations:
    """Hands WTForms' built-in messages to our own catalogs (see grants/platform/wtforms_messages.py)."""

    def gettext(self, string):
        return gettext(string)

    def ngettext(self, singular, plural, n):
        # WTForms formats the message itself (e.g. %(value)s); Flask-Babel's ngettext would format it
        # first with only %(num)s and raise KeyError (a 500 on an invalid multiple choice).
        return get_translations().ngettext(singular, plural, n)


_TRANSLATIONS = _Translations()


def _text_policy_filter(field, *, multiline: bool, password: bool, cap: int | None):
    def apply(value):
        if not field.raw_data or not isinstance(value, str):
            return value  # not typed in this request (shown from the database or a default)
        value = policy.clean_text(value, multiline=multiline, normalise=not password)
        if cap is not None and len(value) > cap:
            raise ValueError(_l("Use at most %(n)d characters.", n=cap))
        return value

    return apply


def bind_with_policy(unbound_field, form, options):
    """Bind a field, giving every text field the input policy's filter (see the module docstring)."""
    field = unbound_field.bind(form=form, **options)
    if isinstance(field, StringField) and not isinstance(field, MoneyField):
        multiline = isinstance(field, TextAreaField)
        password = isinstance(field, PasswordField)
        has_length = any(isinstance(v, Length) and v.max not in (None, -1) for v in field.validators)
        cap = None if has_length else (policy.TEXT_MAX if multiline else policy.LINE_MAX)
        field.filters = (*field.filters, _text_policy_filter(field, multiline=multiline, password=password, cap=cap))
    return field


class _PolicyMeta:
    def get_translations(self, form):
        return _TRANSLATIONS

    def bind_field(self, form, unbound_field, options):
        return bind_with_policy(unbound_field, form, options)

    def render_field(self, field, render_kw):
        # The CSRF token is a hidden input nothing points at: rendered without an id, so a page with
        # several forms does not carry the id "csrf_token" once per form (duplicate ids are invalid HTML).
        if field.type == "CSRFTokenField":
            render_kw = {"id": False, **render_kw}
        return super().render_field(field, render_kw)


class BaseForm(FlaskForm):
    class Meta(_PolicyMeta):
        pass


class RowForm(wtforms.Form):
    """One repeatable row (inside a ``RowList``): the same translations and input policy."""

    class Meta(_PolicyMeta):
        pass


class _StopOnProcessError:
    """A field that could not read its input says so once (not also "out of range" below it)."""

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


def _range_of(validators, lo, hi):
    for v in validators or ():
        if isinstance(v, NumberRange):
            lo = v.min if v.min is not None and v.min > lo else lo
            hi = v.max if v.max is not None and v.max < hi else hi
    return Decimal(lo), Decimal(hi)


class IntegerField(_StopOnProcessError, wtforms.IntegerField):
    """A whole number under the input policy, within its NumberRange and always within a 32-bit column."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = _range_of(validators, -(2**31), 2**31 - 1)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        value = policy.read_number(str(valuelist[0]), places=0, minimum=self.minimum, maximum=self.maximum)
        self.data = None if value is None else int(value)


class DecimalField(_StopOnProcessError, wtforms.DecimalField):
    """A decimal under the input policy: at most ``places`` decimals (more is refused, not rounded),
    within its NumberRange and always below 10^12."""

    def __init__(self, label=None, validators=None, places=2, **kwargs):
        super().__init__(label, validators, places=places, **kwargs)
        self.minimum, self.maximum = _range_of(validators, Decimal("-1e12"), Decimal("1e12"))

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        self.data = policy.read_number(str(valuelist[0]), places=self.places, minimum=self.minimum,
                                       maximum=self.maximum)


class DateField(_StopOnProcessError, wtforms.DateField):
    """A calendar day between validators.DATE_MIN and DATE_MAX (YYYY-MM-DD)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        value = policy.read_date(str(valuelist[0]), ("%Y-%m-%d",))
        self.data = None if value is None else value.date()


class LocalDateTimeField(_StopOnProcessError, DateTimeLocalField):
    """A datetime typed in the round's local time (``grants.platform.localtime``); ``.data`` is aware UTC.
    Between validators.DATE_MIN and DATE_MAX, so the time-zone shift cannot overflow."""

    FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=list(self.FORMATS[:2]), **kwargs)

    def process_data(self, value):
        if value is not None and value.tzinfo is not None:
            value = localtime.to_local(value).replace(tzinfo=None)
        super().process_data(value)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        value = policy.read_date(" ".join(str(v) for v in valuelist), self.FORMATS, with_time=True)
        self.data = None if value is None else localtime.from_wall(value)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%Y-%m-%dT%H:%M") if self.data else ""


MONEY_MAX = Decimal("1e12")


class MoneyField(_StopOnProcessError, StringField):
    """Yuan with at most 2 decimals, as a Decimal; commas and a ¥ sign are accepted (input policy:
    full-width digits read as ASCII; NaN, exponents, more than 2 decimals refused, never rounded)."""

    def __init__(self, label=None, validators=None, *, allow_zero=True, **kwargs):
        self.allow_zero = allow_zero
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist:
            return
        raw = policy.number_text(str(valuelist[0] or ""), thousands=True).lstrip("¥￥").strip()
        try:
            value = policy.read_number(raw)
        except ValueError as exc:
            if exc.args and exc.args[0] is policy.NUMBER_MESSAGES["not_number"]:
                raise ValueError(_l("Enter an amount in yuan, e.g. 150000 or 150000.50.")) from None
            raise
        if value is None:
            return
        if value < 0:
            raise ValueError(_l("The amount cannot be negative."))
        if value >= MONEY_MAX:
            raise ValueError(_l("That amount is too large."))
        if value != 0 and -value.normalize().as_tuple().exponent > 2:
            raise ValueError(_l("Amounts have at most 2 decimal places (fen)."))
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return numbers.plain(self.data)


def positive_money(form, field):
    if field.data is not None and field.data <= 0:
        raise ValidationError(_l("The amount must be greater than zero."))


def parse_id(raw) -> int | None:
    """A row id typed into a form or a query string: an int in 1..MAX_ID (the bounded URL
    converter's range), else None (the caller answers 404 or ignores it)."""
    from grants.platform.web import MAX_ID

    text = policy.number_text(str(raw or ""))
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def bounded_int(raw, default: int, lo: int, hi: int) -> int:
    """A small integer from a query string or a hidden field (a page number, a version counter):
    ``default`` when it is not a plain integer, clamped to lo..hi otherwise."""
    text = policy.number_text(str(raw if raw is not None else ""))
    body = text[1:] if text[:1] in "+-" else text
    if not body.isascii() or not body.isdigit() or len(body) > 12:
        return default
    return min(max(int(text), lo), hi)


class IdField(wtforms.HiddenField):
    """A hidden row id: ``.data`` is an int in 1..MAX_ID or None (never a database overflow)."""

    def process_formdata(self, valuelist):
        self.data = parse_id(valuelist[0]) if valuelist else None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


DEFAULT_MAX_ROWS = 200


class RowList(FieldList):
    """Repeatable rows; more rows than ``max_entries`` is refused with a message (never dropped)."""

    def __init__(self, unbound_field, label=None, validators=None, min_entries=0, max_entries=DEFAULT_MAX_ROWS,
                 **kwargs):
        super().__init__(unbound_field, label, validators, min_entries=min_entries, max_entries=max_entries,
                         **kwargs)
        self.too_many = False

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.too_many = bool(formdata) and len(set(self._extract_indices(self.name, formdata))) > self.max_entries
        super().process(formdata, data, extra_filters)

    def validate(self, form, extra_validators=()):
        ok = super().validate(form, extra_validators)
        if self.too_many:
            self.errors.append(_l("At most %(n)d rows can be saved here: remove some rows and save again.",
                                  n=self.max_entries))
            return False
        return ok
