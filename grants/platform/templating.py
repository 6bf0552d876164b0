"""Template globals and filters: local times, money and numbers, labels, the language menu.

Numbers go through ``grants.platform.numbers`` and times through ``grants.platform.localtime``,
so a page, a PDF and a spreadsheet print the same figure the same way.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from grants.platform import i18n, localtime, numbers
from grants.platform.pdf import no_widow

money = numbers.money  # kept for callers that import it from here (grants/allocation/views.py)


def local_dt(value, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored (UTC) datetime in the round's local time, as a CLDR pattern ``fmt``; "—" for None."""
    return format_datetime(localtime.to_local(value), fmt, rebase=False) if value else "—"


def init_app(app):
    app.jinja_env.filters["money"] = numbers.money
    app.jinja_env.filters["amount"] = numbers.amount
    app.jinja_env.filters["score"] = numbers.score
    app.jinja_env.filters["integer"] = numbers.integer
    app.jinja_env.filters["percent"] = numbers.percent
    app.jinja_env.filters["local_dt"] = local_dt
    app.jinja_env.filters["category_label"] = i18n.category_label  # {{ row.category|category_label(rnd) }}
    app.jinja_env.filters["label"] = i18n.label  # {{ rnd|label }}, {{ rnd|label("issuer") }}, {{ category|label }}
    app.jinja_env.filters["no_widow"] = no_widow

    @app.context_processor
    def globals_():
        locale = str(get_locale() or "zh_Hant")
        return {
            "current_locale": locale,
            # "label: value" as each language writes it (Chinese: a full-width colon, no space)
            "colon": "：" if locale.startswith("zh") else ": ",
            "stop": "。" if locale.startswith("zh") else ".",  # the full stop after a sentence built in a template
            "comma": "，" if locale.startswith("zh") else ", ",
            "lp": "（" if locale.startswith("zh") else " (",  # HTML folds a doubled space
            "rp": "）" if locale.startswith("zh") else ")",
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
