"""The evaluation stage through the app: panel, COI, scoring, decision, 公示 with objections,
final outcomes (tranche due on a pass; stop, termination and refund on a fail), the PDFs read back
and /verify."""

from __future__ import annotations

import html as html_lib
import re
from decimal import Decimal

from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Agreement,
    AgreementStatus,
    ConflictDeclaration,
    Evaluation,
    EvaluationState,
    OutboxMail,
    Publication,
    Report,
    ReportKind,
    ReportStatus,
    utcnow,
)
from grants.platform import localtime
from tests.evaluation import support as s
from tests.pdfs import text_of


def _today(app):
    with app.app_context():
        return localtime.today()


def _eval(app, eid) -> Evaluation:
    with app.app_context():
        e = db.session.get(Evaluation, eid)
        _ = (e.agreement.tranches, e.panel, e.score_sheets, e.rubric)
        db.session.expunge_all()
        return e


def test_midterm_pass_then_final_pass_with_certificate(app, client, auth, make):
    w = s.build(make, app)
    auth.login(s.ADMIN)
    page = client.get(f"/admin/rounds/{w.round_id}/evaluations?kind=midterm").get_data(as_text=True)
    assert "留守兒童安全守護行動" in page and 'id="agreement-' in page
    # the round's mid-term pass mark raised to 86 (a new rubric version); the project will score exactly 86.00
    rubric_page = client.get(f"/admin/rounds/{w.round_id}/evaluation-rubric/midterm").get_data(as_text=True)
    definition = re.search(r'<textarea[^>]*name="definition"[^>]*>(.*?)</textarea>', rubric_page, re.S).group(1)
    r = auth.post(f"/admin/rounds/{w.round_id}/evaluation-rubric/midterm",
                  {"pass_mark": "86", "definition": html_lib.unescape(definition)})
    assert r.status_code == 302
    assert auth.post(f"/admin/rounds/{w.round_id}/evaluation-rubric/midterm",
                     {"pass_mark": "101", "definition": ""}).status_code == 400  # above the highest total
    for ev in w.evaluator_ids[:2]:
        assert s.assign(auth, w.round_id, w.agreement_id, ev).status_code == 302
    eid = s.evaluation_id(app, w.agreement_id)
    assert eid is not None and _eval(app, eid).state == EvaluationState.scoring
    auth.logout()

    # evaluator 1: declare, read the report (not blind: the organization is shown), score 85
    auth.login(s.EVALUATORS[0])
    assert client.get(f"/reviewer/evaluations/{eid}").status_code == 302  # declaration first
    s.declare(auth, eid)
    report = client.get(f"/reviewer/evaluations/{eid}").get_data(as_text=True)
    assert "惠城區陽光社工服務中心" in report and "場地不足" in report
    r = s.score(auth, eid, bonus_media="3", deduction_late_material="1",
                method="site_visit", visited_on=_today(app).isoformat(), visit_notes="走訪兩個社區")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    auth.logout()
    auth.login(s.EVALUATORS[1])
    s.declare(auth, eid)
    assert s.score(auth, eid, method="phone").status_code == 400  # phone needs a date
    assert s.score(auth, eid, method="phone", visited_on=_today(app).isoformat()).status_code == 302
    auth.logout()
    e = _eval(app, eid)
    totals = sorted(sh.total for sh in e.score_sheets)
    assert totals == [Decimal("85.00"), Decimal("87.00")]  # 85; 85 + 3 bonus − 1 deduction

    auth.login(s.ADMIN)
    assert auth.post(f"/admin/evaluations/{eid}/decide", {"refund": ""}).status_code == 302
    e = _eval(app, eid)
    assert e.state == EvaluationState.decided and e.passed and e.score == Decimal("86.00")  # at the mark: passes
    assert Decimal(e.rubric.definition["pass_mark"]) == 86 and e.rubric.version == 1
    r = auth.post(f"/admin/rounds/{w.round_id}/evaluations/publish?kind=midterm")
    assert r.status_code == 302
    with app.app_context():
        pub = db.session.scalar(select(Publication).where(Publication.kind == "evaluation"))
        assert pub.status == "notice" and pub.pdf_sha256 and pub.data_code
        pub_id, code, award_pub = pub.id, pub.data_code, db.session.scalar(
            select(Publication).where(Publication.kind == "award"))
        assert award_pub.status == "final"  # the award list is untouched
    public = client.get(f"/results/{w.round_id}/evaluations").get_data(as_text=True)
    assert "留守兒童安全守護行動" in public and "86.00" in public
    pdf_bytes = client.get(f"/results/{w.round_id}/evaluations/{pub_id}/list.pdf").data
    text = text_of(pdf_bytes, squash=True)
    assert "留守兒童安全守護行動" in text and "86.00" in text and "通過" in text and code[:16] in text
    # too early to make final
    r = auth.post(f"/admin/rounds/{w.round_id}/evaluations/finalise?kind=midterm", follow_redirects=True)
    assert _eval(app, eid).state == EvaluationState.noticed
    s.end_notice(app, w.round_id)
    assert auth.post(f"/admin/rounds/{w.round_id}/evaluations/finalise?kind=midterm").status_code == 302
    e = _eval(app, eid)
    assert e.state == EvaluationState.final
    midterm_tranche = next(t for t in e.agreement.tranches if t.condition == "midterm")
    assert midterm_tranche.due_on == _today(app)  # the tranche waiting on it is due
    assert "midterm" in e.agreement.conditions_met
    with app.app_context():
        assert db.session.scalar(select(OutboxMail.id).where(OutboxMail.to == s.NGO,
                                                              OutboxMail.subject.contains("留守兒童")))

    # final evaluation: report, one evaluator, pass, notice, final → certificate
    with app.app_context():
        a = db.session.get(Agreement, w.agreement_id)
        db.session.add(Report(agreement_id=a.id, round_id=a.round_id, organization_id=a.organization_id,
                              kind=ReportKind.final, status=ReportStatus.submitted, due_on=localtime.today(),
                              submitted_at=utcnow(), spent_total=Decimal("100000")))
        db.session.commit()
    assert s.assign(auth, w.round_id, w.agreement_id, w.evaluator_ids[2], kind="final").status_code == 302
    fid = s.evaluation_id(app, w.agreement_id, "final")
    auth.logout()
    auth.login(s.EVALUATORS[2])
    s.declare(auth, fid)
    assert s.score(auth, fid).status_code == 302
    auth.logout()
    auth.login(s.ADMIN)
    auth.post(f"/admin/evaluations/{fid}/decide", {"refund": ""})
    auth.post(f"/admin/rounds/{w.round_id}/evaluations/publish?kind=final")
    s.end_notice(app, w.round_id)
    auth.post(f"/admin/rounds/{w.round_id}/evaluations/finalise?kind=final")
    f = _eval(app, fid)
    assert f.state == EvaluationState.final and f.passed and f.certificate_code and f.certificate_sha256
    assert next(t for t in f.agreement.tranches if t.condition == "final").due_on is not None
    auth.logout()

    auth.login(s.NGO)
    mine = client.get("/applicant/evaluations").get_data(as_text=True)
    assert "留守兒童安全守護行動" in mine
    cert = client.get(f"/applicant/evaluations/{fid}/certificate.pdf")
    assert cert.status_code == 200
    text = text_of(cert.data, squash=True)
    assert "結項證書" in text and "惠城區陽光社工服務中心" in text and f.certificate_code[:16] in text
    auth.logout()
    auth.login(s.OTHER_NGO)
    assert client.get(f"/applicant/evaluations/{fid}/certificate.pdf").status_code == 403
    auth.logout()

    # /verify: genuine for the certificate and the list (by code and by file), not for an altered code
    for value in (f.certificate_code, f.certificate_sha256, code):
        page = client.get(f"/verify?code={value}").get_data(as_text=True)
        assert 'id="evaluation-genuine"' in page, value
    altered = ("0" if f.certificate_code[0] != "0" else "1") + f.certificate_code[1:]
    page = client.get(f"/verify?code={altered}").get_data(as_text=True)
    assert 'id="evaluation-genuine"' not in page and "not-genuine" in page


