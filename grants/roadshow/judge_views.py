"""Roadshow judges on their phones: score the project on stage, submit, print the signed sheet."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.extensions import db
from grants.models import Proposal, Review, ReviewStatus, Round, RubricVersion, Stage
from grants.platform import downloads, i18n, pdf, refusals
from grants.platform.web import reviewer as bp
from grants.review import operations as review_ops
from grants.review.forms import names
from grants.review.score_sheets import sheet_labels
from grants.roadshow import operations as roadshow_ops
from grants.roadshow.forms import judge_form_class
from grants.rules import rubric as rubric_mod
from grants.rules.refusal import Refusal


def _judge_round(round_id: int) -> Round:
    """The round, if the signed-in reviewer sits on its roadshow panel (404 otherwise: not theirs)."""
    rnd = db.session.get(Round, round_id)
    if rnd is None or not roadshow_ops.on_panel(rnd.id, current_user.id):
        abort(404)
    return rnd


def _lang() -> str:
    return rubric_mod.normalize_lang(str(get_locale() or "zh_Hant"))


@bp.route("/rounds/<int:round_id>/roadshow", methods=["GET", "POST"])
def roadshow_judge(round_id: int):
    rnd = _judge_round(round_id)
    slot = roadshow_ops.current_slot(rnd)
    lang = _lang()
    if slot is None:
        return render_template("roadshow/judge.html", rnd=rnd, proposal=None, waiting=True)
    proposal = db.session.get(Proposal, slot.proposal_id)
    review = db.session.scalar(select(Review).where(Review.proposal_id == proposal.id,
                                                    Review.reviewer_id == current_user.id,
                                                    Review.stage == Stage.roadshow))
    rv, rub = roadshow_ops.roadshow_rubric(rnd, store=request.method == "POST")  # a GET stores nothing
    if review is not None and review.rubric_version_id != rv.id:
        rv = db.session.get(RubricVersion, review.rubric_version_id)
        rub = rubric_mod.rubric_from_dict(rv.definition)
    form = judge_form_class(rub, lang)()
    status = 200
    if request.method == "GET":
        form.fill(dict(review.scores) if review else {}, dict(review.comments) if review else {}, {}, {})
        form.proposal_id.data = str(proposal.id)
    elif not form.validate_on_submit():
        status = 400
    else:
        data = form.sheet_input()
        try:
            roadshow_ops.judge_submits(rnd, form.on_stage(), current_user.id, rv, rub, data.scores, data.comments)
        except Refusal as exc:
            db.session.rollback()
            if exc.code == "roadshow_moved_on":  # the sheet was for the previous project: start afresh
                refusals.flash_refusal(exc)
                return redirect(url_for("reviewer.roadshow_judge", round_id=rnd.id))
            form.attach(exc)
            status = 400
        else:
            db.session.commit()
            flash(_("Your score has been submitted."), "success")
            return redirect(url_for("reviewer.roadshow_judge", round_id=rnd.id))
    return render_template(
        "roadshow/judge.html", rnd=rnd, proposal=proposal, slot=slot, form=form, names=names, rubric=rub,
        lang=lang, review=review, running=_running_total(rub, form),
        max_total=rubric_mod.max_total(rub), waiting=False,
        submitted=review is not None and review.status == ReviewStatus.submitted,
    ), status


@bp.route("/rounds/<int:round_id>/roadshow/now.json")
def roadshow_judge_now(round_id: int):
    """Which project is on stage (read only): the judge's page polls it to follow the host."""
    rnd = _judge_round(round_id)
    slot = roadshow_ops.current_slot(rnd)
    response = jsonify({"current": slot.proposal_id if slot is not None else None})
    response.headers["Cache-Control"] = "no-store"
    return response


def _running_total(rub: rubric_mod.Rubric, form) -> Decimal:
    """Σ score × weight over what is in the form (what the page shows before its script runs)."""
    running = Decimal(0)
    for c in rub.criteria:
        try:
            v = rubric_mod.parse_number(form[names.score(c.key)].data)
        except (ValueError, TypeError):
            v = None
        if v is not None and v.is_finite():
            running += v * c.weight
    return running


@bp.route("/rounds/<int:round_id>/roadshow/<int:proposal_id>/sheet.pdf")
def roadshow_sheet(round_id: int, proposal_id: int):
    rnd = _judge_round(round_id)
    review = db.session.scalar(select(Review).where(
        Review.proposal_id == proposal_id, Review.reviewer_id == current_user.id, Review.stage == Stage.roadshow,
        Review.status == ReviewStatus.submitted))
    proposal = db.session.get(Proposal, proposal_id)
    if review is None or proposal is None or proposal.round_id != rnd.id:
        abort(404)
    # A personal document: in the judge's language. The written review's sheet
    # (templates/review/pdf/score_sheet.html) serves every stage; on stage the project is not
    # blind, so the sheet names it.
    locale = pdf.reader_locale()
    lang = rubric_mod.normalize_lang(locale)
    rub = rubric_mod.rubric_from_dict(review.rubric_version.definition)

    def context() -> dict:
        sheet = review_ops.sheet_data(review, rub, lang, blind=False, yes=_("Yes"), no=_("No"),
                                      unanswered=_("Not answered"))
        return {"title": _("Roadshow score sheet"), "round_name": i18n.label(rnd), "stage_name": _("Roadshow"),
                "sheets": [sheet], "labels": {**sheet_labels(), "title": _("Roadshow score sheet")}}

    data = pdf.render("review/pdf/score_sheet.html", context, locale=locale)
    return downloads.download(data, filename=f"roadshow-sheet-{proposal.number or proposal.id}.pdf", mimetype="application/pdf")
