"""From scores to decisions: the ranking, the roadshow (路演) and the allocation of the funding pool."""

from __future__ import annotations

import html
import io
from decimal import Decimal

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from grants import allocation, audit
from grants.admin.views import bp
from grants.extensions import db
from grants.forms import BaseForm, MoneyField
from grants.models import Proposal, ProposalStatus, Role, Round, User
from grants.operations import awards as awards_ops
from grants.operations import ranking as ranking_ops
from grants.operations import roadshow as roadshow_ops
from grants.pdf import render_template_to_pdf

BASIS_LABELS = {
    "trimmed": _l("Trimmed mean (drop the highest and the lowest)"),
    "mean": _l("Mean"),
    "median": _l("Median"),
    "standardised": _l("Standardised score"),
}
STAGE_LABELS = {"written": _l("Written review"), "roadshow": _l("Roadshow")}
REASON_LABELS = {
    allocation.VETOED: _l("vetoed"),
    allocation.INELIGIBLE: _l("not eligible"),
    allocation.BELOW_MIN_SCORE: _l("below the minimum score"),
    allocation.POOL_EXHAUSTED: _l("pool exhausted"),
    allocation.QUOTA_EXHAUSTED: _l("category quota exhausted"),
    allocation.NOT_REACHED: _l("not reached"),
    allocation.NOT_SELECTED: _l("not selected"),
}
METHOD_LABELS = {"rank_order": _l("Rank order"), "max_score": _l("Maximum total score"), "adjusted": _l("Adjusted")}


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
    data = ranking_ops.round_scores(rnd, basis)
    category = request.args.get("category", "")
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
    cells = data.memo(("cells", stage, tuple(rid_order) if reviewer_columns else None),
                      lambda: {r.id: _row_cells(r, stage, rid_order if reviewer_columns else None) for r in data.rows})
    dq = _("DQ")
    veto_title = _("Vetoed")
    lines = [_row_html(r, *cells[r.id], explanations[getattr(r, decided_attr)],
                       r.category_rank if category else r.rank, r.rank if category else r.category_rank,
                       not category, dq, veto_title) for r in rows]
    return render_template(
        "admin/ranking.html", rnd=rnd, data=data, rows=rows, lines=lines, stage=stage, basis=basis, category=category,
        reviewers=reviewers, reviewer_columns=reviewer_columns,
        explanations=explanations, basis_labels=BASIS_LABELS, stage_labels=STAGE_LABELS,
        basis_form=BasisForm(basis=basis), threshold=data.config.disagreement_threshold,
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
        out += "<td class=rv>" + "".join(f"<span>{v[0]}{_VETO if v[1] else ''}</span>" for v in t.values()) + "</td>"
    out += (f"<td class=n>{_blank(r.written)}</td><td class=n>{_blank(r.roadshow)}</td>"
            f"<td class=n><strong>{_blank(r.score)}</strong></td>")
    css = "dq" if r.disqualified else ("flag" if s is not None and s.flagged else "")
    return css, Markup(out)  # noqa: S704  # nosec B704 (numbers and constant marks only, see the docstring)


_VETO = " <span class=veto-mark>\u2717</span>"


def _row_html(r: ranking_ops.Row, css: str, cells: Markup, why: str, first, second, show_category: bool,
              dq: str, veto_title: str) -> Markup:
    """One ranking row.  Built in Python because Jinja pays a Markup object per ``{{ }}`` and the page
    lists thousands of rows; every text goes through ``html.escape`` (quotes included)."""
    esc = html.escape
    name = esc(r.name)
    if r.vetoed:
        name += f' <span class=veto-mark title="{esc(veto_title)}">\u2717</span>'
    first_txt = esc(dq) if first is None else str(first)
    second_txt = "" if second is None else str(second)
    category = f"<td>{esc(r.category)}</td>" if show_category else ""
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
    from openpyxl import Workbook

    rnd = _round(round_id)
    basis = request.args.get("basis") if request.args.get("basis") in ranking_ops.BASES else rnd.score_basis
    data = ranking_ops.round_scores(rnd, basis)
    names = ranking_ops.reviewer_names(rnd.id)
    lang = _lang()
    wb = Workbook(write_only=True)
    summary = wb.create_sheet(_("Summary"))
    summary.append([_("Rank"), _("Rank in category"), _("Number"), _("Blind code"), _("Project"), _("Organization"),
                    _("Category"), _("Written score"), _("Roadshow score"), _("Score"), _("Disqualified"),
                    _("Tie-break")])
    for r in data.rows:
        summary.append([r.rank, r.category_rank, r.number, r.blind_code, r.name, r.organization, r.category,
                        _num(r.written), _num(r.roadshow), _num(r.score), _("yes") if r.disqualified else "",
                        ranking_ops.explain(r.decided_by, data.rubrics, lang)])
    by_stage: dict[str, list] = {}
    for rv in ranking_ops.review_rows(rnd.id, with_scores=True):
        by_stage.setdefault(str(rv[2]), []).append(rv)
    info = {r.id: r for r in data.rows}
    for stage in ranking_ops.STAGES:
        rub = data.rubrics.get(stage)
        keys = [c.key for c in rub.criteria] if rub else []
        labels = [c.label.get(lang) for c in rub.criteria] if rub else []
        reviews = by_stage.get(stage, [])
        for rv in reviews:
            for k in rv[5] or {}:
                if k not in keys:
                    keys.append(k)
                    labels.append(k)
        sheet = wb.create_sheet(str(STAGE_LABELS[stage]))
        sheet.append([_("Number"), _("Blind code"), _("Project"), _("Reviewer"), *labels, _("Bonus"), _("Total"),
                      _("Vetoed"), _("Submitted at")])
        for rv in reviews:
            p = info.get(rv[0])
            if p is None:
                continue
            scores = rv[5] or {}
            bonus = sum((Decimal(str(v)) for v in (rv[6] or {}).values() if v not in (None, "")), Decimal(0))
            sheet.append([p.number, p.blind_code, p.name, names.get(rv[1], str(rv[1])),
                          *[_num(scores.get(k)) for k in keys], _num(bonus), _num(rv[3]),
                          _("yes") if rv[4] else "", rv[8].replace(tzinfo=None) if rv[8] else None])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return send_file(buf, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name=f"score-matrix-round-{rnd.edition}.xlsx")


def _num(value):
    if value is None or value == "":
        return None
    try:
        return float(Decimal(str(value)))  # spreadsheet cells are numbers; the page keeps Decimals
    except ArithmeticError:
        return str(value)


# --------------------------------------------------------------------------- roadshow


class ShortlistRankForm(BaseForm):
    top_n = IntegerField(_l("How many"), validators=[InputRequired(), NumberRange(min=1, max=500)], default=12)
    per_category = BooleanField(_l("In each category"))


class ShortlistHandForm(BaseForm):
    proposals = SelectMultipleField(_l("Projects"), coerce=int, validators=[Optional()],
                                    widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class DrawForm(BaseForm):
    seed = StringField(_l("Seed (leave blank to generate one)"), validators=[Optional(), Length(max=64)])


class PanelForm(BaseForm):
    judges = SelectMultipleField(_l("Judges"), coerce=int, validators=[Optional()],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


def _roadshow_forms(rnd, data=None):
    rank_form = ShortlistRankForm(prefix="rank")
    hand_form = ShortlistHandForm(prefix="hand")
    draw_form = DrawForm(prefix="draw")
    panel_form = PanelForm(prefix="panel")
    rows = db.session.execute(
        select(Proposal.id, Proposal.number, Proposal.name)
        .where(Proposal.round_id == rnd.id,
               Proposal.status.in_([ProposalStatus.eligible, ProposalStatus.shortlisted]))
        .order_by(Proposal.number, Proposal.id)
    ).all()
    hand_form.proposals.choices = [SelectChoice(pid, f"{number or pid} {name}") for pid, number, name in rows]
    reviewers = db.session.execute(
        select(User.id, User.name).where(User.role == Role.reviewer, User.active.is_(True)).order_by(User.name)
    ).all()
    panel_form.judges.choices = [SelectChoice(uid, name) for uid, name in reviewers]
    return rank_form, hand_form, draw_form, panel_form


@bp.route("/rounds/<int:round_id>/roadshow")
def roadshow(round_id: int):
    rnd = _round(round_id)
    rank_form, hand_form, draw_form, panel_form = _roadshow_forms(rnd)
    slots = roadshow_ops.slots(rnd.id)
    hand_form.proposals.data = [s["proposal_id"] for s in slots]
    judges = roadshow_ops.panel(rnd.id)
    panel_form.judges.data = [uid for uid, _name in judges]
    return render_template("admin/roadshow.html", rnd=rnd, slots=slots, judges=judges, check=roadshow_ops.verify_draw(rnd),
                           rank_form=rank_form, hand_form=hand_form, draw_form=draw_form, panel_form=panel_form)


@bp.route("/rounds/<int:round_id>/roadshow/shortlist", methods=["POST"])
def roadshow_shortlist(round_id: int):
    rnd = _round(round_id)
    rank_form, hand_form, _draw, _panel = _roadshow_forms(rnd)
    try:
        if request.form.get("mode") == "rank":
            if not rank_form.validate_on_submit():
                flash(_("Enter how many projects to shortlist (1 to 500)."), "error")
                return redirect(url_for("admin.roadshow", round_id=rnd.id))
            data = ranking_ops.round_scores(rnd)
            ids = roadshow_ops.shortlist_ids_by_rank(data, rank_form.top_n.data, rank_form.per_category.data)
            added = roadshow_ops.shortlist(rnd, ids, replace=True)
        else:
            if not hand_form.validate_on_submit():
                flash(_("Choose projects from the list."), "error")
                return redirect(url_for("admin.roadshow", round_id=rnd.id))
            added = roadshow_ops.shortlist(rnd, hand_form.proposals.data or [], replace=True)
    except roadshow_ops.RoadshowError as exc:
        db.session.rollback()
        flash(_(str(exc)), "error")
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    db.session.commit()
    flash(_("The shortlist has been saved (%(added)d added).", added=added), "success")
    return redirect(url_for("admin.roadshow", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/roadshow/unshortlist/<int:proposal_id>", methods=["POST"])
def roadshow_unshortlist(round_id: int, proposal_id: int):
    rnd = _round(round_id)
    try:
        roadshow_ops.remove_from_shortlist(rnd, proposal_id)
    except roadshow_ops.RoadshowError as exc:
        db.session.rollback()
        flash(_(str(exc)), "error")
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    db.session.commit()
    flash(_("The project has been removed from the shortlist; draw the order again."), "success")
    return redirect(url_for("admin.roadshow", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/roadshow/draw", methods=["POST"])
def roadshow_draw(round_id: int):
    rnd = _round(round_id)
    form = DrawForm(prefix="draw")
    if not form.validate_on_submit():
        flash(_("The seed must be 1 to 64 characters."), "error")
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    try:
        roadshow_ops.draw(rnd, form.seed.data or None)
    except roadshow_ops.RoadshowError as exc:
        db.session.rollback()
        flash(_(str(exc)), "error")
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    db.session.commit()
    flash(_("The presentation order has been drawn with seed %(seed)s.", seed=rnd.roadshow_seed), "success")
    return redirect(url_for("admin.roadshow", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/roadshow/panel", methods=["POST"])
def roadshow_panel(round_id: int):
    rnd = _round(round_id)
    _rank, _hand, _draw, form = _roadshow_forms(rnd)
    if not form.validate_on_submit():
        flash(_("Choose judges from the list."), "error")
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    try:
        ids = roadshow_ops.set_panel(rnd, form.judges.data or [], current_user.id)
    except roadshow_ops.RoadshowError as exc:
        db.session.rollback()
        flash(_(str(exc)), "error")
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    db.session.commit()
    flash(_("The judge panel has been saved (%(n)d judges).", n=len(ids)), "success")
    return redirect(url_for("admin.roadshow", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/roadshow/order.pdf")
def roadshow_order_pdf(round_id: int):
    rnd = _round(round_id)
    slots = [s for s in roadshow_ops.slots(rnd.id) if s["position"] is not None]
    if not slots:
        flash(_("Draw the presentation order first."), "error")
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    context = {
        "title": _("Roadshow presentation order"), "round_name": rnd.name, "issuer": rnd.issuer,
        "seed": rnd.roadshow_seed or "", "lang": {"zh_Hans": "zh-Hans", "en": "en"}.get(_lang(), "zh-Hant"),
        "present_minutes": rnd.roadshow_present_minutes, "qa_minutes": rnd.roadshow_qa_minutes,
        "rows": [{"position": s["position"], "number": s["number"], "name": s["name"],
                  "organization": s["organization"], "category": s["category"]} for s in slots],
        "labels": {"position": _("Order"), "number": _("Number"), "name": _("Project"),
                   "organization": _("Organization"), "category": _("Category"),
                   "seed": _("Drawn by lot with seed"),
                   "method": _("Order = projects sorted by SHA-256(seed + \":\" + number), ascending."),
                   "timing": _("Each project: %(p)d minutes presentation + %(q)d minutes questions.",
                               p=rnd.roadshow_present_minutes, q=rnd.roadshow_qa_minutes)},
    }
    pdf = render_template_to_pdf(current_app.jinja_env, "pdf/roadshow_order.html", context)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"roadshow-order-round-{rnd.edition}.pdf")


@bp.route("/rounds/<int:round_id>/roadshow/host")
def roadshow_host(round_id: int):
    rnd = _round(round_id)
    return render_template("admin/roadshow_host.html", rnd=rnd, status=roadshow_ops.host_status(rnd),
                           slots=roadshow_ops.slots(rnd.id))


@bp.route("/rounds/<int:round_id>/roadshow/status.json")
def roadshow_status(round_id: int):
    rnd = _round(round_id)
    response = jsonify(roadshow_ops.host_status(rnd))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/rounds/<int:round_id>/roadshow/next", methods=["POST"])
def roadshow_next(round_id: int):
    rnd = _round(round_id)
    try:
        nxt = roadshow_ops.next_project(rnd)
    except roadshow_ops.RoadshowError as exc:
        db.session.rollback()
        flash(_(str(exc)), "error")
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    db.session.commit()
    if nxt is None:
        flash(_("That was the last project: the roadshow is over."), "success")
    return redirect(url_for("admin.roadshow_host", round_id=rnd.id))


# --------------------------------------------------------------------------- allocation


class AdjustForm(BaseForm):
    proposal_id = HiddenField(validators=[DataRequired()])
    amount = MoneyField(_l("Approved amount"), validators=[InputRequired(_l("Enter the approved amount."))])
    reason = TextAreaField(_l("Reason for the change"),
                           validators=[DataRequired(_l("An adjustment needs a reason.")), Length(max=1000)])


class ChooseForm(BaseForm):
    method = StringField(validators=[DataRequired()])


def _allocation_page(rnd, adjust_form=None, adjust_for=None, status=200):
    plan = awards_ops.plans(rnd)
    awards = awards_ops.award_rows(rnd.id)
    info = plan.ranking.by_id
    total = sum((Decimal(a.amount) for a in awards if not a.withdrawn), Decimal(0))
    by_cat: dict[str, Decimal] = {}
    for a in awards:
        if not a.withdrawn and a.proposal_id in info:
            cat = info[a.proposal_id].category
            by_cat[cat] = by_cat.get(cat, Decimal(0)) + Decimal(a.amount)
    quotas = [{"name": name, "quota": plan.quotas.get(name), "used": by_cat.get(name, Decimal(0)),
               "rank_order": plan.rank_order.category_totals().get(name, Decimal(0)),
               "max_score": plan.max_score.category_totals().get(name, Decimal(0))}
              for _cid, name in plan.ranking.categories]
    ms = {r.proposal_id: r for r in plan.max_score.rows}
    side = [{"row": r, "info": info[r.proposal_id], "max": ms[r.proposal_id]} for r in plan.rank_order.rows]
    award_list = [{"award": a, "info": info.get(a.proposal_id)} for a in awards]
    diff = {"a": ", ".join(info[p].number for p in plan.comparison.only_rank_order) or "—",
            "b": ", ".join(info[p].number for p in plan.comparison.only_max_score) or "—"}
    return render_template(
        "admin/allocation.html", rnd=rnd, plan=plan, side=side, quotas=quotas, awards=award_list, total=total,
        remaining=plan.pool - total, reason_labels=REASON_LABELS, method_labels=METHOD_LABELS,
        adjust_form=adjust_form, adjust_for=adjust_for, blank_form=AdjustForm(formdata=None),
        choose_form=ChooseForm(formdata=None), info=info, diff=diff,
    ), status


@bp.route("/rounds/<int:round_id>/allocation", endpoint="allocation")
def allocation_page(round_id: int):
    return _allocation_page(_round(round_id))


@bp.route("/rounds/<int:round_id>/allocation/choose", methods=["POST"])
def allocation_choose(round_id: int):
    rnd = _round(round_id)
    form = ChooseForm()
    if not form.validate_on_submit() or form.method.data not in awards_ops.METHODS:
        flash(_("Choose one of the two methods."), "error")
        return redirect(url_for("admin.allocation", round_id=rnd.id))
    written = awards_ops.write_awards(rnd, form.method.data)
    db.session.commit()
    flash(_("%(n)d awards written with the method: %(method)s.", n=len(written),
            method=METHOD_LABELS[form.method.data]), "success")
    return redirect(url_for("admin.allocation", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/allocation/adjust", methods=["POST"])
def allocation_adjust(round_id: int):
    rnd = _round(round_id)
    form = AdjustForm()
    try:
        pid = int(form.proposal_id.data or 0)
    except ValueError:
        pid = 0
    if db.session.scalar(select(Proposal.id).where(Proposal.id == pid, Proposal.round_id == rnd.id)) is None:
        abort(404)
    if not form.validate_on_submit():
        return _allocation_page(rnd, form, pid, 400)
    try:
        left = awards_ops.adjust(rnd, pid, form.amount.data, form.reason.data)
    except allocation.AdjustmentError as exc:
        db.session.rollback()
        form.amount.errors = [_adjustment_message(str(exc))]
        return _allocation_page(rnd, form, pid, 400)
    db.session.commit()
    flash(_("The approved amount has been changed. Left in the pool: %(left)s.", left=_money(left)), "success")
    return redirect(url_for("admin.allocation", round_id=rnd.id))


def _money(value) -> str:
    from grants.templating import money

    return money(value)


def _adjustment_message(message: str) -> str:
    """allocation.AdjustmentError messages (English, with figures) as a sentence for the page."""
    import re

    if "left of the pool" in message:
        left = message.rsplit(":", 1)[-1].strip()
        return _("This amount exceeds what is left of the pool: %(left)s.", left=_money(left))
    if "quota" in message:
        left = message.rsplit(":", 1)[-1].strip()
        return _("This amount exceeds what is left of the category quota: %(left)s.", left=_money(left))
    if "exceeds the requested" in message:
        return _("The approved amount cannot exceed the requested amount (%(req)s).",
                 req=_money(message.rsplit(" ", 1)[-1]))
    if "per-project cap" in message:
        return _("The approved amount cannot exceed the cap per project (%(cap)s).",
                 cap=_money(message.rsplit(" ", 1)[-1]))
    if "greater than 0" in message:
        return _("The approved amount must be greater than zero.")
    if "needs a reason" in message:
        return _("An adjustment needs a reason.")
    if re.search(r"cannot be funded", message):
        return _("This project cannot be funded (vetoed, not eligible or below the minimum score).")
    return _("This amount cannot be approved.")