def test_overdue_fails_and_terminates_with_refund_and_conflicts_are_enforced(app, client, auth, make, monkeypatch):
    from grants.evaluation import documents
    from grants.platform import uploads

    # the list PDF itself is read back in the test above; here a stand-in keeps the test fast
    monkeypatch.setattr(documents, "render_results", lambda pub: (uploads.tiny_pdf(), "e" * 64))
    w = s.build(make, app, spent="20000")
    _conflicts_are_enforced(app, client, auth, w)
    with app.app_context():
        report = db.session.scalar(select(Report).where(Report.agreement_id == w.other_agreement_id))
        report.overdue_at = utcnow()
        db.session.commit()
    auth.login(s.ADMIN)
    s.assign(auth, w.round_id, w.other_agreement_id, w.evaluator_ids[0])
    eid = s.evaluation_id(app, w.other_agreement_id)
    auth.logout()
    auth.login(s.EVALUATORS[0])
    s.declare(auth, eid)
    s.score(auth, eid)  # 85 points, but the report was overdue
    auth.logout()
    auth.login(s.ADMIN)
    auth.post(f"/admin/evaluations/{eid}/decide", {"refund": ""})
    e = _eval(app, eid)
    paid = e.agreement.tranches[0].amount
    assert e.passed is False and e.reason == "overdue" and e.refund_amount == paid - Decimal("20000")
    auth.post(f"/admin/rounds/{w.round_id}/evaluations/publish")
    # an objection during the notice blocks finalisation until decided
    client.get("/")
    auth.logout()
    form = client.get(f"/results/{w.round_id}/evaluations/objection").get_data(as_text=True)
    assert "家庭和諧親子成長營" in form
    r = auth.post(f"/results/{w.round_id}/evaluations/objection",
                  {"name": "張三", "contact": "13800000000", "proposal": str(e.proposal_id),
                   "reasons": "報告逾期是因為疫情封控，請求重新評估。"})
    assert r.status_code == 302
    s.end_notice(app, w.round_id)
    auth.login(s.ADMIN)
    auth.post(f"/admin/rounds/{w.round_id}/evaluations/finalise")
    assert _eval(app, eid).state == EvaluationState.noticed  # open objection
    from grants.models import Objection

    with app.app_context():
        objection_id = db.session.scalar(select(Objection.id))
    assert client.get(f"/admin/objections/{objection_id}").status_code == 200
    assert auth.post(f"/admin/evaluations/{eid}/reopen").status_code == 302  # refused: nothing upheld yet
    assert _eval(app, eid).state == EvaluationState.noticed
    assert auth.post(f"/admin/objections/{objection_id}", {"status": "upheld", "investigation": "屬實",
                                                           "decision": "重新評估", "withdraw_award": "y"}
                     ).status_code == 302
    with app.app_context():  # an objection to an evaluation notice never withdraws the award
        from grants.models import Award

        assert not db.session.scalar(select(Award).where(Award.proposal_id == e.proposal_id)).withdrawn
    auth.post(f"/admin/evaluations/{eid}/reopen")
    e = _eval(app, eid)
    assert e.state == EvaluationState.scoring and e.passed is None and e.publication_id is None
    auth.post(f"/admin/rounds/{w.round_id}/evaluations/finalise")  # the old notice, now without it
    with app.app_context():
        old = db.session.scalar(select(Publication).where(Publication.kind == "evaluation"))
        assert old.status == "final" and old.final_rows == []
    # decided again (the report is still overdue), noticed again, final
    auth.post(f"/admin/evaluations/{eid}/decide", {"refund": ""})
    auth.post(f"/admin/rounds/{w.round_id}/evaluations/publish")
    s.end_notice(app, w.round_id)
    auth.post(f"/admin/rounds/{w.round_id}/evaluations/finalise")
    e = _eval(app, eid)
    assert e.state == EvaluationState.final
    a = e.agreement
    assert a.status == AgreementStatus.terminated and a.stopped_at is not None
    assert a.refund_demanded == paid - Decimal("20000")
    assert all(t.due_on is None for t in a.tranches if t.condition != "signing")
    public = client.get(f"/results/{w.round_id}/evaluations").get_data(as_text=True)
    assert "家庭和諧親子成長營" in public
    # the refund can still be recorded after the termination
    from grants.agreements import operations_money as money

    with app.test_request_context():
        money.record_refund(db.session.get(Agreement, a.id), amount=Decimal("100"), paid_on=localtime.today(),
                            voucher_no="R-1", user_id=None)


