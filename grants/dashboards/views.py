"""Dashboards with charts: one round at a glance, and the funder's overview across editions.

Charts are SVG strings made on the server by ``grants.rules.charts`` (which escapes every text it is
given), inlined in the page next to a table of the same numbers.  Figures come from
``grants.dashboards.operations`` in a constant number of queries.
"""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from grants.dashboards import operations as dashboards
from grants.models import District
from grants.platform import i18n, numbers
from grants.platform.web import admin as bp
from grants.rules import charts


def _lang() -> str:
    return i18n.HTML_LANG.get(str(get_locale() or "zh_Hant"), "zh-Hant")


def _district_label(code: str) -> str:
    try:
        return str(i18n.DISTRICT_LABELS[District(code)])
    except (ValueError, KeyError):
        return code


def _group_label(code: str) -> str:
    if code == "others":
        return _("Others")
    label = i18n.TARGET_GROUP_LABELS.get(code)
    return str(label) if label else code


def _served_charts(by_group: dict[str, int], by_district: dict[str, int], lang: str, suffix: str) -> dict:
    """Person-times served by target group and by district: rows for the tables and the two charts."""
    none_yet = _("No report counted yet.")
    group_rows = [(_group_label(code), n) for code, n in by_group.items()]
    district_rows = [(_district_label(code), n) for code, n in by_district.items()]
    return {
        "group_rows": group_rows, "district_rows": district_rows,
        "group_svg": charts.bar_chart(
            group_rows, title=_("Person-times served by target group"), value_label=_("Person-times"),
            empty_text=none_yet, lang=lang, ident=f"served-group{suffix}", color=charts.PALETTE["ok"]),
        "district_svg": charts.bar_chart(
            district_rows, title=_("Person-times served by district"), value_label=_("Person-times"),
            empty_text=none_yet, lang=lang, ident=f"served-district{suffix}", color=charts.PALETTE["ok"]),
    }


