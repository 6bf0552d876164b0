"""Field validators shared by several forms; messages go through the catalogs."""

from __future__ import annotations

import re

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
