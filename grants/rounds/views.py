"""The Women's Federation staff's pages: the dashboard and the rounds (create, edit, hub)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from grants.extensions import db
from grants.models import ProposalStatus, Round, utcnow
from grants.platform import refusals
from grants.platform.forms import bounded_int
from grants.platform.web import admin as bp
from grants.rounds import operations as ops
from grants.rounds.forms import RoundForm
from grants.rules.refusal import Refusal


def _round_form(rnd: Round | None) -> RoundForm:
    form = RoundForm(obj=rnd)
    form.set_choices(ops.written_criteria(rnd, str(get_locale() or "zh_Hant")))
    if request.method == "GET" and rnd is not None:
        weights = rnd.stage_weights or {}
        form.written_weight.data = int(weights.get("written", 0))
        form.roadshow_weight.data = int(weights.get("roadshow", 0))
        form.tiebreak_criterion.data = rnd.tiebreak_criterion or ""
        form.fill_translations(rnd)
    if request.method == "GET" and rnd is None:
        form.required_documents.data = ["registration_certificate", "annual_report"]
    return form


@bp.route("/")
def dashboard():
    rounds = db.session.scalars(select(Round).order_by(Round.edition.desc())).all()
    return render_template("rounds/admin_home.html", rounds=rounds, counts=ops.site_counts())


@bp.route("/rounds")
def rounds():
    rows = db.session.scalars(select(Round).options(selectinload(Round.categories)).order_by(Round.edition.desc())).all()
    return render_template("rounds/rounds.html", rounds=rows)


@bp.route("/rounds/new", methods=["GET", "POST"])
def round_new():
    form = _round_form(None)
    if request.method == "GET":
        while len(form.categories) < 4:
            form.categories.append_entry()
    if refusals.carry_out(form, lambda: ops.create_round(**form.round_settings())):
        flash(_("The round has been created."), "success")
        return redirect(url_for("admin.rounds"))
    return render_template("rounds/round_form.html", form=form, rnd=None)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
def round_edit(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    form = _round_form(rnd)
    if request.method == "GET":
        form.categories.append_entry()  # one blank row for a new category
    if form.validate_on_submit():
        version = bounded_int(request.form.get("version"), 0, 0, 2**31 - 1)
        try:
            ops.update_round(rnd, version=version, **form.round_settings())
        except Refusal as exc:
            db.session.rollback()
            if exc.code == "round_edit_conflict":
                refusals.flash_refusal(exc)
                return render_template("rounds/round_form.html", form=form, rnd=rnd, conflict=True), 409
            refusals.attach(form, exc)
        else:
            try:
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                abort(409)
            flash(_("The round has been saved."), "success")
            return redirect(url_for("admin.rounds"))
    return render_template("rounds/round_form.html", form=form, rnd=rnd)


@bp.route("/rounds/<int:round_id>")
def round_detail(round_id: int):
    """The round's hub: its figures and a link to every stage of the work."""
    rnd = db.session.get(Round, round_id) or abort(404)
    facts = ops.hub(rnd, utcnow())
    return render_template("rounds/round_detail.html", rnd=rnd, by_status=facts["by_status"], hub=facts,
                           statuses=list(ProposalStatus), stage_labels=STAGE_LABELS, date_labels=DATE_LABELS)


STAGE_LABELS = {
    "preparing": _l("Preparing: the call is not open yet"),
    "call_open": _l("Call for proposals open"),
    "screening": _l("Eligibility screening"),
    "review": _l("Expert review"),
    "ranking": _l("Ranking"),
    "roadshow": _l("Roadshow"),
    "allocation": _l("Funding allocation"),
    "notice": _l("Public notice"),
    "final": _l("Award list final"),
}
DATE_LABELS = {
    "call_opens": _l("Call opens"),
    "call_closes": _l("Submission deadline"),
    "screening_closes": _l("Screening ends"),
    "review_opens": _l("Review window opens"),
    "review_closes": _l("Review window closes"),
    "roadshow": _l("Roadshow day"),
    "notice_starts": _l("Public notice starts"),
    "notice_ends": _l("Public notice ends"),
}
