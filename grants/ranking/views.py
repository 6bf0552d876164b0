"""The ranking of a round: scores per basis, disagreement flags, tie-breaks, the score-matrix export."""

from __future__ import annotations

import html

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import DataRequired

from grants.extensions import db
from grants.models import Round
from grants.platform import audit, exports, i18n
from grants.platform.forms import BaseForm
from grants.platform.web import admin as bp
from grants.ranking import exports as ranking_exports
from grants.ranking import operations as ranking_ops
from grants.ranking import page as ranking_page

BASIS_LABELS = {
    "trimmed": _l("Trimmed mean (drop the highest and the lowest)"),
    "mean": _l("Mean"),
    "median": _l("Median"),
    "standardised": _l("Standardised score"),
}
STAGE_LABELS = {"written": _l("Written review"), "roadshow": _l("Roadshow")}


def _round(round_id: int) -> Round:
    return db.session.get(Round, round_id) or abort(404)


def _lang() -> str:
    return str(get_locale() or "zh_Hant")


# --------------------------------------------------------------------------- ranking


class BasisForm(BaseForm):
    basis = StringField(validators=[DataRequired()])


@bp.route("/rounds/<int:round_id>/ranking")
def ranking(round_id: int):
    rnd = _round(round_id)
    basis = request.args.get("basis")
    basis = basis if basis in ranking_ops.BASES else rnd.score_basis
    stage = request.args.get("stage") if request.args.get("stage") in ranking_ops.STAGES else "written"
    category = request.args.get("category", "")
    fast = ranking_page.page_data(rnd, basis)
    if fast is not None:
        return _fast_page(rnd, fast, basis, stage, category)
    data = ranking_ops.round_scores(rnd, basis)  # the round's aggregates are not built yet: from the reviews
    names = {name for _cid, name in data.categories}
    if category and category in names:
        rows = data.category_rows(category)
        decided_attr = "category_decided_by"
    else:
        category = ""
        rows = data.rows
        decided_attr = "decided_by"
    lang = _lang()
    explanations = {}
    for row in rows:
        key = getattr(row, decided_attr)
        if key not in explanations:
            explanations[key] = ranking_ops.explain(key, data.rubrics, lang)
    reviewers = data.reviewers.get(stage, [])
    reviewer_columns = len(reviewers) <= 12
    rid_order = [rid for rid, _name in reviewers]
    columns = rid_order if reviewer_columns else None
    dq = _("DQ")
    veto_title = _("Vetoed")
    # built afresh on every request from the rows just read (no rendered HTML is kept between requests)
    category_names = {c.name: i18n.label(c) for c in rnd.categories}  # as given -> the reader's language
    lines = [_row_html(r, *_row_cells(r, stage, columns), explanations[getattr(r, decided_attr)],
                       r.category_rank if category else r.rank, r.rank if category else r.category_rank,
                       not category, dq, veto_title, category_names) for r in rows]
    return render_template(
        "ranking/ranking.html", rnd=rnd, data=data, rows=rows, lines=lines, stage=stage, basis=basis, category=category,
        reviewers=reviewers, reviewer_columns=reviewer_columns,
        explanations=explanations, basis_labels=BASIS_LABELS, stage_labels=STAGE_LABELS,
        basis_form=BasisForm(basis=basis), threshold=data.config.disagreement_threshold,
    )


def _fast_page(rnd: Round, data: ranking_page.PageData, basis: str, stage: str, category: str):
    """The page from ``grants.ranking.page`` (stored aggregates, fast ranking, cached per round version)."""
    if category not in {name for _cid, name in data.categories}:
        category = ""
    lang = _lang()
    c = data.computed
    decided = {line.category_decided_by if category else line.decided_by
               for line in (c.ranking.by_category.get(category, []) if category else c.ranking.ranked)}
    decided.add(None)
    why = {key: ranking_ops.explain(key, data.rubrics, lang) for key in decided}
    words = {"dq": _("DQ"), "veto_title": _("Vetoed"), "why": why,
             "categories": {cat.name: i18n.label(cat) for cat in rnd.categories}}
    reviewers = data.reviewers.get(stage, [])
    lines = ranking_page.row_lines(data, stage, category, words)
    # one Markup for the table body: every text in it was escaped by row_lines
    body = Markup("".join(lines))  # noqa: S704  # nosec B704
    return render_template(
        "ranking/ranking.html", rnd=rnd, data=data, rows=lines, lines=[body], stage=stage, basis=basis,
        category=category, reviewers=reviewers, reviewer_columns=len(reviewers) <= 12,
        basis_labels=BASIS_LABELS, stage_labels=STAGE_LABELS, basis_form=BasisForm(basis=basis),
        threshold=data.config.disagreement_threshold,
    )


