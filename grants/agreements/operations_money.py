"""Money after signing: tranche payments (分期撥款), receipt confirmation (收款確認), stopping payments,
refunds (退回金額), the ledger, and budget changes (預算調整). Flush + audit, never commit.

``evaluation_result`` is the entry point of the evaluation stage (中期評估 / 末期評估): a pass makes
the tranches tied to it due; a fail stops payments with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants.agreements import operations as agreement_ops
from grants.extensions import db
from grants.models import (
    Agreement,
    AgreementStatus,
    BudgetChange,
    BudgetChangeStatus,
    BudgetVersion,
    Payment,
    Round,
    utcnow,
)
from grants.platform import audit, localtime
from grants.rules import agreements as rules
from grants.rules import tranches
from grants.rules.refusal import Refusal

BUDGET_CATEGORIES = ("personnel", "activities", "materials", "publicity", "administration", "other")


# --------------------------------------------------------------------------- evaluations


def evaluation_result(agreement: Agreement, kind: str, *, passed: bool, on: date, reason: str = "") -> None:
    """Called by the evaluation stage: ``kind`` is ``midterm`` or ``final``. A pass makes the tranches
    with that condition due; a fail stops payments (with ``reason``)."""
    if kind not in (tranches.MIDTERM, tranches.FINAL):
        raise ValueError(kind)
    if agreement.status != AgreementStatus.signed:
        raise Refusal("agreement_wrong_state")
    if passed:
        agreement_ops.condition_met(agreement, kind, on=on)
    else:
        stop_payments(agreement, reason=reason or kind)


# --------------------------------------------------------------------------- payments


def _signed(agreement: Agreement) -> None:
    agreement_ops.lock(agreement)
    if agreement.status != AgreementStatus.signed:
        raise Refusal("agreement_wrong_state")


def paid_per_tranche(agreement: Agreement) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for p in agreement.payments:
        if p.kind == "payment" and p.tranche_id is not None:
            out[p.tranche_id] = out.get(p.tranche_id, Decimal(0)) + Decimal(p.amount)
    return out


def _check_date(on: date | None, agreement: Agreement) -> None:
    if on is None:
        raise Refusal("required", field="paid_on")
    if on > localtime.today():
        raise Refusal("date_in_future", field="paid_on")
    if on < agreement.issued_on:
        raise Refusal("date_before_issue", field="paid_on", date=agreement.issued_on)


def record_payment(agreement: Agreement, *, tranche_id: int | None, amount: Decimal, paid_on: date,
                   voucher_no: str, scan: tuple[str, bytes] | None, user_id: int | None) -> Payment:
    _signed(agreement)
    tranche = next((t for t in agreement.tranches if t.id == tranche_id), None)
    if tranche is None:
        raise Refusal("tranche_choose", field="tranche_id")
    tranches.check_payment(amount, tranche_amount=tranche.amount,
                           already_paid=paid_per_tranche(agreement).get(tranche.id, Decimal(0)),
                           due=tranche.due_on is not None, stopped=agreement.stopped_at is not None)
    _check_date(paid_on, agreement)
    voucher_no = (voucher_no or "").strip()
    if not voucher_no:
        raise Refusal("required", field="voucher_no")
    scan_id = None
    if scan is not None:
        scan_id = agreement_ops.store_file(agreement, "voucher", scan[0], scan[1], user_id).id
    payment = Payment(agreement_id=agreement.id, tranche_id=tranche.id, kind="payment", amount=amount,
                      paid_on=paid_on, voucher_no=voucher_no, scan_id=scan_id, recorded_by_id=user_id)
    agreement.payments.append(payment)
    db.session.flush()
    audit.record("record_payment", agreement, payment_id=payment.id, tranche=tranche.position + 1,
                 amount=str(amount), paid_on=paid_on.isoformat(), voucher_no=voucher_no,
                 account=rules.mask_account(agreement.bank_account))
    agreement_ops.notify_org(
        agreement, _l("A tranche has been paid"),
        _l("%(amount)s yuan of tranche %(n)s of agreement %(number)s was paid on %(date)s (voucher %(voucher)s) "
           "to the account ending in %(last4)s. Please sign in and confirm receipt."),
        amount=str(amount), n=tranche.position + 1, number=agreement.number, date=paid_on.isoformat(),
        voucher=voucher_no, last4=agreement.bank_account[-4:])
    return payment


def confirm_receipt(payment: Payment, *, user_id: int | None) -> None:
    if payment.kind != "payment":
        raise Refusal("agreement_wrong_state")
    if payment.confirmed_at is not None:
        raise Refusal("receipt_already_confirmed")
    payment.confirmed_at = utcnow()
    payment.confirmed_by_id = user_id
    db.session.flush()
    audit.record("confirm_receipt", payment.agreement, payment_id=payment.id, amount=str(payment.amount))


def stop_payments(agreement: Agreement, *, reason: str) -> None:
    _signed(agreement)
    reason = (reason or "").strip()
    if not reason:
        raise Refusal("reason_required", field="reason")
    if agreement.stopped_at is not None:
        raise Refusal("payments_stopped")
    agreement.stopped_at = utcnow()
    agreement.stop_reason = reason
    db.session.flush()
    audit.record("stop_payments", agreement, reason=reason)
    agreement_ops.notify_org(agreement, _l("Payments have been stopped"),
                             _l("Payments under agreement %(number)s have been stopped. Reason: %(reason)s"),
                             number=agreement.number, reason=reason)


def demand_refund(agreement: Agreement, *, amount: Decimal, reason: str) -> None:
    _signed(agreement)
    reason = (reason or "").strip()
    if not reason:
        raise Refusal("reason_required", field="reason")
    led = ledger_of(agreement)
    tranches.check_refund(amount, net_paid=led.net_paid, demanded=led.refund_demanded, refunded=led.refunded,
                          demand=True)
    agreement.refund_demanded = Decimal(agreement.refund_demanded) + amount
    agreement.refund_reason = "\n".join(x for x in (agreement.refund_reason, reason) if x)
    db.session.flush()
    audit.record("demand_refund", agreement, amount=str(amount), reason=reason)
    agreement_ops.notify_org(agreement, _l("A refund is demanded"),
                             _l("Under agreement %(number)s, %(amount)s yuan is to be returned. Reason: %(reason)s"),
                             number=agreement.number, amount=str(amount), reason=reason)


def record_refund(agreement: Agreement, *, amount: Decimal, paid_on: date, voucher_no: str,
                  user_id: int | None) -> Payment:
    if agreement.status != AgreementStatus.terminated:  # a refund still comes in after a failed evaluation
        _signed(agreement)
    led = ledger_of(agreement)
    tranches.check_refund(amount, net_paid=led.net_paid, demanded=led.refund_demanded, refunded=led.refunded,
                          demand=False)
    _check_date(paid_on, agreement)
    voucher_no = (voucher_no or "").strip()
    if not voucher_no:
        raise Refusal("required", field="voucher_no")
    payment = Payment(agreement_id=agreement.id, kind="refund", amount=amount, paid_on=paid_on,
                      voucher_no=voucher_no, recorded_by_id=user_id)
    agreement.payments.append(payment)
    db.session.flush()
    audit.record("record_refund", agreement, payment_id=payment.id, amount=str(amount), voucher_no=voucher_no)
    return payment


# --------------------------------------------------------------------------- ledger


def ledger_of(agreement: Agreement) -> tranches.Ledger:
    if agreement.status == AgreementStatus.withdrawn:
        return tranches.Ledger()
    paid = paid_per_tranche(agreement)
    states = [tranches.TrancheState(amount=Decimal(t.amount), due=t.due_on is not None,
                                    paid=paid.get(t.id, Decimal(0))) for t in agreement.tranches]
    refunded = sum((Decimal(p.amount) for p in agreement.payments if p.kind == "refund"), Decimal(0))
    return tranches.ledger(states, stopped=agreement.stopped_at is not None,
                           refund_demanded=Decimal(agreement.refund_demanded), refunded=refunded)


@dataclass
class LedgerRow:
    agreement: Agreement
    ledger: tranches.Ledger
    next_due: tuple[int, Decimal] | None


def round_ledger(rnd: Round) -> tuple[list[LedgerRow], tranches.Ledger]:
    agreements = db.session.scalars(select(Agreement).where(Agreement.round_id == rnd.id)
                                    .order_by(Agreement.number)).all()
    rows = [LedgerRow(a, ledger_of(a), next_due(a)) for a in agreements]
    return rows, tranches.total(r.ledger for r in rows)


def next_due(agreement: Agreement) -> tuple[int, Decimal] | None:
    if agreement.status != AgreementStatus.signed or agreement.stopped_at is not None:
        return None
    paid = paid_per_tranche(agreement)
    return tranches.next_due([(t.position, Decimal(t.amount), t.due_on is not None, paid.get(t.id, Decimal(0)),
                               t.due_on) for t in agreement.tranches])


# --------------------------------------------------------------------------- budget changes


def request_budget_change(agreement: Agreement, *, source: str, target: str, amount: Decimal, reason: str,
                          user_id: int | None) -> BudgetChange:
    """Under the threshold: in force at once (a new budget version); above it: pending approval."""
    _signed(agreement)
    reason = (reason or "").strip()
    if not reason:
        raise Refusal("reason_required", field="reason")
    if db.session.scalar(select(BudgetChange.id).where(BudgetChange.agreement_id == agreement.id,
                                                       BudgetChange.status == BudgetChangeStatus.pending)):
        raise Refusal("budget_change_pending")
    version = agreement_ops.current_budget(agreement)
    budget = agreement_ops.budget_of(version)
    new = rules.apply_change(budget, source, target, amount, BUDGET_CATEGORIES)
    rules.check_total(new, agreement.amount)
    approval = rules.needs_approval(budget, source, amount, agreement.change_threshold)
    change = BudgetChange(agreement_id=agreement.id, source=source, target=target, amount=amount, reason=reason,
                          status=BudgetChangeStatus.pending if approval else BudgetChangeStatus.recorded,
                          base_version=version.number, requested_by_id=user_id)
    db.session.add(change)
    db.session.flush()
    if not approval:
        _new_version(agreement, new, change)
    audit.record("request_budget_change", agreement, change_id=change.id, source=source, target=target,
                 amount=str(amount), status=str(change.status))
    if approval:
        agreement_ops.notify_admins(_l("A budget change needs approval"),
                                    _l("%(organization)s asks to move %(amount)s yuan between budget categories "
                                       "under agreement %(number)s."),
                                    organization=agreement.organization.name, amount=str(amount),
                                    number=agreement.number)
    return change


def decide_budget_change(change: BudgetChange, *, approve: bool, note: str, user_id: int | None) -> None:
    agreement = change.agreement
    agreement_ops.lock(agreement)
    db.session.refresh(change)
    if change.status != BudgetChangeStatus.pending:
        raise Refusal("budget_change_decided")
    note = (note or "").strip()
    if not approve and not note:
        raise Refusal("reason_required", field="note")
    if approve:
        budget = agreement_ops.budget_of(agreement_ops.current_budget(agreement))
        new = rules.apply_change(budget, change.source, change.target, Decimal(change.amount), BUDGET_CATEGORIES)
        rules.check_total(new, agreement.amount)
        _new_version(agreement, new, change)
    change.status = BudgetChangeStatus.approved if approve else BudgetChangeStatus.rejected
    change.decided_at, change.decided_by_id, change.decision_note = utcnow(), user_id, note
    db.session.flush()
    audit.record("decide_budget_change", agreement, change_id=change.id, approved=approve, note=note)


def _new_version(agreement: Agreement, budget: dict[str, Decimal], change: BudgetChange) -> BudgetVersion:
    number = agreement_ops.current_budget(agreement).number + 1
    version = BudgetVersion(agreement_id=agreement.id, number=number, change_id=change.id,
                            lines={k: str(v) for k, v in budget.items()})
    agreement.budget_versions.append(version)
    db.session.flush()
    return version


def changes_of(agreement: Agreement) -> list[BudgetChange]:
    return list(db.session.scalars(select(BudgetChange).where(BudgetChange.agreement_id == agreement.id)
                                   .order_by(BudgetChange.id)))
