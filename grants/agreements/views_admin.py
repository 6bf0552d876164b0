"""The Federation's side of the agreements: template, issuing, countersigning, withdrawing, payments,
stops, refunds, budget-change decisions, the round's ledger (screen and export)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.agreements import exports, pages
from grants.agreements import forms as f
from grants.agreements import operations as ops
from grants.agreements import operations_money as money
from grants.extensions import db
from grants.models import BudgetChange, Round
from grants.platform import exports as export_writer
from grants.platform import refusals, uploads
from grants.platform.web import admin as bp
from grants.rules.refusal import Refusal


def _round(round_id: int) -> Round:
    return db.session.get(Round, round_id) or abort(404)


@bp.route("/rounds/<int:round_id>/agreements")
def agreements(round_id: int):
    rnd = _round(round_id)
    rows, total = money.round_ledger(rnd)
    return render_template("agreements/round.html", rnd=rnd, rows=rows, total=total,
                           overdue={r.agreement.id for r in rows if ops.is_overdue(r.agreement)},
                           status_labels=pages.STATUS_LABELS, final=ops.final_publication(rnd) is not None,
                           template=ops.template_for(rnd))


@bp.route("/rounds/<int:round_id>/agreements/issue", methods=["POST"])
def agreements_issue(round_id: int):
    rnd = _round(round_id)
    if not f.BaseForm().validate_on_submit():
        abort(400)
    try:
        created = ops.issue_agreements(rnd)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("admin.agreements", round_id=rnd.id))
    db.session.commit()
    flash(_("%(n)s agreements issued; the organizations have been notified.", n=len(created)), "success")
    return redirect(url_for("admin.agreements", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/agreements/template", methods=["GET", "POST"])
def agreement_template(round_id: int):
    rnd = _round(round_id)
    template = ops.template_for(rnd)
    form = f.TemplateForm(data={
        "language": template.language, "signing_days": template.signing_days,
        "change_threshold": template.change_threshold, "duties": template.duties, "terms": template.terms,
        "schedule": [{"percent": p, "condition": c} for p, c in template.schedule]})
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                ops.save_template(rnd, language=form.language.data, duties=form.duties.data, terms=form.terms.data,
                                  signing_days=form.signing_days.data, change_threshold=form.change_threshold.data,
                                  schedule_rows=[(row.percent.data, row.condition.data) for row in form.schedule])
            except Refusal as exc:
                db.session.rollback()
                refusals.attach(form, exc, default_field="schedule")
                status = 400
            else:
                db.session.commit()
                flash(_("The agreement template is saved. It applies to agreements issued from now on."), "success")
                return redirect(url_for("admin.agreements", round_id=rnd.id))
        else:
            status = 400
    return render_template("agreements/template.html", rnd=rnd, form=form), status


@bp.route("/rounds/<int:round_id>/agreements/ledger.xlsx")
def agreements_ledger_export(round_id: int):
    rnd = _round(round_id)
    rows, total = money.round_ledger(rnd)
    return export_writer.xlsx_response(exports.ledger_sheets(rnd, rows, total), exports.filename(rnd))


@bp.route("/agreements/<int:agreement_id>")
def agreement(agreement_id: int):
    return pages.render_project(pages.load(agreement_id), "admin")


@bp.route("/agreements/<int:agreement_id>/agreement.pdf")
def agreement_pdf(agreement_id: int):
    return pages.pdf_response(pages.load(agreement_id))


@bp.route("/agreement-files/<int:file_id>")
def agreement_file(file_id: int):
    return pages.file_response(pages.load_file(file_id))


def _act(agreement, form_name: str, form, action, done: str):
    return pages.act(agreement, "admin", form_name, form, action, done)


@bp.route("/agreements/<int:agreement_id>/countersign", methods=["POST"])
def agreement_countersign(agreement_id: int):
    agreement = pages.load(agreement_id)
    form = f.CountersignForm()
    scan = uploads.upload_of(form.scan) if form.is_submitted() else None
    return _act(agreement, "countersign", form, lambda: ops.countersign(
        agreement, on=form.signed_on.data, filename=scan[0] if scan else None, data=scan[1] if scan else None,
        user_id=current_user.id), _("Countersigned: the project is under agreement."))


@bp.route("/agreements/<int:agreement_id>/withdraw", methods=["POST"])
def agreement_withdraw(agreement_id: int):
    agreement = pages.load(agreement_id)
    form = f.WithdrawForm()
    return _act(agreement, "withdraw", form, lambda: ops.withdraw(agreement, reason=form.reason.data),
                _("The award is withdrawn; the organization has been notified."))


@bp.route("/agreements/<int:agreement_id>/payments", methods=["POST"])
def agreement_payment(agreement_id: int):
    agreement = pages.load(agreement_id)
    form = f.PaymentForm()
    form.tranche_id.choices = pages.tranche_choices(agreement)
    return _act(agreement, "payment", form, lambda: money.record_payment(
        agreement, tranche_id=form.tranche_id.data, amount=form.amount.data, paid_on=form.paid_on.data,
        voucher_no=form.voucher_no.data, scan=uploads.upload_of(form.scan), user_id=current_user.id),
        _("Payment recorded; the organization is asked to confirm receipt."))


@bp.route("/agreements/<int:agreement_id>/stop", methods=["POST"])
def agreement_stop(agreement_id: int):
    agreement = pages.load(agreement_id)
    form = f.StopForm()
    return _act(agreement, "stop", form, lambda: money.stop_payments(agreement, reason=form.reason.data),
                _("Payments are stopped."))


@bp.route("/agreements/<int:agreement_id>/refund", methods=["POST"])
def agreement_refund(agreement_id: int):
    agreement = pages.load(agreement_id)
    form = f.RefundForm()

    def run():
        if form.action.data == "demand":
            money.demand_refund(agreement, amount=form.amount.data, reason=form.reason.data)
        else:
            money.record_refund(agreement, amount=form.amount.data, paid_on=form.paid_on.data,
                                voucher_no=form.voucher_no.data, user_id=current_user.id)

    return _act(agreement, "refund", form, run, _("Refund recorded."))


@bp.route("/budget-changes/<int:change_id>/decide", methods=["POST"])
def budget_change_decide(change_id: int):
    change = db.session.get(BudgetChange, change_id) or abort(404)
    agreement = pages.load(change.agreement_id)
    form = f.DecideForm()
    return _act(agreement, "decide", form, lambda: money.decide_budget_change(
        change, approve=form.decision.data == "approve", note=form.note.data, user_id=current_user.id),
        _("The budget change is decided."))
