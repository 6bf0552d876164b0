"""Refusals as text: the only place where a ``Refusal`` (``grants.rules.refusal``) becomes words.

``MESSAGES`` maps every refusal code to a lazily translated msgid with named placeholders; the
catalogs (zh_Hant, zh_Hans, en) give the words. Params are formatted for the reader's language
here, by kind: money (``PARAM_KINDS``), datetimes in the round's local time, dates, numbers,
lists, and texts given in three languages (a rubric criterion's label).

Views call ``flash_refusal(exc)`` or ``attach(form, exc)``; nothing else turns a refusal into text.
``scripts/i18n.py check`` and ``tests/platform/test_refusals.py`` fail when a code raised anywhere
has no entry here, or an entry has no translation in one of the three catalogs.

Codes are grouped by stage below. Add a stage's codes in its own section.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import flash
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l

from grants.rules.refusal import Problem, Refusal

MESSAGES: dict[str, object] = {
    # ---------------------------------------------------------------- shared
    "required": _l("This field is required."),
    "choose_one": _l("Choose at least one."),
    "rows_missing": _l("Fill in at least one row."),
    "amount_invalid": _l("Enter an amount in yuan, e.g. 150000 or 150000.50."),
    "amount_negative": _l("The amount cannot be negative."),
    "amount_decimals": _l("Amounts have at most 2 decimal places (fen)."),
    "amount_too_large": _l("That amount is too large."),
    "deadline_passed": _l("The deadline has passed (%(deadline)s); the proposal can no longer be changed."),
    # ---------------------------------------------------------------- intake (申報)
    "line_category": _l("Choose a budget category."),
    "line_item_missing": _l("Describe the budget item."),
    "line_price_zero": _l("The unit price must be greater than zero."),
    "line_quantity": _l("The quantity must be greater than zero."),
    "line_quantity_decimals": _l("Quantities have at most 2 decimal places."),
    "budget_empty": _l("Add at least one budget line."),
    "requested_zero": _l("The requested amount must be greater than zero."),
    "over_cap": _l("The requested amount %(requested)s is above this round's cap of %(cap)s per project."),
    "total_mismatch": _l("The budget lines add up to %(total)s, but the requested amount plus matching funds is "
                         "%(sum)s. They must be equal."),
    "admin_share": _l("Administration costs are %(share)s%% of the budget; at most %(max)s%% is allowed."),
    "beneficiaries_positive": _l("Enter the number of beneficiaries (person-times)."),
    "end_before_start": _l("The project must end after it starts."),
    "before_period": _l("Projects of this round may start on %(date)s at the earliest."),
    "after_period": _l("Projects of this round must end by %(date)s."),
    "attachments_missing": _l("Required documents are missing: %(kinds)s."),
    "not_editable": _l("This proposal can no longer be changed."),
    "call_not_open": _l("The call for proposals is not open yet."),
    "not_withdrawable": _l("Only a submitted proposal can be withdrawn."),
    "not_reopenable": _l("Only a withdrawn proposal can be reopened."),
    "quota": _l("Your organization may file at most %(max)s proposals in this round."),
    # ---------------------------------------------------------------- uploads (every stage)
    "upload_empty": _l("Choose a file to upload."),
    "upload_too_large": _l("The file is larger than %(limit_mb)s MB. Please upload a smaller file (for example a "
                           "scan at a lower resolution)."),
    "upload_total_too_large": _l("All attachments of a proposal together may be at most %(limit_mb)s MB. Remove a "
                                 "file or upload a smaller one."),
    "upload_bad_name": _l("The file name is not acceptable. Rename the file and try again."),
    "upload_unsupported": _l("Only PDF, JPEG and PNG files are accepted."),
    "upload_mismatch": _l("The file's content does not match its name's extension."),
    "upload_damaged": _l("The file seems damaged or incomplete. Please export or scan it again."),
    # ---------------------------------------------------------------- screening (資格審查)
    "not_screenable": _l("This proposal cannot be screened in its current status."),
    "reason_required": _l("Give the reason; the organization will read it."),
    "deadline_in_past": _l("The revision deadline must be in the future."),
    # ---------------------------------------------------------------- review (專家評審)
    # ---------------------------------------------------------------- assignment (分配)
    # ---------------------------------------------------------------- ranking (排名)
    # ---------------------------------------------------------------- roadshow (路演)
    # ---------------------------------------------------------------- allocation (資金分配)
    # ---------------------------------------------------------------- publication (公示, 異議)
    "publication_exists": _l("This round already has a published list."),
    "publication_empty": _l("There are no awards to publish."),
    "render_not_needed": _l("The PDF is ready or still being prepared."),
    "final_nothing_published": _l("Nothing has been published for this round yet."),
    "final_already": _l("This list is already final."),
    "final_not_rendered": _l("The notice PDF is not ready yet."),
    "final_period_running": _l("The notice period has not ended yet: it runs until %(date)s."),
    "final_objections_open": _l("Objections still open or under investigation: %(count)s. Decide them first."),
    "objection_closed": _l("Objections are accepted only during the notice period, and no list is in its notice "
                           "period now."),
    "objection_project": _l("Choose a project from the published list."),
    "objection_final": _l("The award list is final: objections can no longer be changed."),
    "objection_duplicate": _l("This objection had already been received; it was not stored a second time."),
    "calendar_line_format": _l("Line %(line)s: “%(value)s” should be a date and a kind, e.g. “2026-10-01 holiday” "
                               "or “2026-10-10 workday”."),
    "calendar_date_format": _l("Line %(line)s: “%(value)s” is not a date in the form YYYY-MM-DD."),
    "calendar_date_invalid": _l("Line %(line)s: %(value)s is not a valid date."),
    "calendar_kind": _l("Line %(line)s: “%(value)s” should be “holiday” or “workday”."),
    "calendar_duplicate": _l("Line %(line)s: %(date)s is already listed on line %(earlier)s."),
    "calendar_workday_weekday": _l("Line %(line)s: %(date)s is a weekday; a makeup working day must be a Saturday "
                                   "or Sunday."),
    # ---------------------------------------------------------------- rounds (創投活動)
    "edition_taken": _l("A round with this edition number already exists."),
    "round_edit_conflict": _l("Someone else changed this round while you were editing. Your changes were not saved: "
                              "review the current values below and apply your changes again."),
    # ---------------------------------------------------------------- accounts and rounds
}

#: Params shown as money (¥1,234.00); every other Decimal is shown as a plain number.
MONEY_PARAMS = frozenset({"cap", "requested", "total", "sum", "matching", "left", "amount", "pool", "req"})
#: Params that are lists of attachment kinds, shown by their labels.
KIND_LIST_PARAMS = frozenset({"kinds"})


def _lang() -> str:
    return str(get_locale() or "zh_Hant")


def _join(items) -> str:
    return ("、" if _lang().startswith("zh") else ", ").join(items)


def format_param(name: str, value) -> str:
    """One placeholder's value as the reader sees it (language of the current request)."""
    from grants.platform.i18n import ATTACHMENT_KIND_LABELS
    from grants.platform.templating import local_dt, money

    if value is None:
        return "—"
    if hasattr(value, "zh_Hant") and hasattr(value, "get"):  # a LocalizedText (rubric labels)
        return value.get(_lang())
    if name in MONEY_PARAMS:
        return money(value)
    if name in KIND_LIST_PARAMS:
        return _join(str(ATTACHMENT_KIND_LABELS.get(k, k)) for k in value)
    if isinstance(value, datetime):
        return local_dt(value)
    if isinstance(value, date):
        return format_date(value, "yyyy-MM-dd")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple, set, frozenset)):
        return _join(str(v) for v in value)
    return str(value)