@bp.route("/rounds/<int:round_id>/dashboard")
def round_dashboard(round_id: int):
    fig = dashboards.round_figures(round_id) or abort(404)
    rnd = fig.round
    lang = _lang()
    no_data = _("No data yet.")
    names = {c.id: i18n.label(c) for c in fig.categories}

    def category_name(cid):
        return names.get(cid) or _("No category")

    deadline_label = _("Deadline %(day)s", day=fig.deadline_day.isoformat())
    submissions_svg = charts.step_chart(
        fig.cumulative, title=_("Proposals received over time"), x_label=_("Day (Beijing time)"),
        y_label=_("Proposals received (cumulative)"), marker=(fig.deadline_day, deadline_label),
        empty_text=no_data, lang=lang, ident="submissions",
        desc=_("%(n)s proposals received; deadline %(day)s.", n=fig.received, day=fig.deadline_day.isoformat()),
    )
    category_rows = [(category_name(cid), n) for cid, n in fig.by_category]
    category_svg = charts.bar_chart(
        category_rows if fig.received else [], title=_("Proposals by category"), value_label=_("Proposals"),
        empty_text=no_data, lang=lang, ident="by-category")
    district_rows = [(_district_label(code), n) for code, n in fig.by_district.items()]
    district_svg = charts.bar_chart(
        district_rows, title=_("Proposals by district served"), value_label=_("Proposals"),
        empty_text=no_data, lang=lang, ident="by-district")
    reviewer_rows = [(r.name, r.submitted, r.assigned) for r in fig.reviewers]
    progress_svg = charts.grouped_bar_chart(
        reviewer_rows, title=_("Written reviews per reviewer"), value_name=_("Submitted"),
        reference_name=_("Assigned"), value_label=_("Reviews"), empty_text=_("No reviewer has been assigned yet."),
        lang=lang, ident="review-progress")
    edges = fig.bin_edges
    bin_labels = [f"{edges[i]}–{edges[i + 1]}" for i in range(len(edges) - 1)]
    histograms = []
    for cid, counts in fig.histogram.items():
        title = _("Mean written score: %(category)s", category=category_name(cid))
        histograms.append({
            "name": category_name(cid),
            "counts": list(zip(bin_labels, counts, strict=True)),
            "total": sum(counts),
            "svg": charts.histogram(
                list(zip(bin_labels, counts, strict=True)), title=title, x_label=_("Mean written review total (points)"),
                y_label=_("Proposals"), empty_text=no_data, lang=lang, ident=f"scores-{cid}",
                edges=[str(e) for e in edges]),
        })
    threshold = rnd.disagreement_threshold
    flags_svg = charts.bar_chart(
        [(_("Range above threshold"), fig.flagged_range), (_("Standard deviation above threshold"), fig.flagged_sd),
         (_("Either"), fig.flagged_any)] if fig.scored else [],
        title=_("Proposals with disagreeing reviewers"), value_label=_("Proposals"), empty_text=no_data,
        lang=lang, ident="disagreement", color=charts.PALETTE["warn"])
    quota_of = {c.id: c.quota for c in fig.categories}
    funding_rows = [(category_name(cid), total, quota_of.get(cid)) for cid, _n, total in fig.funded_by_category]
    funding_svg = charts.grouped_bar_chart(
        funding_rows if fig.funded_projects else [], title=_("Funds awarded by category vs quota"),
        value_name=_("Awarded"), reference_name=_("Quota"), value_label=_("Yuan"), fmt=numbers.money,
        empty_text=_("No awards yet."), lang=lang, ident="funding-category")
    funding_district_rows = [(_district_label(code), total) for code, total in fig.funded_by_district.items()]
    funding_district_svg = charts.bar_chart(
        funding_district_rows, title=_("Funds awarded by district served"), value_label=_("Yuan"), fmt=numbers.money,
        empty_text=_("No awards yet."), lang=lang, ident="funding-district")
    results = fig.outcomes.total
    served = _served_charts(fig.outcomes.by_group, fig.outcomes.by_district, lang, "")
    return render_template(
        "dashboards/round_dashboard.html", rnd=rnd, fig=fig, results=results, served=served,
        submissions_svg=submissions_svg, category_svg=category_svg, district_svg=district_svg,
        progress_svg=progress_svg, histograms=histograms, flags_svg=flags_svg, funding_svg=funding_svg,
        funding_district_svg=funding_district_svg, category_rows=category_rows, district_rows=district_rows,
        funding_rows=[(name, n, total, quota_of.get(cid))
                      for (name, total, _q), (cid, n, _t) in zip(funding_rows, fig.funded_by_category, strict=True)],
        funding_district_rows=funding_district_rows, percent=numbers.percent, threshold=threshold,
    )


@bp.route("/overview")
def overview():
    data = dashboards.overview()
    lang = _lang()
    no_data = _("No data yet.")

    def edition_label(e):
        return _("Edition %(n)s", n=e.edition)

    funds_svg = charts.grouped_bar_chart(
        [(edition_label(e), e.funds_paid, e.funds_granted) for e in data.editions if e.funded_projects],
        title=_("Funds paid and granted per edition"), value_name=_("Funds paid"), reference_name=_("Funds granted"),
        value_label=_("Yuan"), fmt=numbers.money, empty_text=no_data, lang=lang, ident="funds-per-edition")
    projects_svg = charts.grouped_bar_chart(
        [(edition_label(e), e.funded_projects, e.received) for e in data.editions],
        title=_("Projects funded and proposals received per edition"), value_name=_("Projects funded"),
        reference_name=_("Proposals received"), empty_text=no_data, lang=lang, ident="projects-per-edition")
    people_svg = charts.bar_chart(
        [(edition_label(e), e.person_times) for e in data.editions if e.funded_projects],
        title=_("Person-times served per edition"), value_label=_("Person-times"), empty_text=no_data, lang=lang,
        ident="people-per-edition", color=charts.PALETTE["ok"])
    served = _served_charts(data.by_group, data.by_district, lang, "-all")
    return render_template("dashboards/overview.html", data=data, funds_svg=funds_svg, projects_svg=projects_svg,
                           people_svg=people_svg, served=served, edition_label=edition_label)


@bp.app_template_global("funder_totals")
def funder_totals() -> dashboards.Overview:
    """The overview figures for the admin dashboard (seven queries, only when a template asks)."""
    return dashboards.overview()