def _conflicts_are_enforced(app, client, auth, w):
    """On the NGO's own agreement of the same world: a declared conflict shuts out and blocks assignment."""
    auth.login(s.ADMIN)
    s.assign(auth, w.round_id, w.agreement_id, w.evaluator_ids[0])
    s.assign(auth, w.round_id, w.agreement_id, w.evaluator_ids[1])
    eid = s.evaluation_id(app, w.agreement_id)
    auth.logout()
    auth.login(s.EVALUATORS[0])
    assert s.declare(auth, eid, conflict=True).status_code == 302
    assert client.get(f"/reviewer/evaluations/{eid}/sheet").status_code == 403
    assert s.score(auth, eid, version="0").status_code == 403
    auth.logout()
    auth.login(s.OUTSIDER)
    assert client.get(f"/reviewer/evaluations/{eid}").status_code == 403
    assert client.get(f"/reviewer/evaluations/{eid}/declaration").status_code == 403
    auth.logout()
    auth.login(s.ADMIN)
    r = s.assign(auth, w.round_id, w.agreement_id, w.evaluator_ids[0])  # conflicted: refused
    assert r.status_code == 302
    e = _eval(app, eid)
    assert [p.evaluator_id for p in e.panel] == [w.evaluator_ids[1]]
    with app.app_context():
        d = db.session.scalar(select(ConflictDeclaration).where(ConflictDeclaration.reviewer_id == w.evaluator_ids[0]))
        assert d.has_conflict and d.relation == "board"
    # deciding without any submitted sheet is refused
    auth.post(f"/admin/evaluations/{eid}/decide", {"refund": ""})
    assert _eval(app, eid).state == EvaluationState.scoring
    page = client.get(f"/admin/evaluations/{eid}").get_data(as_text=True)
    assert re.search(r"評估專家2", page)
    auth.logout()
