"""The admin's evaluation pages: projects due per round and kind with their report status, panel
assignment, rubric settings with the pass mark, the results table, the decision, the results
notice (公示) and its finalisation, the certificate download."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from grants.evaluation import documents
from grants.evaluation import operations as ops
from grants.evaluation.forms import AssignForm, DecideForm, RubricSettingsForm, UnassignForm
from grants.extensions import db
from grants.models import Agreement, Evaluation, ReportKind, Round, User
from grants.platform import refusals
from grants.platform.web import admin as bp
from grants.rules import evaluation as rules
from grants.rules import rubric as rubric_core
from grants.rules.refusal import Refusal


def _lang() -> str:
    return rubric_core.normalize_lang(str(get_locale() or "zh_Hant"))


def _round(round_id: int) -> Round:
    return db.session.get(Round, round_id) or abort(404)


def _kind(value: str | None) -> ReportKind:
    try:
        return ReportKind(value or "midterm")
    except ValueError:
        abort(404)


def _evaluation(evaluation_id: int) -> Evaluation:
    return db.session.get(Evaluation, evaluation_id) or abort(404)


def _assign_form(evaluation_or_none) -> AssignForm:
    form = AssignForm()
    form.evaluator_id.choices = [SelectChoice("", _("Choose an evaluator"))] + [
        SelectChoice(str(u.id), f"{u.name} <{u.email}>") for u in ops.evaluators()]
    return form


@bp.route("/rounds/<int:round_id>/evaluations")
def evaluations(round_id: int):
    """Projects due for the kind's evaluation, with report status, panel, score and verdict."""
    rnd = _round(round_id)
    kind = _kind(request.args.get("kind"))
    rows = ops.due_projects(rnd, kind)
    notice = ops.latest_notice(rnd.id)
    return render_template(
        "evaluation/admin_round.html", rnd=rnd, kind=kind, rows=rows, form=_assign_form(None),
        rubric=ops.shown_rubric(rnd.id, kind), pass_mark=rules.pass_mark(ops.shown_rubric(rnd.id, kind)),
        notice=notice, open_objections=ops.open_objections(notice) if notice else 0,
        finalise_refusal=ops.finalise_refusal(notice) if notice else None,
        methods=ops.methods_of, decided=sum(1 for r in rows if r.evaluation and r.evaluation.state == "decided"),
        lang=_lang())


@bp.route("/rounds/<int:round_id>/evaluations/<kind>/<int:agreement_id>/panel", methods=["POST"])
def evaluation_assign(round_id: int, kind: str, agreement_id: int):
    rnd = _round(round_id)
    report_kind = _kind(kind)
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or agreement.round_id != rnd.id:
        abort(404)
    form = _assign_form(None)
    back = url_for("admin.evaluations", round_id=rnd.id, kind=report_kind.value)
    if not form.validate_on_submit():
        flash(_("Choose an evaluator."), "error")
        return redirect(back)
    try:
        evaluator_id = int(form.evaluator_id.data)
    except (TypeError, ValueError):
        evaluator_id = 0
    evaluator = db.session.get(User, evaluator_id) if 0 < evaluator_id < 2**31 else None
    try:
        evaluation = ops.open_evaluation(agreement, report_kind)
        ops.assign(evaluation, evaluator, user_id=current_user.id)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(back)
    db.session.commit()
    flash(_("%(name)s is on the evaluation panel of “%(project)s”.", name=evaluator.name,
            project=agreement.proposal.name), "success")
    return redirect(back)


@bp.route("/evaluations/<int:evaluation_id>")
def evaluation_detail(evaluation_id: int):
    e = _evaluation(evaluation_id)
    row, rubric = ops.sheet_rubric(e, None) if e.rubric is not None else (None, ops.shown_rubric(e.round_id, e.kind))
    sheets = sorted(e.score_sheets, key=lambda s: s.id)
    aggregate = rules.aggregate({s.evaluator_id: s.total for s in ops.submitted_sheets(e) if s.total is not None})
    return render_template(
        "evaluation/admin_detail.html", e=e, rnd=e.agreement.round, rubric=rubric, sheets=sheets,
        aggregate=aggregate, pass_mark=rules.pass_mark(rubric), overdue=ops.is_overdue(e),
        report=ops.report_of(e), proposed_refund=ops.proposed_refund(e), form=_assign_form(e),
        decide_form=DecideForm(), lang=_lang(), declarations={
            p.evaluator_id: ops.declaration_of(p.evaluator, e) for p in e.panel})


@bp.route("/evaluations/<int:evaluation_id>/unassign", methods=["POST"])
def evaluation_unassign(evaluation_id: int):
    e = _evaluation(evaluation_id)
    form = UnassignForm()
    if not form.validate_on_submit() or form.evaluator_id.data is None:
        abort(400)
    try:
        ops.unassign(e, form.evaluator_id.data)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("admin.evaluation_detail", evaluation_id=e.id))
    db.session.commit()
    flash(_("The evaluator has been taken off the panel."), "success")
    return redirect(url_for("admin.evaluation_detail", evaluation_id=e.id))


