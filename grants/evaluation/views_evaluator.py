"""The evaluator's pages (reviewer accounts on a project's evaluation panel): the list of panels,
the conflict declaration (回避聲明), the report (read-only) and the score sheet.  An evaluation
is deliberately NOT blind: evaluators see the organization.  Anyone not on the panel, or on it
with a declared conflict, is refused (403)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from grants.evaluation import operations as ops
from grants.evaluation.forms import METHOD_LABELS, DeclarationForm, sheet_form_class
from grants.evaluation.forms import bonus as bonus_name
from grants.evaluation.forms import comment as comment_name
from grants.evaluation.forms import deduction as deduction_name
from grants.evaluation.forms import score as score_name
from grants.extensions import db
from grants.models import Evaluation, EvaluationPanel, ReviewStatus
from grants.platform import refusals
from grants.platform.web import reviewer as bp
from grants.rules import evaluation as rules
from grants.rules import rubric as rubric_core
from grants.rules.refusal import Refusal


def _lang() -> str:
    return rubric_core.normalize_lang(str(get_locale() or "zh_Hant"))


def _on_panel(evaluation_id: int) -> Evaluation:
    """The evaluation if the current reviewer is on its panel; 404 when there is none, 403 otherwise."""
    e = db.session.get(Evaluation, evaluation_id) or abort(404)
    if not ops.on_panel(current_user, e):
        abort(403)
    return e


def _allowed(evaluation_id: int):
    """(evaluation, None) when the evaluator may read and score; a redirect to the declaration
    when they have not declared yet; 403 for a declared conflict or anyone not on the panel."""
    e = _on_panel(evaluation_id)
    d = ops.declaration_of(current_user, e)
    if d is None:
        return e, redirect(url_for("reviewer.evaluation_declaration", evaluation_id=e.id))
    if d.has_conflict:
        abort(403)
    return e, None


@bp.route("/evaluations")
def evaluation_list():
    rows = []
    for e in db.session.scalars(select(Evaluation).join(EvaluationPanel, EvaluationPanel.evaluation_id == Evaluation.id)
                                .where(EvaluationPanel.evaluator_id == current_user.id).order_by(Evaluation.id)):
        d = ops.declaration_of(current_user, e)
        sheet = ops.sheet_of(current_user.id, e)
        state = ("undeclared" if d is None else "conflict" if d.has_conflict else
                 "not_started" if sheet is None else sheet.status.value)
        rows.append({"e": e, "state": state, "sheet": sheet})
    return render_template("evaluation/evaluator_list.html", rows=rows)


@bp.route("/evaluations/<int:evaluation_id>/declaration", methods=["GET", "POST"])
def evaluation_declaration(evaluation_id: int):
    e = _on_panel(evaluation_id)
    existing = ops.declaration_of(current_user, e)
    if existing is not None and existing.has_conflict:
        abort(403)
    form = DeclarationForm()
    if refusals.carry_out(form, lambda: ops.declare(current_user, e, has_conflict=form.answer.data == "conflict",
                                                    relation=form.relation.data or "", note=form.note.data or "")):
        if form.answer.data == "conflict":
            flash(_("Your conflict of interest has been recorded and the administrators informed. "
                    "You are no longer on this evaluation panel."), "success")
            return redirect(url_for("reviewer.evaluation_list"))
        flash(_("Thank you. You can now read the report and score the project."), "success")
        return redirect(url_for("reviewer.evaluation_sheet", evaluation_id=e.id))
    status = 400 if request.method == "POST" else 200
    return render_template("evaluation/declaration.html", e=e, form=form, existing=existing), status


@bp.route("/evaluations/<int:evaluation_id>")
def evaluation_report(evaluation_id: int):
    e, redirect_to = _allowed(evaluation_id)
    if redirect_to is not None:
        return redirect_to
    return render_template("evaluation/report.html", e=e, report=ops.report_of(e), overdue=ops.is_overdue(e))


def _render_sheet(e, sheet, rubric, form, status=200):
    return render_template(
        "evaluation/sheet.html", e=e, sheet=sheet, rubric=rubric, form=form, lang=_lang(), report=ops.report_of(e),
        names={"score": score_name, "comment": comment_name, "bonus": bonus_name, "deduction": deduction_name},
        methods=METHOD_LABELS, pass_mark=rules.pass_mark(rubric), max_total=rubric_core.max_total(rubric),
        editable=e.state in ("panel", "scoring"), overdue=ops.is_overdue(e)), status


@bp.route("/evaluations/<int:evaluation_id>/sheet", methods=["GET", "POST"])
def evaluation_sheet(evaluation_id: int):
    e, redirect_to = _allowed(evaluation_id)
    if redirect_to is not None:
        return redirect_to
    sheet = ops.sheet_of(current_user.id, e)
    if sheet is not None or e.rubric is not None:
        _row, rubric = ops.sheet_rubric(e, sheet)
    else:
        rubric = ops.shown_rubric(e.round_id, e.kind)
    form = sheet_form_class(rubric, _lang())()
    if request.method == "GET":
        form.fill(sheet)
        form.version.data = str(sheet.version) if sheet else "0"
        return _render_sheet(e, sheet, rubric, form)
    if not form.validate_on_submit():
        return _render_sheet(e, sheet, rubric, form, 400)
    submit = request.form.get("action") == "submit"
    try:
        saved = ops.save_sheet(current_user, e, form.sheet_input(), submit=submit,
                               expected_version=form.expected_version())
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        refusals.flash_refusal(Refusal("evaluation_sheet_changed"))
        return _render_sheet(e, ops.sheet_of(current_user.id, e), rubric, form, 409)
    except Refusal as exc:
        db.session.rollback()
        if exc.code == "evaluation_sheet_changed":
            refusals.flash_refusal(exc)
            return _render_sheet(e, ops.sheet_of(current_user.id, e), rubric, form, 409)
        form.attach(exc)
        return _render_sheet(e, ops.sheet_of(current_user.id, e), rubric, form, 400)
    if saved.status == ReviewStatus.submitted:
        flash(_("Your evaluation has been submitted (total %(total)s).", total=saved.total), "success")
    else:
        flash(_("Your draft has been saved."), "success")
    return redirect(url_for("reviewer.evaluation_sheet", evaluation_id=e.id))