def message(problem: Problem | Refusal) -> str:
    """The sentence for one problem (or a refusal's first problem), in the reader's language."""
    if isinstance(problem, Refusal):
        problem = problem.problems[0]
    template = MESSAGES[problem.code]
    params = {name: format_param(name, value) for name, value in problem.params.items()}
    text = str(template)
    return text % params if params else text.replace("%%", "%")


def messages(refusal: Refusal) -> list[str]:
    return [message(p) for p in refusal.problems]


def flash_refusal(refusal: Refusal, category: str = "error") -> None:
    for problem in refusal.problems:
        flash(message(problem), category)


def attach(form, refusal: Refusal, *, default_field: str | None = None) -> None:
    """Put each problem's message next to its field on ``form`` (``budget_lines-2-unit_price``
    style names reach into field lists); problems without a field on the form are flashed,
    or attached to ``default_field`` when given."""
    for problem in refusal.problems:
        target = _find_field(form, problem.field) or _find_field(form, default_field)
        if target is None:
            flash(message(problem), "error")
        else:
            target.errors = [*list(target.errors or ()), message(problem)]


def _find_field(form, name: str | None):
    if not name or form is None:
        return None
    field = form._fields.get(name) if hasattr(form, "_fields") else None
    if field is not None:
        return field
    for candidate in form:  # nested: field lists and form fields use "<name>-<index>-<sub>"
        if name.startswith(candidate.name + "-") and hasattr(candidate, "__iter__"):
            for entry in candidate:
                if entry.name == name:
                    return entry
                found = _find_field(getattr(entry, "form", None), name) if hasattr(entry, "form") else None
                if found is not None:
                    return found
    return None