def _row_cells(r: ranking_ops.Row, stage: str, reviewer_ids: list[int] | None) -> tuple[str, Markup]:
    """The numeric cells of one ranking row, built here rather than cell by cell in Jinja: only numbers
    (Decimal/int) and fixed marks go in, so nothing needs escaping, and 3,000 rows render fast."""
    s = r.stats.get(stage)
    t = r.totals.get(stage, {})
    if s is not None:
        trim = "" if s.trimmed else "*"
        flag = " \u2691" if s.flagged else ""
        out = (f"<td class=n>{s.n}</td><td class=n>{s.mean}</td><td class=n>{s.median}</td>"
               f"<td class=n>{s.trimmed_mean}{trim}</td><td class=n>{s.standardised}</td>"
               f"<td class='n flagcell'>{s.score_range}{flag}</td><td class=n>{s.sd}</td>")
    else:
        out = "<td class=n>0</td><td></td><td></td><td></td><td></td><td></td><td></td>"
    if reviewer_ids is not None:
        parts = []
        for rid in reviewer_ids:
            v = t.get(rid)
            parts.append("<td class=n></td>" if v is None else
                         f"<td class=n>{v[0]}{_VETO if v[1] else ''}</td>")
        out += "".join(parts)
    else:
        out += "<td class=rv>" + "".join([f"<span>{v[0]}{_VETO if v[1] else ''}</span>" for v in t.values()]) + "</td>"
    out += (f"<td class=n>{_blank(r.written)}</td><td class=n>{_blank(r.roadshow)}</td>"
            f"<td class=n><strong>{_blank(r.score)}</strong></td>")
    css = "dq" if r.disqualified else ("flag" if s is not None and s.flagged else "")
    return css, Markup(out)  # noqa: S704  # nosec B704 (numbers and constant marks only, see the docstring)


_VETO = " <span class=veto-mark>\u2717</span>"


def _row_html(r: ranking_ops.Row, css: str, cells: Markup, why: str, first, second, show_category: bool,
              dq: str, veto_title: str, category_names: dict | None = None) -> Markup:
    """One ranking row.  Built in Python because Jinja pays a Markup object per ``{{ }}`` and the page
    lists thousands of rows; every text goes through ``html.escape`` (quotes included)."""
    esc = html.escape
    name = esc(r.name)
    if r.vetoed:
        name += f' <span class=veto-mark title="{esc(veto_title)}">\u2717</span>'
    first_txt = esc(dq) if r.disqualified else ("" if first is None else str(first))  # unscored: no rank yet
    second_txt = "" if second is None else str(second)
    category = f"<td>{esc((category_names or {}).get(r.category, r.category))}</td>" if show_category else ""
    return Markup(  # noqa: S704  # nosec B704 (every text escaped above; cells hold numbers only)
        f'<tr class="{css}"><td class=n>{first_txt}</td><td class=n>{second_txt}</td>'
        f"<td class='mono nowrap'>{esc(r.number)}</td><td class=pname>{name}</td><td class=oname>{esc(r.organization)}</td>{category}"
        f"{cells}<td class=why>{esc(why)}</td></tr>\n"
    )


def _blank(value) -> str:
    return "" if value is None else str(value)


@bp.route("/rounds/<int:round_id>/ranking/basis", methods=["POST"])
def ranking_basis(round_id: int):
    rnd = _round(round_id)
    form = BasisForm()
    if not form.validate_on_submit() or form.basis.data not in ranking_ops.BASES:
        flash(_("Choose one of the listed score bases."), "error")
        return redirect(url_for("admin.ranking", round_id=rnd.id))
    old = rnd.score_basis
    rnd.score_basis = form.basis.data
    audit.record("set_score_basis", rnd, old=old, new=rnd.score_basis)
    db.session.commit()
    flash(_("The round now ranks by: %(basis)s.", basis=BASIS_LABELS[rnd.score_basis]), "success")
    return redirect(url_for("admin.ranking", round_id=rnd.id, basis=rnd.score_basis))


@bp.route("/rounds/<int:round_id>/ranking/matrix.xlsx")
def score_matrix_export(round_id: int):
    rnd = _round(round_id)
    basis = request.args.get("basis") if request.args.get("basis") in ranking_ops.BASES else rnd.score_basis
    return exports.xlsx_response(ranking_exports.score_matrix_sheets(rnd, basis), ranking_exports.filename(rnd))


