"""The NGO's side of its agreements: review, bank details, download, signed scan, receipt
confirmation, budget-change requests. Only the owning organization reaches an agreement (404 else)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grants.agreements import forms as f
from grants.agreements import operations as ops
from grants.agreements import operations_money as money
from grants.agreements import pages
from grants.extensions import db
from grants.models import Agreement, AgreementStatus
from grants.platform import refusals, uploads
from grants.platform.web import applicant as bp
from grants.reports import operations as report_ops
from grants.rules.refusal import Refusal


@bp.route("/agreements")
def agreements():
    rows = db.session.scalars(
        select(Agreement).where(Agreement.organization_id == current_user.organization_id)
        .options(selectinload(Agreement.proposal), selectinload(Agreement.tranches), selectinload(Agreement.payments))
        .order_by(Agreement.id.desc())).all() if current_user.organization_id else []
    reports = report_ops.reports_by_agreement([a.id for a in rows])  # a fixed number of queries, however many
    return render_template("agreements/mine.html", rows=[
        (a, money.next_due(a), ops.is_overdue(a), _next_report(a, reports[a.id])) for a in rows],
        status_labels=pages.STATUS_LABELS)


def _next_report(agreement: Agreement, reports) -> dict | None:
    """The report the organization has to write next (not started, a draft or returned), for a signed agreement."""
    if agreement.status != AgreementStatus.signed:
        return None
    return next((r for r in report_ops.summary(agreement, reports=reports)
                 if r["status"] in ("not_started", "draft", "returned")), None)


@bp.route("/agreements/<int:agreement_id>")
def agreement(agreement_id: int):
    return pages.render_project(pages.load(agreement_id), "applicant")


@bp.route("/agreements/<int:agreement_id>/agreement.pdf")
def agreement_pdf(agreement_id: int):
    return pages.pdf_response(pages.load(agreement_id))


@bp.route("/agreement-files/<int:file_id>")
def agreement_file(file_id: int):
    return pages.file_response(pages.load_file(file_id))


def _act(agreement, form_name: str, form, action, done: str):
    return pages.act(agreement, "applicant", form_name, form, action, done)


@bp.route("/agreements/<int:agreement_id>/bank", methods=["POST"])
def agreement_bank(agreement_id: int):
    agreement = pages.load(agreement_id)
    form = f.BankForm()
    return _act(agreement, "bank", form, lambda: ops.save_bank(
        agreement, account_name=form.bank_account_name.data, bank_name=form.bank_name.data,
        account=form.bank_account.data), _("Bank details confirmed. Download the agreement, sign and stamp it."))


@bp.route("/agreements/<int:agreement_id>/upload", methods=["POST"])
def agreement_upload(agreement_id: int):
    agreement = pages.load(agreement_id)
    form = f.ScanForm()

    def run():
        scan = uploads.upload_of(form.scan)
        if scan is None:
            raise Refusal("upload_empty", field="scan")
        ops.upload_signed(agreement, scan[0], scan[1], user_id=current_user.id)

    return _act(agreement, "scan", form, run, _("The signed agreement is uploaded; the Federation will countersign it."))


@bp.route("/payments/<int:payment_id>/confirm", methods=["POST"])
def payment_confirm(payment_id: int):
    payment = pages.load_payment(payment_id)
    agreement = payment.agreement
    form = f.BaseForm()
    if form.validate_on_submit():
        if refusals.commit_or_flash(lambda: money.confirm_receipt(payment, user_id=current_user.id)):
            flash(_("Receipt confirmed. Thank you."), "success")
    return redirect(url_for("applicant.agreement", agreement_id=agreement.id))


@bp.route("/agreements/<int:agreement_id>/budget-changes", methods=["POST"])
def budget_change_new(agreement_id: int):
    agreement = pages.load(agreement_id)
    form = f.BudgetChangeForm()
    return _act(agreement, "change", form, lambda: money.request_budget_change(
        agreement, source=form.source.data, target=form.target.data, amount=form.amount.data,
        reason=form.reason.data, user_id=current_user.id), _("Budget change recorded."))
