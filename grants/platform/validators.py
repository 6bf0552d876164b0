"""Field validators shared by several forms; messages go through the catalogs."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import ValidationError

from grants.platform import passwords
from grants.rules import uscc

MOBILE = re.compile(r"^1[3-9]\d{9}$")


def mainland_mobile(form, field):
    value = re.sub(r"[\s-]", "", field.data or "")
    if value.startswith("+86"):
        value = value[3:]
    if not MOBILE.match(value):
        raise ValidationError(_l("Enter an 11-digit mainland mobile number starting with 1, e.g. 13812345678."))
    field.data = value


USCC_MESSAGES = {
    uscc.UsccProblem.length: _l("A Unified Social Credit Code has exactly 18 characters."),
    uscc.UsccProblem.characters: _l(
        "A Unified Social Credit Code uses digits and capital letters only, without I, O, Z, S or V."
    ),
    uscc.UsccProblem.checksum: _l("This code's check character is wrong: please compare it with your certificate."),
    uscc.UsccProblem.not_civil_affairs: _l(
        "Codes of organizations registered with civil affairs start with 5. This platform accepts social "
        "organizations (social groups, social service organizations, foundations) only."
    ),
}


def valid_uscc(form, field):
    field.data = uscc.normalize(field.data)
    problem = uscc.problem(field.data)
    if problem is not None:
        raise ValidationError(USCC_MESSAGES[problem])


PASSWORD_MESSAGES = {
    "too_short": _l("Use at least %(n)d characters.", n=passwords.MIN_LENGTH),
    "too_long": _l("Use at most %(n)d characters.", n=passwords.MAX_LENGTH),
    "common": _l("This password is too common and easy to guess: choose another."),
    "personal": _l("Do not use your name or email address in the password."),
}


def strong_password(*other_fields: str):
    def check(form, field):
        inputs = tuple((getattr(form, name).data or "") for name in other_fields if hasattr(form, name))
        inputs += tuple(part for value in inputs for part in value.split("@")[:1])
        problem = passwords.policy_problem(field.data or "", user_inputs=inputs)
        if problem:
            raise ValidationError(PASSWORD_MESSAGES[problem])

    return check


# =============================================================================== the input policy
#
# ONE policy for everything a person types, applied by grants.platform.forms (BaseForm's Meta puts
# ``text_policy`` on every text field of every form; the number and date fields there parse with
# ``read_number`` / ``read_date``). SECURITY.md ("Input policy") documents the choices:
#
# * text is normalised to Unicode NFC; control characters (C0/C1 other than tab and line breaks,
#   NUL included), lone surrogates and text-direction overrides/embeddings/isolates are refused
#   with a message; text made only of invisible characters (zero-width spaces and joiners, word
#   joiners, BOMs, soft hyphens, Hangul fillers, blank braille, ideographic spaces) counts as
#   empty, so a required field says it is required; single-line fields are trimmed; every field
#   has a length cap (its own ``Length`` or LINE_MAX / TEXT_MAX);
# * numbers are ASCII digits with an optional sign and decimal point; full-width digits, point and
#   minus (a Chinese keyboard in full-width mode) are read as their ASCII twins; anything else
#   (NaN, Infinity, ``1e2``, ``1_000``, other scripts' digits) is refused with a message naming
#   the problem; a value with more decimals than the field keeps is refused, never rounded;
# * dates lie between DATE_MIN and DATE_MAX, so what is saved can be read back and shifted
#   between time zones without overflowing.


LINE_MAX = 1_000
TEXT_MAX = 20_000
NUMBER_MAX_CHARS = 40
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Format characters (category Cf: zero-width space/joiners, word joiner, BOM, soft hyphen, bidi
# marks, ...) and blank-looking letters are invisible: text made of them only is empty.
_INVISIBLE_EXTRA = frozenset("\u034f\u115f\u1160\u3164\uffa0\u2800\u180e")
_FULLWIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)},
                            "\uff0e": ".", "\uff0d": "-", "\u2212": "-", "\uff0b": "+", "\uff0c": ",",
                            "\u3000": " "})
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_EXPONENT_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+")

TEXT_MESSAGES = {
    "control": _l("Remove the control characters (invisible codes such as NUL) from this text."),
    "bidi": _l("Remove the text-direction control characters (such as U+202E) from this text."),
}
NUMBER_MESSAGES = {
    "not_number": _l("Enter a number written with digits, e.g. 12 or 12.5."),
    "not_finite": _l("“NaN” and “Infinity” are not numbers: enter a number written with digits."),
    "exponent": _l("Write the number out in full, without an exponent: e.g. 100, not 1e2."),
    "underscore": _l("Write the number without underscores or spaces, e.g. 1000."),
    "too_long": _l("This number is too long."),
    "whole": _l("Enter a whole number, without decimals."),
}
DATE_MESSAGES = {
    "format": _l("Enter a date as YYYY-MM-DD, e.g. 2027-03-01."),
    "datetime_format": _l("Enter a date and time as YYYY-MM-DD HH:MM, e.g. 2027-03-01 09:30."),
    "range": _l("Enter a date between %(min)s and %(max)s.", min=DATE_MIN.isoformat(), max=DATE_MAX.isoformat()),
}


def _invisible(ch: str) -> bool:
    return ch.isspace() or ch in _INVISIBLE_EXTRA or unicodedata.category(ch) == "Cf"


def text_problem(value: str, *, multiline: bool) -> str | None:
    """The policy's objection to ``value`` (a key of TEXT_MESSAGES), or None."""
    allowed = "\t\n\r" if multiline else "\t"
    for ch in value:
        cat = unicodedata.category(ch)
        if (cat == "Cc" and ch not in allowed) or cat == "Cs":
            return "control"
        if ch in BIDI_CONTROLS:
            return "bidi"
    return None


