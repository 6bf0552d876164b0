"""Template globals and filters: local times, money, labels, the language menu."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import current_app, request
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from grants.platform import i18n


def money(value) -> str:
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"¥{value:,.2f}"


def local_dt(value, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    return format_datetime(value, fmt) if value else "—"


def init_app(app):
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["local_dt"] = local_dt

    @app.context_processor
    def globals_():
        locale = str(get_locale() or "zh_Hant")
        return {
            "current_locale": locale,
            "html_lang": i18n.HTML_LANG.get(locale, "zh-Hant"),
            "language_names": i18n.LANGUAGE_NAMES,
            "labels": {
                "role": i18n.ROLE_LABELS,
                "org_type": i18n.ORG_TYPE_LABELS,
                "rating": i18n.RATING_LABELS,
                "district": i18n.DISTRICT_LABELS,
                "proposal_status": i18n.PROPOSAL_STATUS_LABELS,
            },
            "current_path": request.full_path.rstrip("?") if request else "/",
            "has_endpoint": lambda name: name in current_app.view_functions,
            "user": current_user,
        }
