"""Language choice and the translated labels of stored codes."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from grants.models import District, OrgType, ProposalStatus, Rating, Role

LANGUAGE_NAMES = {"zh_Hant": "繁體中文", "zh_Hans": "简体中文", "en": "English"}
HTML_LANG = {"zh_Hant": "zh-Hant", "zh_Hans": "zh-Hans", "en": "en"}

# Browser tags (lower-cased) and the catalog each maps to; checked in order of the browser's preference.
_TAGS = {
    "zh-hant": "zh_Hant", "zh-tw": "zh_Hant", "zh-hk": "zh_Hant", "zh-mo": "zh_Hant",
    "zh-hans": "zh_Hans", "zh-cn": "zh_Hans", "zh-sg": "zh_Hans", "zh-my": "zh_Hans", "zh": "zh_Hans",
    "en": "en",
}


def match_accept_language(header_values) -> str | None:
    for tag, _quality in header_values:
        tag = tag.lower().replace("_", "-")
        if tag in _TAGS:
            return _TAGS[tag]
        parts = tag.split("-")
        if parts[0] == "zh" and len(parts) > 1 and parts[1] in ("hant", "hans"):
            return _TAGS["zh-" + parts[1]]
        if parts[0] == "zh" and len(parts) > 1:
            # zh-Hant-TW style handled above; region-only: TW/HK/MO are traditional
            return "zh_Hant" if parts[-1] in ("tw", "hk", "mo") else "zh_Hans"
        if parts[0] == "en":
            return "en"
    return None


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return match_accept_language(request.accept_languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    """The catalog of this request ("zh_Hant", "zh_Hans" or "en"); honours ``force_locale``."""
    return str(get_locale() or current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hant"))


def label(obj, field: str = "name", locale: str | None = None) -> str:
    """An admin-entered label (round name, issuer, description; category name) in ``locale``
    (default: the current one), falling back to the text as given. "" for None."""
    if obj is None:
        return ""
    return obj.label(locale or current_locale(), field)


def category_label(name: str | None, rnd, locale: str | None = None) -> str:
    """The label of ``rnd``'s category named ``name`` (as given) in ``locale`` (default: current)."""
    if rnd is None:
        return name or ""
    return rnd.category_label(name, locale or current_locale())


ROLE_LABELS = {Role.applicant: _l("NGO applicant"), Role.reviewer: _l("Reviewer"), Role.admin: _l("Administrator")}

ORG_TYPE_LABELS = {
    OrgType.social_group: _l("Social group"),
    OrgType.social_service: _l("Social service organization"),
    OrgType.foundation: _l("Foundation"),
}

RATING_LABELS = {
    Rating.none: _l("Not rated"),
    Rating.a1: "1A", Rating.a2: "2A", Rating.a3: "3A", Rating.a4: "4A", Rating.a5: "5A",
}

DISTRICT_LABELS = {
    District.huicheng: _l("Huicheng District"),
    District.huiyang: _l("Huiyang District"),
    District.boluo: _l("Boluo County"),
    District.huidong: _l("Huidong County"),
    District.longmen: _l("Longmen County"),
    District.dayawan: _l("Daya Bay Economic and Technological Development Zone"),
    District.zhongkai: _l("Zhongkai High-tech Industrial Development Zone"),
}


def choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


PROPOSAL_STATUS_LABELS = {
    ProposalStatus.draft: _l("Draft"),
    ProposalStatus.submitted: _l("Submitted"),
    ProposalStatus.returned: _l("Returned for revision"),
    ProposalStatus.withdrawn: _l("Withdrawn"),
    ProposalStatus.rejected: _l("Not eligible"),
    ProposalStatus.eligible: _l("Passed screening"),
    ProposalStatus.shortlisted: _l("Shortlisted for the roadshow"),
    ProposalStatus.awarded: _l("Funded"),
    ProposalStatus.not_awarded: _l("Not funded"),
}


# ------------------------------------------------------------------ proposals (intake)
# Target groups are stored as these codes in Proposal.target_groups.
TARGET_GROUP_LABELS = {
    "women": _l("Women"),
    "children": _l("Children"),
    "families": _l("Families"),
    "elderly_women": _l("Elderly women"),
    "disabled_women": _l("Women with disabilities"),
    "left_behind_children": _l("Left-behind children"),
    "children_in_difficulty": _l("Children in difficulty"),
    "single_mothers": _l("Single-parent mothers"),
    "migrant_women": _l("Migrant women (new residents)"),
    "rural_women": _l("Rural women"),
    "domestic_violence_survivors": _l("Survivors of domestic violence"),
    "adolescents": _l("Adolescents"),
}

BUDGET_CATEGORY_LABELS = {
    "personnel": _l("Personnel"),
    "activities": _l("Activities"),
    "materials": _l("Materials"),
    "publicity": _l("Publicity"),
    "administration": _l("Administration"),
    "other": _l("Other"),
}

ATTACHMENT_KIND_LABELS = {
    "registration_certificate": _l("Registration certificate"),
    "annual_report": _l("Latest annual inspection or financial report"),
    "other": _l("Other document"),
}

SCREENING_OUTCOME_LABELS = {
    "pass": _l("Pass"),
    "return": _l("Return for revision"),
    "reject": _l("Reject"),
}

ASSIGNMENT_SOURCE_LABELS = {
    "manual": _l("by hand"),
    "auto": _l("automatic"),
    "import": _l("imported"),
}