@bp.route("/evaluations/<int:evaluation_id>/decide", methods=["POST"])
def evaluation_decide(evaluation_id: int):
    e = _evaluation(evaluation_id)
    form = DecideForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("admin.evaluation_detail", evaluation_id=e.id))
    try:
        verdict = ops.decide(e, refund=form.refund.data, user_id=current_user.id)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("admin.evaluation_detail", evaluation_id=e.id))
    db.session.commit()
    if verdict.passed:
        flash(_("Decided: passed with %(score)s points.", score=e.score), "success")
    else:
        flash(_("Decided: failed."), "warning")
    return redirect(url_for("admin.evaluations", round_id=e.round_id, kind=e.kind.value))


@bp.route("/evaluations/<int:evaluation_id>/reopen", methods=["POST"])
def evaluation_reopen(evaluation_id: int):
    e = _evaluation(evaluation_id)
    try:
        ops.reopen(e, user_id=current_user.id)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("admin.evaluation_detail", evaluation_id=e.id))
    db.session.commit()
    flash(_("The evaluation is reopened: the evaluators may revise their sheets, then decide it again."), "success")
    return redirect(url_for("admin.evaluation_detail", evaluation_id=e.id))


@bp.route("/rounds/<int:round_id>/evaluation-rubric/<kind>", methods=["GET", "POST"])
def evaluation_rubric(round_id: int, kind: str):
    rnd = _round(round_id)
    report_kind = _kind(kind)
    rubric = ops.shown_rubric(rnd.id, report_kind)
    form = RubricSettingsForm()
    if request.method == "GET":
        form.pass_mark.data = rules.pass_mark(rubric)
        form.definition.data = rubric_core.dumps_rubric(rubric)
    elif form.validate_on_submit():
        text = form.definition.data or ""
        if text.strip() == rubric_core.dumps_rubric(rubric).strip():
            text = ""
        try:
            ops.save_rubric(rnd, report_kind, pass_mark=form.pass_mark.data, definition_text=text,
                            user_id=current_user.id)
        except Refusal as exc:
            db.session.rollback()
            refusals.attach(form, exc, default_field="definition")
        else:
            db.session.commit()
            flash(_("The evaluation rubric has been saved as a new version."), "success")
            return redirect(url_for("admin.evaluation_rubric", round_id=rnd.id, kind=report_kind.value))
    status = 400 if request.method == "POST" else 200
    return render_template("evaluation/admin_rubric.html", rnd=rnd, kind=report_kind, rubric=rubric, form=form,
                           lang=_lang(), pass_mark=rules.pass_mark(rubric)), status


@bp.route("/rounds/<int:round_id>/evaluations/publish", methods=["POST"])
def evaluation_publish(round_id: int):
    rnd = _round(round_id)
    kind = _kind(request.args.get("kind"))
    try:
        pub = ops.publish_results(rnd, user_id=current_user.id)
        documents.enqueue_results(pub)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("admin.evaluations", round_id=rnd.id, kind=kind.value))
    db.session.commit()
    flash(_("The evaluation results are published for public notice until %(date)s.",
            date=pub.notice_end.isoformat()), "success")
    return redirect(url_for("admin.evaluations", round_id=rnd.id, kind=kind.value))


@bp.route("/rounds/<int:round_id>/evaluations/retry", methods=["POST"])
def evaluation_retry(round_id: int):
    rnd = _round(round_id)
    pub = ops.latest_notice(rnd.id) or abort(404)
    try:
        documents.retry(pub)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
    else:
        db.session.commit()
    return redirect(url_for("admin.evaluations", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/evaluations/finalise", methods=["POST"])
def evaluation_finalise(round_id: int):
    rnd = _round(round_id)
    kind = _kind(request.args.get("kind"))
    pub = ops.latest_notice(rnd.id)
    try:
        done = ops.finalise_results(pub)
        for e in done:
            if e.certificate_code:
                documents.enqueue_certificate(e)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("admin.evaluations", round_id=rnd.id, kind=kind.value))
    db.session.commit()
    flash(_("The evaluation results are final: %(passed)s passed, %(failed)s failed.",
            passed=sum(1 for e in done if e.passed), failed=sum(1 for e in done if not e.passed)), "success")
    return redirect(url_for("admin.evaluations", round_id=rnd.id, kind=kind.value))


@bp.route("/evaluations/<int:evaluation_id>/certificate.pdf")
def evaluation_certificate(evaluation_id: int):
    e = _evaluation(evaluation_id)
    return documents.frozen_pdf(e.certificate_path, e.certificate_sha256, documents.certificate_filename(e),
                                inline=request.args.get("inline") == "1")
