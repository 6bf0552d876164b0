"""The project page (agreement, schedule, payments, budget versions, what is due next and by when),
shared by the NGO's and the admins' views; plus loading an agreement with its object-level check."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from grants.agreements import documents
from grants.agreements import forms as f
from grants.agreements import operations as ops
from grants.agreements import operations_money as money
from grants.extensions import db
from grants.models import Agreement, AgreementFile, AgreementStatus, Payment, Role
from grants.platform import downloads, localtime, numbers, permissions, refusals, uploads
from grants.platform.i18n import BUDGET_CATEGORY_LABELS
from grants.rules import agreements as rules
from grants.rules.refusal import Refusal

STATUS_LABELS = {
    "issued": _l("Waiting for the organization's signature"),
    "ngo_signed": _l("Waiting for countersignature"),
    "signed": _l("Under agreement"),
    "withdrawn": _l("Withdrawn"),
    "terminated": _l("Terminated"),
}


def may_see(agreement: Agreement) -> bool:
    """Only the owning NGO and admins; reviewers never."""
    if permissions.is_admin(current_user):
        return True
    return bool(current_user.is_authenticated and current_user.role == Role.applicant
                and current_user.organization_id == agreement.organization_id)


def load(agreement_id: int) -> Agreement:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or not may_see(agreement):
        abort(404)
    return agreement


def load_file(file_id: int) -> AgreementFile:
    row = db.session.get(AgreementFile, file_id)
    if row is None:
        abort(404)
    load(row.agreement_id)
    return row


def load_payment(payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        abort(404)
    load(payment.agreement_id)
    return payment


def forms_for(agreement: Agreement, audience: str, given: dict) -> dict:
    out = dict(given)
    if audience == "applicant":
        out.setdefault("bank", f.BankForm(formdata=None, data={
            "bank_account_name": agreement.bank_account_name or agreement.organization.name,
            "bank_name": agreement.bank_name, "bank_account": agreement.bank_account}))
        out.setdefault("scan", f.ScanForm(formdata=None))
        out.setdefault("change", f.BudgetChangeForm(formdata=None))
    else:
        out.setdefault("countersign", f.CountersignForm(formdata=None, data={"signed_on": localtime.today()}))
        out.setdefault("withdraw", f.WithdrawForm(formdata=None))
        payment = out.setdefault("payment", f.PaymentForm(formdata=None, data={"paid_on": localtime.today()}))
        out.setdefault("stop", f.StopForm(formdata=None))
        out.setdefault("refund", f.RefundForm(formdata=None))
        out.setdefault("decide", f.DecideForm(formdata=None))
        payment.tranche_id.choices = tranche_choices(agreement)
    return out


def tranche_choices(agreement: Agreement) -> list[SelectChoice]:
    return [SelectChoice(t.id, _l("Tranche %(n)s, %(condition)s: %(amount)s", n=t.position + 1,
                                  condition=documents.condition_label(t.condition), amount=numbers.money(t.amount)))
            for t in agreement.tranches]


def render_project(agreement: Agreement, audience: str, *, status: int = 200, **given):
    today = localtime.today()
    calendar = ops.publication_ops.load_calendar()
    paid = money.paid_per_tranche(agreement)
    versions = agreement.budget_versions
    context = {
        "a": agreement, "audience": audience, "status_label": STATUS_LABELS[str(agreement.status)],
        "overdue": ops.is_overdue(agreement, today),
        "days_left": (rules.working_days_left(agreement.deadline, today, calendar)
                      if agreement.status in ops.OPEN else None),
        "ledger": money.ledger_of(agreement), "next_due": money.next_due(agreement),
        "tranches": [{"t": t, "paid": paid.get(t.id), "label": documents.condition_label(t.condition)}
                     for t in agreement.tranches],
        "versions": [{"v": v, "lines": ops.budget_of(v)} for v in reversed(versions)],
        "printed_version": ops.printed_budget(agreement).number,
        "changes": money.changes_of(agreement),
        "files": db.session.query(AgreementFile).filter_by(agreement_id=agreement.id).order_by(AgreementFile.id).all(),
        "category_labels": BUDGET_CATEGORY_LABELS, "masked": rules.mask_account(agreement.bank_account),
        "forms": forms_for(agreement, audience, given), "Status": AgreementStatus,
    }
    return render_template("agreements/project.html", **context), status


def pdf_response(agreement: Agreement):
    from grants.platform import pdf

    try:
        data = documents.render_pdf(agreement)
    except pdf.PdfError:
        current_app.logger.exception("agreement PDF %s failed", agreement.id)
        abort(503)
    return downloads.download(data, filename=documents.filename(agreement), mimetype="application/pdf")


def file_response(row: AgreementFile):
    try:
        with open(uploads.path_of(ops.files_folder(), row.stored_name), "rb") as fh:
            data = fh.read()
    except (OSError, Refusal):
        abort(404)
    return downloads.download(data, filename=row.original_name, mimetype=row.content_type)


def act(agreement: Agreement, audience: str, form_name: str, form, action, done: str):
    """A project-page form: validate ``form``, run ``action``, commit and go back to the page; on a
    refusal roll back and re-render the page with the message by the field (what was typed stays)."""
    if refusals.carry_out(form, action):
        flash(done, "success")
        return redirect(url_for(f"{audience}.agreement", agreement_id=agreement.id))
    return render_project(agreement, audience, status=400, **{form_name: form})