def clean_text(value: str, *, multiline: bool = False, normalise: bool = True) -> str:
    """``value`` under the text policy: NFC, refused (ValueError with the message) when it holds
    control characters or direction overrides, "" when only invisible characters, trimmed when
    single-line."""
    if normalise:
        value = unicodedata.normalize("NFC", value)
    problem = text_problem(value, multiline=multiline)
    if problem:
        raise ValueError(TEXT_MESSAGES[problem])
    if not normalise:
        return value
    if all(_invisible(ch) for ch in value):
        return ""
    return value if multiline else value.strip()


def number_text(raw: str, *, thousands: bool = False) -> str:
    """The typed number as ASCII (full-width digits, point and minus read as ASCII; spaces trimmed;
    ``thousands``: commas dropped)."""
    text = unicodedata.normalize("NFC", raw).translate(_FULLWIDTH).strip()
    text = "".join(ch for ch in text if not (unicodedata.category(ch) == "Cf"))
    if thousands:
        text = text.replace(",", "")
    return text


def read_number(raw: str, *, places: int | None = None, minimum: Decimal | None = None,
                maximum: Decimal | None = None, thousands: bool = False) -> Decimal | None:
    """A typed number as a Decimal under the policy; None when blank; ValueError naming the problem.
    ``places``: the most decimal places kept (0: a whole number); ``minimum``/``maximum``: hard
    bounds (the field's own NumberRange gives the friendlier range message)."""
    text = number_text(raw or "", thousands=thousands)
    if text == "":
        return None
    if len(text) > NUMBER_MAX_CHARS:
        raise ValueError(NUMBER_MESSAGES["too_long"])
    if not _DECIMAL_RE.fullmatch(text):
        lowered = text.lower().lstrip("+-")
        if lowered in ("nan", "snan", "inf", "infinity", "∞"):
            raise ValueError(NUMBER_MESSAGES["not_finite"])
        if _EXPONENT_RE.fullmatch(text):
            raise ValueError(NUMBER_MESSAGES["exponent"])
        if re.fullmatch(r"[+-]?[0-9][0-9_ ]*[0-9](?:\.[0-9_]+)?", text):
            raise ValueError(NUMBER_MESSAGES["underscore"])
        raise ValueError(NUMBER_MESSAGES["not_number"])
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        raise ValueError(NUMBER_MESSAGES["not_number"]) from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        lo = "" if minimum is None else minimum
        hi = "" if maximum is None else maximum
        raise ValueError(_l("Enter a number from %(min)s to %(max)s.", min=lo, max=hi))
    if places is not None:
        if value != 0 and -value.normalize().as_tuple().exponent > places:
            raise ValueError(NUMBER_MESSAGES["whole"] if places == 0 else _l(
                "Use at most %(n)s decimal places: the value is not rounded for you.", n=places))
        try:
            value = value.quantize(Decimal(1).scaleb(-places))
        except InvalidOperation:
            raise ValueError(NUMBER_MESSAGES["too_long"]) from None
    return value


def read_date(raw: str, formats: tuple[str, ...], *, with_time: bool = False) -> datetime | None:
    """A typed date (or date and time) under the policy: None when blank; ValueError when it is
    not in one of ``formats`` or falls outside DATE_MIN..DATE_MAX."""
    text = number_text(raw or "")
    if text == "":
        return None
    if len(text) > NUMBER_MAX_CHARS:
        raise ValueError(DATE_MESSAGES["datetime_format" if with_time else "format"])
    for fmt in formats:
        try:
            value = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if not (DATE_MIN <= value.date() <= DATE_MAX):
            raise ValueError(DATE_MESSAGES["range"])
        return value
    raise ValueError(DATE_MESSAGES["datetime_format" if with_time else "format"])


def date_in_range(form, field):
    """For fields that hold a date set in code (not typed): the same range as typed dates."""
    value = field.data
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date) and not (DATE_MIN <= value <= DATE_MAX):
        raise ValidationError(DATE_MESSAGES["range"])
