"""The agreement stage end to end through the app: issuing after 立項, bank details, signing by both
sides, the deadline and withdrawing, payments and receipts, stops and refunds, the evaluation hook,
budget changes and versions, the ledger on screen and in the export, and who may see what."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Agreement,
    AgreementStatus,
    AuditEntry,
    Award,
    BudgetChange,
    Round,
)
from grants.platform import localtime, uploads
from grants.publication import operations as pub_ops
from grants.rules import workdays
from tests.agreements import support as s
from tests.agreements.support import ACCOUNT, ADMIN, AMOUNT, NGO, OTHER_NGO, REVIEWER
from tests.pdfs import font_names, text_of

D = Decimal


def _agreement(app, agreement_id) -> Agreement:
    with app.app_context():
        a = db.session.get(Agreement, agreement_id)
        _ = (a.tranches, a.payments, a.budget_versions, a.award)
        db.session.expunge_all()
        return a


def _today(app):
    with app.app_context():
        return localtime.today()


def _audit_text(app) -> str:
    with app.app_context():
        return " ".join(str(e.details) for e in db.session.scalars(select(AuditEntry)))


# --------------------------------------------------------------------------- issuing


def test_issue_needs_the_final_list_then_builds_tranches_budget_and_deadline(app, make):
    world = s.build(make, app, final=False, issue=False)
    from grants.agreements import operations as ops
    from grants.rules.refusal import Refusal

    with app.test_request_context():
        rnd = db.session.get(Round, world.round_id)
        try:
            ops.issue_agreements(rnd)
        except Refusal as exc:
            assert exc.code == "agreements_not_final"
        else:
            raise AssertionError("issued before the list was final")
        db.session.rollback()
    from grants.models import PublicationStatus
    from tests.publication.test_publication_support import direct_publication

    direct_publication(app, world.round_id, status=PublicationStatus.final)
    s.issue_all(app, world.round_id)
    with app.app_context():
        a = db.session.scalar(select(Agreement).where(Agreement.proposal_id == world.proposal_id))
        assert a.status == AgreementStatus.issued and a.amount == AMOUNT
        assert [t.amount for t in a.tranches] == [D("72000.30"), D("36000.15"), D("12000.05")]
        assert [t.condition for t in a.tranches] == ["signing", "midterm", "final"]
        assert all(t.due_on is None for t in a.tranches)
        lines = {k: D(v) for k, v in a.budget_versions[0].lines.items()}
        assert sum(lines.values()) == AMOUNT and set(lines) == {"activities", "personnel"}
        assert a.deadline > a.issued_on and len(a.verification_code) == 64
    outbox = app.extensions.get("grants_outbox", [])
    assert any(m["to"] == NGO and "HZXY" in m["body"] for m in outbox)
    with app.test_request_context():
        try:
            ops.issue_agreements(db.session.get(Round, world.round_id))
        except Refusal as exc:
            assert exc.code == "agreements_none_to_issue"
        else:
            raise AssertionError("issued twice")


# --------------------------------------------------------------------------- signing


def test_ngo_and_admin_sign_then_first_tranche_is_paid_and_confirmed(app, make, client, auth, caplog):
    caplog.set_level(logging.DEBUG)
    world = s.build(make, app)
    aid = world.agreement_id
    auth.login(NGO)
    page = client.get(f"/applicant/agreements/{aid}")
    assert page.status_code == 200 and s.PROJECT in page.get_data(as_text=True)

    # a bad account number: a message next to the field, what was typed stays, nothing stored
    bad = auth.post(f"/applicant/agreements/{aid}/bank", {"bank_account_name": s.ORG_NAME,
                                                          "bank_name": "中國銀行惠州分行", "bank_account": "12ab"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "6 到 32 位數字" in html and "中國銀行惠州分行" in html
    assert _agreement(app, aid).bank_account == ""

    # uploading before the bank details are confirmed is refused
    early = auth.post(f"/applicant/agreements/{aid}/upload",
                      {"scan": (io.BytesIO(uploads.tiny_pdf()), "signed.pdf")}, content_type="multipart/form-data")
    assert early.status_code == 400 and _agreement(app, aid).status == AgreementStatus.issued

    ok = auth.post(f"/applicant/agreements/{aid}/bank", {"bank_account_name": s.ORG_NAME,
                                                         "bank_name": "中國銀行惠州分行",
                                                         "bank_account": "6217 8520 0001 2345 678"})
    assert ok.status_code == 302
    assert _agreement(app, aid).bank_account == ACCOUNT

    # the scan is checked by its content, not its name
    fake = auth.post(f"/applicant/agreements/{aid}/upload", {"scan": (io.BytesIO(b"not a pdf"), "signed.pdf")},
                     content_type="multipart/form-data")
    assert fake.status_code == 400 and _agreement(app, aid).status == AgreementStatus.issued
    good = auth.post(f"/applicant/agreements/{aid}/upload",
                     {"scan": (io.BytesIO(uploads.tiny_pdf()), "簽署版.pdf")}, content_type="multipart/form-data")
    assert good.status_code == 302
    a = _agreement(app, aid)
    assert a.status == AgreementStatus.ngo_signed and a.signed_budget_version == 1

    auth.logout()
    auth.login(ADMIN)
    future = (_today(app) + timedelta(days=1)).isoformat()
    refused = auth.post(f"/admin/agreements/{aid}/countersign", {"signed_on": future})
    assert refused.status_code == 400 and _agreement(app, aid).status == AgreementStatus.ngo_signed
    assert auth.post(f"/admin/agreements/{aid}/countersign",
                     {"signed_on": _today(app).isoformat()}).status_code == 302
    a = _agreement(app, aid)
    assert a.status == AgreementStatus.signed
    first, second = a.tranches[0], a.tranches[1]
    assert first.due_on == _today(app) and second.due_on is None

    # not due yet, more than the tranche, then a partial payment and the rest
    pay = {"paid_on": _today(app).isoformat(), "voucher_no": "PZ-2026-001"}
    assert auth.post(f"/admin/agreements/{aid}/payments", {**pay, "tranche_id": second.id,
                                                           "amount": "100"}).status_code == 400
    over = auth.post(f"/admin/agreements/{aid}/payments", {**pay, "tranche_id": first.id, "amount": "72000.31"})
    assert over.status_code == 400 and "72,000.30" in over.get_data(as_text=True)
    assert auth.post(f"/admin/agreements/{aid}/payments", {**pay, "tranche_id": first.id,
                                                           "amount": "50000"}).status_code == 302
    assert auth.post(f"/admin/agreements/{aid}/payments", {**pay, "tranche_id": first.id, "amount": "22000.30",
                                                           "voucher_no": "PZ-2026-002"}).status_code == 302
    round_page = client.get(f"/admin/rounds/{world.round_id}/agreements").get_data(as_text=True)
    assert "72,000.30" in round_page

    auth.logout()
    auth.login(NGO)
    a = _agreement(app, aid)
    assert len(a.payments) == 2 and all(p.confirmed_at is None for p in a.payments)
    for p in a.payments:
        assert auth.post(f"/applicant/payments/{p.id}/confirm").status_code == 302
    assert all(p.confirmed_at is not None for p in _agreement(app, aid).payments)
    page = client.get(f"/applicant/agreements/{aid}").get_data(as_text=True)
    assert "****5678" in page and ACCOUNT not in page  # the NGO's own page shows it masked after signing

    # the account number never reaches the audit log or the log beyond its last four digits
    assert ACCOUNT not in _audit_text(app) and "****5678" in _audit_text(app)
    assert ACCOUNT not in caplog.text and "2345678" not in caplog.text


def test_deadline_flag_and_withdrawing_the_award(app, make, client, auth):
    world = s.build(make, app)
    with app.app_context():
        a = db.session.get(Agreement, world.agreement_id)
        a.issued_on = _today(app) - timedelta(days=40)
        a.deadline = _today(app) - timedelta(days=1)
        db.session.commit()
    auth.login(ADMIN)
    page = client.get(f"/admin/rounds/{world.round_id}/agreements").get_data(as_text=True)
    assert "已逾簽署期限" in page
    assert auth.post(f"/admin/agreements/{world.agreement_id}/withdraw", {"reason": ""}).status_code == 400
    assert _agreement(app, world.agreement_id).status == AgreementStatus.issued
    assert auth.post(f"/admin/agreements/{world.agreement_id}/withdraw",
                     {"reason": "逾期未簽署資助協議"}).status_code == 302
    a = _agreement(app, world.agreement_id)
    assert a.status == AgreementStatus.withdrawn
    with app.app_context():
        award = db.session.get(Award, a.award_id)
        assert award.withdrawn and award.withdrawn_reason == "逾期未簽署資助協議"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "withdraw_award"))
        assert entry.details["reason"] == "逾期未簽署資助協議" and entry.details["overdue"] is True
    assert any(m["to"] == NGO and "逾期未簽署資助協議" in m["body"] for m in app.extensions["grants_outbox"])


# --------------------------------------------------------------------------- evaluations, stops, refunds


def test_evaluation_results_make_tranches_due_or_stop_payments(app, make):
    from grants.agreements import operations_money as money

    world = s.build(make, app)
    s.sign_both(app, world.agreement_id)
    with app.test_request_context():
        a = db.session.get(Agreement, world.agreement_id)
        money.evaluation_result(a, "midterm", passed=True, on=_today(app))
        assert [t.due_on is not None for t in a.tranches] == [True, True, False]
        assert money.ledger_of(a).due == D("108000.45")
        money.evaluation_result(a, "final", passed=False, on=_today(app), reason="末期評估不合格")
        led = money.ledger_of(a)
        assert a.stopped_at is not None and a.stop_reason == "末期評估不合格"
        assert (led.outstanding, led.withheld, led.paid) == (D(0), AMOUNT, D(0)) and led.reconciles()
        db.session.commit()


def test_stop_and_refund_through_the_admin_page(app, make, client, auth):
    world = s.build(make, app)
    s.sign_both(app, world.agreement_id)
    aid = world.agreement_id
    first = _agreement(app, aid).tranches[0]
    auth.login(ADMIN)
    today = _today(app).isoformat()
    auth.post(f"/admin/agreements/{aid}/payments", {"tranche_id": first.id, "amount": "72000.30",
                                                    "paid_on": today, "voucher_no": "PZ-1"})
    assert auth.post(f"/admin/agreements/{aid}/refund", {"refund-action": "demand", "refund-amount": "80000",
                                                         "refund-reason": "違規使用"}).status_code == 400
    assert auth.post(f"/admin/agreements/{aid}/refund", {"refund-action": "demand", "refund-amount": "10000",
                                                         "refund-reason": "違規使用"}).status_code == 302
    assert auth.post(f"/admin/agreements/{aid}/refund", {"refund-action": "received", "refund-amount": "10000",
                                                         "refund-paid_on": today, "refund-voucher_no": "TH-1"}).status_code == 302
    assert auth.post(f"/admin/agreements/{aid}/stop", {"stop-reason": "中期評估不合格"}).status_code == 302
    assert auth.post(f"/admin/agreements/{aid}/payments", {"tranche_id": first.id, "amount": "1",
                                                           "paid_on": today, "voucher_no": "PZ-2"}).status_code == 400
    from grants.agreements import operations_money as money

    with app.app_context():
        led = money.ledger_of(db.session.get(Agreement, aid))
    assert (led.paid, led.refunded, led.net_paid, led.withheld) == (D("72000.30"), D(10000), D("62000.30"),
                                                                    AMOUNT - D("72000.30"))
    assert led.reconciles()


# --------------------------------------------------------------------------- budget changes


def test_budget_changes_small_recorded_large_approved_and_versions_kept(app, make, client, auth):
    world = s.build(make, app)
    s.sign_both(app, world.agreement_id)
    aid = world.agreement_id
    v1 = {k: D(v) for k, v in _agreement(app, aid).budget_versions[0].lines.items()}
    auth.login(NGO)
    small = (v1["activities"] * D("0.05")).quantize(D("0.01"))
    assert auth.post(f"/applicant/agreements/{aid}/budget-changes", {"source": "activities", "target": "materials",
                                                                     "amount": str(small),
                                                                     "reason": "物資漲價"}).status_code == 302
    a = _agreement(app, aid)
    assert [v.number for v in a.budget_versions] == [1, 2]
    assert sum(D(v) for v in a.budget_versions[1].lines.values()) == AMOUNT
    big = (v1["activities"] * D("0.5")).quantize(D("0.01"))
    assert auth.post(f"/applicant/agreements/{aid}/budget-changes", {"source": "activities", "target": "personnel",
                                                                     "amount": str(big),
                                                                     "reason": "增聘社工"}).status_code == 302
    assert len(_agreement(app, aid).budget_versions) == 2  # waiting for approval
    too_big = auth.post(f"/applicant/agreements/{aid}/budget-changes", {"source": "publicity", "target": "personnel",
                                                                        "amount": "1", "reason": "x"})
    assert too_big.status_code == 400
    with app.app_context():
        change = db.session.scalar(select(BudgetChange).where(BudgetChange.status == "pending"))
    auth.logout()
    auth.login(ADMIN)
    assert auth.post(f"/admin/budget-changes/{change.id}/decide", {"decision": "reject", "note": ""}).status_code == 400
    assert auth.post(f"/admin/budget-changes/{change.id}/decide", {"decision": "approve",
                                                                   "note": "同意"}).status_code == 302
    a = _agreement(app, aid)
    assert [v.number for v in a.budget_versions] == [1, 2, 3] and a.signed_budget_version == 1
    assert sum(D(v) for v in a.budget_versions[2].lines.values()) == AMOUNT
    page = client.get(f"/admin/agreements/{aid}").get_data(as_text=True)
    assert "第 3 版" in page and "協議所載" in page


# --------------------------------------------------------------------------- PDF and export


def test_agreement_pdf_reads_back_amounts_and_bank_account_with_a_cjk_font(app, make, client, auth):
    world = s.build(make, app)
    s.sign_both(app, world.agreement_id, countersign=False)
    auth.login(NGO)
    response = client.get(f"/applicant/agreements/{world.agreement_id}/agreement.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = text_of(response.data, squash=True)
    for figure in ("¥120,000.50", "72,000.30", "36,000.15", "12,000.05", "120,000.50", ACCOUNT, "HZXY-"):
        assert figure in text, figure
    assert s.PROJECT in text and s.ORG_NAME in text and "中國銀行惠州分行" in text and "資助協議" in text
    a = _agreement(app, world.agreement_id)
    assert a.verification_code in text
    names = font_names(response.data)
    assert any(re.fullmatch(r"/[A-Z]{6}\+Noto-?Sans-?CJK.*", n.replace(" ", "")) for n in names), names


def test_ledger_export_reconciles_and_is_the_only_export_with_the_account(app, make, client, auth):
    world = s.build(make, app)
    s.sign_both(app, world.agreement_id)
    first = _agreement(app, world.agreement_id).tranches[0]
    auth.login(ADMIN)
    auth.post(f"/admin/agreements/{world.agreement_id}/payments", {
        "tranche_id": first.id, "amount": "50000", "paid_on": _today(app).isoformat(), "voucher_no": "PZ-9"})
    response = client.get(f"/admin/rounds/{world.round_id}/agreements/ledger.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "協議編號")
    body = rows[header + 1:]
    mine = next(r for r in body if r[1] == s.PROJECT)
    total = body[-1]
    assert mine[14] == ACCOUNT
    assert D(str(mine[4])) == AMOUNT and D(str(mine[6])) == D(50000) and D(str(mine[7])) == D("22000.30")
    assert D(str(total[4])) == AMOUNT + D(80000)
    for col in range(4, 12):
        assert D(str(total[col])) == sum(D(str(r[col])) for r in body[:-1])


# --------------------------------------------------------------------------- access


def test_only_the_owner_and_admins_see_an_agreement(app, make, client, auth):
    world = s.build(make, app)
    s.sign_both(app, world.agreement_id)
    urls = [f"/applicant/agreements/{world.agreement_id}", f"/applicant/agreements/{world.agreement_id}/agreement.pdf"]
    auth.login(OTHER_NGO)
    for url in urls:
        assert client.get(url).status_code == 404
    listing = client.get("/applicant/agreements").get_data(as_text=True)
    assert s.PROJECT not in listing
    auth.logout()
    auth.login(REVIEWER)
    for url in [*urls, f"/admin/agreements/{world.agreement_id}", f"/admin/rounds/{world.round_id}/agreements"]:
        response = client.get(url)
        assert response.status_code == 403
        assert ACCOUNT not in response.get_data(as_text=True)
    auth.logout()
    auth.login(NGO)
    assert s.PROJECT in client.get("/applicant/agreements").get_data(as_text=True)
    assert client.get(f"/applicant/agreements/{world.other_agreement_id}").status_code == 404


def test_verify_page_recognises_an_agreement_code_without_bank_details(app, make, client):
    world = s.build(make, app)
    s.sign_both(app, world.agreement_id)
    code = _agreement(app, world.agreement_id).verification_code
    html = client.get(f"/verify?code={code}").get_data(as_text=True)
    assert 'id="agreement-genuine"' in html and s.PROJECT in html and "HZXY-" in html
    assert ACCOUNT not in html and "5678" not in html
    forged = client.get(f"/verify?code={'0' * 64}").get_data(as_text=True)
    assert 'id="agreement-genuine"' not in forged and s.PROJECT not in forged


def test_template_schedule_must_sum_to_100_and_applies_to_new_agreements(app, make, client, auth):
    world = s.build(make, app, issue=False)
    auth.login(ADMIN)
    url = f"/admin/rounds/{world.round_id}/agreements/template"
    form = {"language": "zh_Hans", "signing_days": "10", "change_threshold": "5", "duties": "按季度報告",
            "terms": "違約退款", "schedule-0-percent": "50", "schedule-0-condition": "signing",
            "schedule-1-percent": "40", "schedule-1-condition": "final"}
    bad = auth.post(url, form)
    assert bad.status_code == 400 and "必須剛好等於 100%" in bad.get_data(as_text=True)
    assert 'value="按季度報告"' in bad.get_data(as_text=True) or "按季度報告" in bad.get_data(as_text=True)
    assert auth.post(url, {**form, "schedule-1-percent": "50"}).status_code == 302
    s.issue_all(app, world.round_id)
    with app.app_context():
        a = db.session.scalar(select(Agreement).where(Agreement.proposal_id == world.proposal_id))
        assert [(t.percent, t.condition, t.amount) for t in a.tranches] == [
            (D(50), "signing", D("60000.25")), (D(50), "final", D("60000.25"))]
        assert a.language == "zh_Hans" and a.change_threshold == D(5) and a.duties == "按季度報告"
        assert workdays.working_days_between(a.issued_on, a.deadline, pub_ops.load_calendar()) == 10
    # the PDF speaks the round's official language (简体 here), whatever the admin's own language
    text = text_of(client.get(f"/admin/agreements/{a.id}/agreement.pdf").data, squash=True)
    assert "资助协议" in text and "拨付条件" in text and "60,000.25" in text
