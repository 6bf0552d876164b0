"""The Federation's side of the project reports: the round's reports (status, due date, overdue,
extension; filtered), one project's reports with its due dates, extensions and the re-opening of an overdue report, one report's view,
return for revision, acceptance, evidence downloads."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.extensions import db
from grants.models import Agreement, AgreementStatus, Round
from grants.platform import localtime, refusals
from grants.platform.web import admin as bp
from grants.reports import forms as f
from grants.reports import operations as ops
from grants.reports import pages
from grants.rules import reports as rules

STATUS_FILTERS = ("not_started", "draft", "submitted", "returned", "accepted", "overdue", "extended")


@bp.route("/rounds/<int:round_id>/reports")
def reports(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    kind = request.args.get("kind", "")
    kind = kind if kind in rules.KINDS else ""
    status = request.args.get("status", "")
    status = status if status in STATUS_FILTERS else ""
    today = localtime.today()
    agreements = db.session.scalars(select(Agreement).where(
        Agreement.round_id == rnd.id, Agreement.status == AgreementStatus.signed).order_by(Agreement.number)).all()
    rows, counts = [], dict.fromkeys(STATUS_FILTERS, 0)
    for agreement in agreements:
        for row in ops.summary(agreement, today):
            if kind and row["kind"] != kind:
                continue
            tags = {row["status"]} | ({"overdue"} if row["overdue"] else set()) | (
                {"extended"} if row["extended_to"] else set())
            for tag in tags:
                counts[tag] += 1
            if status and status not in tags:
                continue
            rows.append({"a": agreement, **row})
    return render_template("reports/round.html", rnd=rnd, rows=rows, counts=counts, kind=kind, status=status,
                           status_labels=ops.STATUS_LABELS, kind_labels=ops.KIND_LABELS, filters=STATUS_FILTERS)


def render_agreement(agreement: Agreement, *, status: int = 200, **given):
    midterm, final = ops.due_dates(agreement)
    forms = {"dues": given.get("dues") or f.DueDatesForm(formdata=None, data={
        "midterm_report_due": midterm, "final_report_due": final})}
    for kind in rules.KINDS:
        forms[kind] = given.get(kind) or f.for_kind(f.ExtensionForm, kind, formdata=None)
        forms[f"reopen_{kind}"] = given.get(f"reopen_{kind}") or f.for_kind(f.ReopenForm, kind, formdata=None)
    return render_template("reports/project.html", a=agreement, rows=ops.summary(agreement), audience="admin",
                           forms=forms), status


@bp.route("/agreements/<int:agreement_id>/reports")
def agreement_reports(agreement_id: int):
    return render_agreement(pages.load_agreement(agreement_id))


@bp.route("/agreements/<int:agreement_id>/report-dues", methods=["POST"])
def report_dues(agreement_id: int):
    agreement = pages.load_agreement(agreement_id)
    form = f.DueDatesForm()
    if refusals.carry_out(form, lambda: ops.set_due_dates(agreement, midterm=form.midterm_report_due.data,
                                                          final=form.final_report_due.data)):
        flash(_("The report due dates are saved."), "success")
        return redirect(url_for("admin.agreement_reports", agreement_id=agreement.id))
    return render_agreement(agreement, status=400, dues=form)


@bp.route("/agreements/<int:agreement_id>/reports/<kind>/extension", methods=["POST"])
def report_extension(agreement_id: int, kind: str):
    agreement = pages.load_agreement(agreement_id)
    if kind not in rules.KINDS:
        abort(404)
    form = f.for_kind(f.ExtensionForm, kind)
    if refusals.carry_out(form, lambda: ops.grant_extension(agreement, kind, new_date=form.extended_to.data,
                                                            reason=form.reason.data, user_id=current_user.id)):
        flash(_("The extension is granted; the organization has been told."), "success")
        return redirect(url_for("admin.agreement_reports", agreement_id=agreement.id))
    return render_agreement(agreement, status=400, **{kind: form})


@bp.route("/agreements/<int:agreement_id>/reports/<kind>/reopen", methods=["POST"])
def report_reopen(agreement_id: int, kind: str):
    agreement = pages.load_agreement(agreement_id)
    report = ops.get_report(agreement, kind) if kind in rules.KINDS else None
    if report is None:
        abort(404)
    form = f.for_kind(f.ReopenForm, kind)
    if refusals.carry_out(form, lambda: ops.reopen_overdue(report, new_due=form.new_due.data, reason=form.reason.data,
                                                           user_id=current_user.id)):
        flash(_("The report is re-opened; the organization has been told."), "success")
        return redirect(url_for("admin.agreement_reports", agreement_id=agreement.id))
    return render_agreement(agreement, status=400, **{f"reopen_{kind}": form})


def render_report(report, *, status: int = 200, **given):
    return render_template("reports/view.html", report=report, ctx=ops.report_context(report), audience="admin",
                           overdue=ops.is_overdue(report),
                           return_form=given.get("return_form") or f.ReturnForm(formdata=None),
                           accept_form=f.BaseForm(formdata=None)), status


@bp.route("/reports/<int:report_id>")
def report(report_id: int):
    return render_report(pages.load_report(report_id))


@bp.route("/reports/<int:report_id>/return", methods=["POST"])
def report_return(report_id: int):
    report = pages.load_report(report_id)
    form = f.ReturnForm()
    if refusals.carry_out(form, lambda: ops.return_for_revision(report, reason=form.reason.data,
                                                                revision_due=form.revision_due.data,
                                                                user_id=current_user.id)):
        flash(_("The report is returned for revision; the organization has been told."), "success")
        return redirect(url_for("admin.report", report_id=report.id))
    return render_report(report, status=400, return_form=form)


@bp.route("/reports/<int:report_id>/accept", methods=["POST"])
def report_accept(report_id: int):
    report = pages.load_report(report_id)
    if not f.BaseForm().validate_on_submit():
        abort(400)
    if refusals.commit_or_flash(lambda: ops.accept(report, user_id=current_user.id)):
        flash(_("The report is accepted; its evaluation can start."), "success")
    return redirect(url_for("admin.report", report_id=report.id))


@bp.route("/report-files/<int:report_file_id>")
def report_file(report_file_id: int):
    return pages.file_response(pages.load_file(report_file_id))
