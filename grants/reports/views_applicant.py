"""The NGO's side of its project reports: the project's reports with their due dates, the report form
(draft, "check and submit", confirmation), evidence files, the read-only view once submitted, and the
revision after a return. Only the owning organization reaches a report (404 for anyone else's)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from grants.extensions import db
from grants.models import Report
from grants.platform import localtime, refusals, uploads
from grants.platform.web import applicant as bp
from grants.reports import forms as f
from grants.reports import operations as ops
from grants.reports import pages
from grants.rules import reports as rules
from grants.rules.refusal import Refusal


@bp.app_template_global("project_reports")
def project_reports(agreement) -> list[dict]:
    """The project's reports for the agreement's project page (templates/reports/_project_reports.html)."""
    return ops.summary(agreement)


@bp.route("/agreements/<int:agreement_id>/reports")
def reports(agreement_id: int):
    agreement = pages.load_agreement(agreement_id)
    return render_template("reports/project.html", a=agreement, rows=ops.summary(agreement), audience="applicant")


@bp.route("/agreements/<int:agreement_id>/reports/<kind>/open", methods=["POST"])
def report_open(agreement_id: int, kind: str):
    agreement = pages.load_agreement(agreement_id)
    if kind not in rules.KINDS:
        abort(404)
    if not f.BaseForm().validate_on_submit():
        abort(400)
    try:
        report = ops.open_report(agreement, kind, user_id=current_user.id)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("applicant.reports", agreement_id=agreement.id))
    db.session.commit()
    return redirect(url_for("applicant.report", report_id=report.id))


def counts_of(report: Report) -> dict[str, int]:
    categories = len(ops.categories_of(report))
    return {"activities": len(report.activities or []), "served": len(ops.served_grid(report)),
            "indicators": len(report.indicators or []), "spending": categories,
            "settlement": categories if str(report.kind) == rules.FINAL else 0}


def data_of(report: Report) -> dict:
    categories = ops.categories_of(report)
    return {
        "version": str(report.version),
        "activities": [{"state": a.get("state", ""), "done": a.get("done", "")} for a in report.activities or []],
        "served": [{"person_times": v} for _g, _d, v in ops.served_grid(report)],
        "indicators": [{"actual": i.get("actual", ""), "note": i.get("note", "")} for i in report.indicators or []],
        "spending": [{"spent": rules.amount_of((report.spending or {}).get(c))} for c in categories],
        "settlement": ([{"amount": rules.amount_of((report.settlement or {}).get(c))} for c in categories]
                       if str(report.kind) == rules.FINAL else []),
        "sessions_held": report.sessions_held, "volunteers": report.volunteers,
        "volunteer_hours": report.volunteer_hours, "matching_funds": report.matching_funds,
        "problems": report.problems, "changes": report.changes,
    }


def place(form: f.ReportForm, problems) -> None:
    """Each problem next to its field (rows included: ``activities-1-state``); the rest flashed."""
    fields = {}
    for top in form:
        for entry in getattr(top, "entries", None) or [top]:
            for sub in getattr(entry, "form", None) or [entry]:
                fields[sub.name] = sub
    fields["kind"] = form.evidence_kind  # the evidence operation's names for the upload fields
    for problem in problems:
        target = fields.get(problem.field or "")
        if target is None:
            flash(refusals.message(problem), "error")
        else:
            target.errors = [*list(target.errors or ()), refusals.message(problem)]


def render_form(report: Report, form: f.ReportForm, status: int = 200):
    if str(report.kind) != rules.FINAL:
        form.evidence_kind.choices = [c for c in form.evidence_kind.choices if c.value != "audit"]
    return render_template("reports/form.html", report=report, ctx=ops.report_context(report), form=form,
                           overdue=ops.is_overdue(report)), status


def render_view(report: Report, status: int = 200):
    return render_template("reports/view.html", report=report, ctx=ops.report_context(report),
                           audience="applicant", overdue=ops.is_overdue(report)), status


@bp.route("/reports/<int:report_id>", methods=["GET", "POST"])
def report(report_id: int):
    report = pages.load_report(report_id)
    counts = counts_of(report)
    if not ops.is_editable(report):
        if request.method == "POST":
            code = "report_overdue" if report.overdue_at else "report_not_editable"
            refusals.flash_refusal(Refusal(code, due=report.effective_due_on))
            return redirect(url_for("applicant.report", report_id=report.id))
        return render_view(report)
    if request.method == "GET":
        form = f.ReportForm(formdata=None, data=data_of(report))
        form.pad(counts)
        return render_form(report, form)
    form = f.ReportForm()
    form.pad(counts)
    if not form.validate():
        flash(_("The draft was not saved: please correct the fields marked below."), "error")
        return render_form(report, form, 400)
    if (form.version.data or "") != str(report.version):
        flash(_("This report was changed in another window while you were editing. Your changes were not saved: "
                "review the current version and apply them again."), "error")
        return render_form(report, form, 409)
    action = request.form.get("action")
    try:
        ops.save_draft(report, form.values(counts), user_id=current_user.id)
        if action == "upload":  # the draft and its new evidence file together, or neither
            upload = uploads.upload_of(form.evidence)
            if upload is None:
                raise Refusal("upload_empty", field="evidence")
            ops.add_file(report, form.evidence_kind.data or "", upload[0], upload[1], user_id=current_user.id)
        db.session.commit()
    except Refusal as exc:
        db.session.rollback()
        if action != "upload":
            refusals.flash_refusal(exc)
            return redirect(url_for("applicant.report", report_id=report.id))
        flash(_("The draft was not saved: please correct the fields marked below."), "error")
        place(form, exc.problems)
        return render_form(report, form, 400)
    except StaleDataError:
        db.session.rollback()
        abort(409)
    if action == "upload":
        flash(_("Draft saved and file uploaded."), "success")
        return redirect(url_for("applicant.report", report_id=report.id) + "#sec-evidence")
    if action == "confirm":
        problems = ops.submission_problems(report)
        if ops.is_overdue(report):
            problems = [*Refusal("report_overdue", due=report.effective_due_on).problems, *problems]
        if problems:
            form = f.ReportForm(formdata=None, data=data_of(report))
            form.pad(counts)
            flash(_("Your draft was saved, but it cannot be submitted yet: please correct the fields marked below."),
                  "error")
            place(form, problems)
            return render_form(report, form)
        return redirect(url_for("applicant.report_submit", report_id=report.id))
    flash(_("Draft saved at %(time)s.", time=localtime.stamp(localtime.now(), "%H:%M:%S")), "success")
    return redirect(url_for("applicant.report", report_id=report.id))


@bp.route("/reports/<int:report_id>/submit", methods=["GET", "POST"])
def report_submit(report_id: int):
    """The confirmation step: the report as it will be submitted, and one button to submit it."""
    report = pages.load_report(report_id)
    form = f.ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        if (form.version.data or "") != str(report.version):
            flash(_("This report was changed in another window. Check it again before you submit."), "error")
            return redirect(url_for("applicant.report_submit", report_id=report.id))
        try:
            ops.submit(report, user_id=current_user.id)
            db.session.commit()
        except Refusal as exc:
            db.session.rollback()
            refusals.flash_refusal(exc)
            return redirect(url_for("applicant.report", report_id=report.id))
        except StaleDataError:
            db.session.rollback()
            abort(409)
        flash(_("Your report is submitted. The Federation will check it and start the evaluation."), "success")
        return redirect(url_for("applicant.report", report_id=report.id))
    if request.method == "POST":
        flash(_("The form expired. Please confirm again."), "error")
    if not ops.is_editable(report):
        return redirect(url_for("applicant.report", report_id=report.id))
    problems = ops.submission_problems(report)
    if problems:
        flash(_("Your draft was saved, but it cannot be submitted yet: please correct the fields marked below."),
              "error")
        return redirect(url_for("applicant.report", report_id=report.id))
    form.version.data = str(report.version)
    return render_template("reports/confirm.html", report=report, ctx=ops.report_context(report), form=form,
                           overdue=ops.is_overdue(report))


@bp.route("/reports/<int:report_id>/files", methods=["POST"])
def report_upload(report_id: int):
    report = pages.load_report(report_id)
    form = f.EvidenceForm()
    if form.validate_on_submit():
        try:
            upload = uploads.upload_of(form.evidence)
            if upload is None:
                raise Refusal("upload_empty", field="evidence")
            ops.add_file(report, form.kind.data, upload[0], upload[1], user_id=current_user.id)
        except Refusal as exc:
            db.session.rollback()
            refusals.flash_refusal(exc)
        else:
            db.session.commit()
            flash(_("File uploaded."), "success")
    else:
        flash(_("Choose the kind of evidence and a file."), "error")
    return redirect(url_for("applicant.report", report_id=report.id) + "#sec-evidence")


@bp.route("/report-files/<int:report_file_id>/delete", methods=["POST"])
def report_file_delete(report_file_id: int):
    row = pages.load_file(report_file_id)
    report_id = row.report_id
    if not f.BaseForm().validate_on_submit():
        abort(400)
    if refusals.commit_or_flash(lambda: ops.delete_file(row, user_id=current_user.id)):
        flash(_("File removed."), "success")
    return redirect(url_for("applicant.report", report_id=report_id) + "#sec-evidence")


@bp.route("/report-files/<int:report_file_id>")
def report_file(report_file_id: int):
    return pages.file_response(pages.load_file(report_file_id))
