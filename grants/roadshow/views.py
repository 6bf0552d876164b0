"""The roadshow (路演): shortlist, draw by lot, panel, host screen and order sheet."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from grants.extensions import db
from grants.models import Proposal, ProposalStatus, Role, Round, User
from grants.platform import downloads, i18n, pdf, refusals
from grants.platform.forms import BaseForm, IntegerField
from grants.platform.web import admin as bp
from grants.ranking import operations as ranking_ops
from grants.roadshow import operations as roadshow_ops
from grants.rules.refusal import Refusal

STAGE_LABELS = {"written": _l("Written review"), "roadshow": _l("Roadshow")}


def _round(round_id: int) -> Round:
    return db.session.get(Round, round_id) or abort(404)


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
    return render_template("roadshow/roadshow.html", rnd=rnd, slots=slots, judges=judges, check=roadshow_ops.verify_draw(rnd),
                           rank_form=rank_form, hand_form=hand_form, draw_form=draw_form, panel_form=panel_form)


@bp.route("/rounds/<int:round_id>/roadshow/shortlist", methods=["POST"])
def roadshow_shortlist(round_id: int):
    rnd = _round(round_id)
    rank_form, hand_form, _draw, _panel = _roadshow_forms(rnd)
    try:
        if request.form.get("mode") == "rank":
            if not rank_form.validate_on_submit():
                refusals.flash_refusal(Refusal("roadshow_top_n", field="top_n"))
                return redirect(url_for("admin.roadshow", round_id=rnd.id))
            data = ranking_ops.round_scores(rnd)
            ids = roadshow_ops.shortlist_ids_by_rank(data, rank_form.top_n.data, rank_form.per_category.data)
            added = roadshow_ops.shortlist(rnd, ids, replace=True)
        else:
            if not hand_form.validate_on_submit():
                refusals.flash_refusal(Refusal("roadshow_choose_projects", field="proposals"))
                return redirect(url_for("admin.roadshow", round_id=rnd.id))
            added = roadshow_ops.shortlist(rnd, hand_form.proposals.data or [], replace=True)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    db.session.commit()
    flash(_("The shortlist has been saved (%(added)d added).", added=added), "success")
    return redirect(url_for("admin.roadshow", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/roadshow/unshortlist/<int:proposal_id>", methods=["POST"])
def roadshow_unshortlist(round_id: int, proposal_id: int):
    rnd = _round(round_id)
    try:
        roadshow_ops.remove_from_shortlist(rnd, proposal_id)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    db.session.commit()
    flash(_("The project has been removed from the shortlist; draw the order again."), "success")
    return redirect(url_for("admin.roadshow", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/roadshow/draw", methods=["POST"])
def roadshow_draw(round_id: int):
    rnd = _round(round_id)
    form = DrawForm(prefix="draw")
    if not form.validate_on_submit():
        refusals.flash_refusal(Refusal("roadshow_seed_length", field="seed"))
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    try:
        roadshow_ops.draw(rnd, form.seed.data or None)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    db.session.commit()
    flash(_("The presentation order has been drawn with seed %(seed)s.", seed=rnd.roadshow_seed), "success")
    return redirect(url_for("admin.roadshow", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/roadshow/panel", methods=["POST"])
def roadshow_panel(round_id: int):
    rnd = _round(round_id)
    _rank, _hand, _draw, form = _roadshow_forms(rnd)
    if not form.validate_on_submit():
        refusals.flash_refusal(Refusal("roadshow_choose_judges", field="judges"))
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    try:
        ids = roadshow_ops.set_panel(rnd, form.judges.data or [], current_user.id)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    db.session.commit()
    flash(_("The judge panel has been saved (%(n)d judges).", n=len(ids)), "success")
    return redirect(url_for("admin.roadshow", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/roadshow/order.pdf")
def roadshow_order_pdf(round_id: int):
    rnd = _round(round_id)
    slots = [s for s in roadshow_ops.slots(rnd.id) if s["position"] is not None]
    if not slots:
        refusals.flash_refusal(Refusal("roadshow_not_drawn"))
        return redirect(url_for("admin.roadshow", round_id=rnd.id))

    def context() -> dict:
        return {
            "title": _("Roadshow presentation order"), "round_name": i18n.label(rnd), "issuer": i18n.label(rnd, "issuer"),
            "seed": rnd.roadshow_seed or "",
            "present_minutes": rnd.roadshow_present_minutes, "qa_minutes": rnd.roadshow_qa_minutes,
            "rows": [{"position": s["position"], "number": s["number"], "name": s["name"],
                      "organization": s["organization"], "category": rnd.category_label(s["category"], i18n.current_locale())} for s in slots],
            "labels": {"position": _("Order"), "number": _("Number"), "name": _("Project"),
                       "organization": _("Organization"), "category": _("Category"),
                       "seed": _("Drawn by lot with seed"),
                       "method": _("Order = projects sorted by SHA-256(seed + \":\" + number), ascending."),
                       "timing": _("Each project: %(p)d minutes presentation + %(q)d minutes questions.",
                                   p=rnd.roadshow_present_minutes, q=rnd.roadshow_qa_minutes)},
        }

    # An official document of the round: in the round's official language.
    data = pdf.render("roadshow/pdf/order.html", context, locale=rnd.official_language)
    return downloads.download(data, filename=f"roadshow-order-round-{rnd.edition}.pdf", mimetype="application/pdf")


@bp.route("/rounds/<int:round_id>/roadshow/host")
def roadshow_host(round_id: int):
    rnd = _round(round_id)
    return render_template("roadshow/host.html", rnd=rnd, status=roadshow_ops.host_status(rnd),
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
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("admin.roadshow", round_id=rnd.id))
    db.session.commit()
    if nxt is None:
        flash(_("That was the last project: the roadshow is over."), "success")
    return redirect(url_for("admin.roadshow_host", round_id=rnd.id))


