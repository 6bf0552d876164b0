"""Public evaluation results (評估結果公示): the notice of a round's results, its frozen PDF and
objections (異議, the publication stage's objection machinery); and the NGO's own results and
completion certificates."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from grants.evaluation import documents
from grants.evaluation import operations as ops
from grants.evaluation.forms import ObjectionForm
from grants.extensions import db, limiter
from grants.models import Evaluation, Publication, Round
from grants.platform.web import applicant
from grants.platform.web import public as bp
from grants.publication import objections as objection_ops
from grants.publication import operations as publication_ops


def _round(round_id: int) -> Round:
    return db.session.get(Round, round_id) or abort(404)


@bp.route("/results/<int:round_id>/evaluations")
def evaluation_results(round_id: int):
    rnd = _round(round_id)
    pubs = ops.notices(rnd.id)
    current = pubs[0] if pubs else None
    return render_template("evaluation/public_results.html", rnd=rnd, pubs=pubs, current=current,
                           objections_open=publication_ops.objection_window_open(current))


@bp.route("/results/<int:round_id>/evaluations/<int:publication_id>/list.pdf")
def evaluation_results_pdf(round_id: int, publication_id: int):
    pub = db.session.get(Publication, publication_id)
    if pub is None or pub.round_id != round_id or pub.kind != ops.NOTICE_KIND:
        abort(404)
    return documents.frozen_pdf(pub.pdf_path, pub.pdf_sha256, documents.results_filename(pub),
                                inline=request.args.get("inline") == "1")


def _objection_limit() -> str:
    return current_app.config.get("OBJECTION_LIMIT_PER_ADDRESS", "5 per hour")


@bp.route("/results/<int:round_id>/evaluations/objection", methods=["GET", "POST"])
@limiter.limit(_objection_limit, methods=["POST"])
def evaluation_objection(round_id: int):
    rnd = _round(round_id)
    pub = ops.latest_notice(rnd.id, visible_only=True)
    if not publication_ops.objection_window_open(pub):
        status = 403 if request.method == "POST" else 200
        return render_template("evaluation/objection_form.html", rnd=rnd, pub=pub, form=None), status
    form = ObjectionForm()
    form.proposal.choices = [SelectChoice("", _("Choose a project"))] + [
        SelectChoice(str(r["proposal_id"]), f"{r['project']} — {r['organization']}") for r in pub.rows]
    if form.validate_on_submit() and objection_ops.file_from_form(pub, form):
        return redirect(url_for("public.evaluation_results", round_id=rnd.id))
    status = 400 if request.method == "POST" else 200
    return render_template("evaluation/objection_form.html", rnd=rnd, pub=pub, form=form), status


# --------------------------------------------------------------------------- the NGO's own results


def _own(evaluation_id: int) -> Evaluation:
    e = db.session.get(Evaluation, evaluation_id) or abort(404)
    if e.organization_id != current_user.organization_id:
        abort(403)
    return e


@applicant.route("/evaluations")
def my_evaluations():
    rows = ops.results_of_organization(current_user.organization_id) if current_user.organization_id else []
    return render_template("evaluation/applicant_results.html", rows=rows)


@applicant.route("/evaluations/<int:evaluation_id>/certificate.pdf")
def my_certificate(evaluation_id: int):
    e = _own(evaluation_id)
    return documents.frozen_pdf(e.certificate_path, e.certificate_sha256, documents.certificate_filename(e),
                                inline=request.args.get("inline") == "1")
