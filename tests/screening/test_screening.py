"""Eligibility screening: outcomes (pass / return + resubmit / reject), mail, timeline, list, export,
and who may download attachments."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from grants.extensions import db
from grants.models import Assignment, ConflictDeclaration, Proposal, ProposalStatus, Role, Round, User, utcnow
from tests.conftest import counting_queries, translate
from tests.intake.helpers import EN, category_id, complete_proposal, form_data, load, login_ngo, save

ADMIN = "admin@example.org"


def submitted(app, client, auth, make, rnd, email="ngo@example.org", **overrides) -> int:
    login_ngo(make, auth, email)
    pid = complete_proposal(app, client, auth, rnd, **overrides)
    assert save(app, auth, pid, form_data(category_id(app, rnd), **overrides), action="submit").status_code == 302
    auth.logout()
    return pid


def as_admin(make, auth):
    make.user(Role.admin, email=ADMIN)
    auth.login(ADMIN)


def local(dt):
    from zoneinfo import ZoneInfo

    return dt.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


CHECKS = {"registration_valid": "y", "within_cap": "y", "attachments_complete": "y", "not_barred": "y"}


def test_pass(app, client, auth, make):
    rnd = make.round()
    pid = submitted(app, client, auth, make, rnd)
    as_admin(make, auth)
    page = client.get(f"/admin/proposals/{pid}/screening", headers=EN).get_data(as_text=True)
    assert "守護花蕾" in page and "System check" in page
    assert 'id="within_cap" name="within_cap" type="checkbox" value="y" checked' in page or "checked" in page
    response = auth.post(f"/admin/proposals/{pid}/screening", {**CHECKS, "outcome": "pass"})
    assert response.status_code == 302
    p = load(app, pid)
    assert p.status == ProposalStatus.eligible and p.screening.outcome == "pass"
    assert p.events[-1].status == ProposalStatus.eligible
    # the NGO is written to in its own language (zh_Hant by default), whatever the admin's screen shows
    passed = translate("Proposal %(number)s passed the eligibility screening", number=load(app, pid).number)
    assert any(passed == m["subject"] for m in app.extensions["grants_outbox"])


def test_return_then_resubmit_before_the_revision_deadline(app, client, auth, make):
    rnd = make.round()
    pid = submitted(app, client, auth, make, rnd)
    as_admin(make, auth)
    # a return needs a reason and a future deadline
    html = auth.post(f"/admin/proposals/{pid}/screening", {**CHECKS, "outcome": "return"}, headers=EN).get_data(as_text=True)
    assert "Give the reason" in html and load(app, pid).status == ProposalStatus.submitted
    past = local(utcnow() - timedelta(hours=1))
    html = auth.post(f"/admin/proposals/{pid}/screening", {**CHECKS, "outcome": "return", "reason": "缺年檢報告蓋章頁",
                                                           "revision_deadline": past}, headers=EN).get_data(as_text=True)
    assert "must be in the future" in html
    deadline = utcnow() + timedelta(days=3)
    response = auth.post(f"/admin/proposals/{pid}/screening", {**CHECKS, "outcome": "return", "reason": "缺年檢報告蓋章頁",
                                                               "revision_deadline": local(deadline)})
    assert response.status_code == 302
    p = load(app, pid)
    assert p.status == ProposalStatus.returned and p.revision_deadline is not None
    returned = translate("Proposal %(number)s returned for revision", number=load(app, pid).number)
    assert any(returned == m["subject"] for m in app.extensions["grants_outbox"])
    auth.logout()
    # the call has closed meanwhile: the NGO still revises and resubmits before its own deadline
    with app.app_context():
        from grants.models import Round

        db.session.get(Round, rnd.id).call_closes_at = utcnow() - timedelta(days=1)
        db.session.commit()
    auth.login("ngo@example.org")
    page = client.get(f"/applicant/proposals/{pid}", headers=EN).get_data(as_text=True)
    assert "缺年檢報告蓋章頁" in page and "Returned for revision" in page
    assert save(app, auth, pid, form_data(category_id(app, rnd), name="守護花蕾（修訂版）"), action="submit").status_code == 302
    p = load(app, pid)
    assert p.status == ProposalStatus.submitted and p.name == "守護花蕾（修訂版）"
    assert p.number.endswith("-0001")  # the same number
    assert [e.status for e in p.events][-2:] == [ProposalStatus.returned, ProposalStatus.submitted]


def test_returned_proposal_locked_after_its_revision_deadline(app, client, auth, make):
    rnd = make.round()
    pid = submitted(app, client, auth, make, rnd)
    as_admin(make, auth)
    auth.post(f"/admin/proposals/{pid}/screening", {**CHECKS, "outcome": "return", "reason": "補件",
                                                   "revision_deadline": local(utcnow() + timedelta(days=1))})
    auth.logout()
    with app.app_context():
        from grants.models import Proposal

        db.session.get(Proposal, pid).revision_deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
    auth.login("ngo@example.org")
    save(app, auth, pid, form_data(category_id(app, rnd), name="太遲"), action="submit")
    p = load(app, pid)
    assert p.status == ProposalStatus.returned and p.name != "太遲"


def test_reject(app, client, auth, make):
    rnd = make.round()
    pid = submitted(app, client, auth, make, rnd)
    as_admin(make, auth)
    response = auth.post(f"/admin/proposals/{pid}/screening", {"outcome": "reject", "reason": "機構登記已過期"})
    assert response.status_code == 302
    p = load(app, pid)
    assert p.status == ProposalStatus.rejected and p.screening.reason == "機構登記已過期"
    # the bar is computed, not ticked: an organization without a bar is recorded as not barred
    assert p.screening.checklist == {"registration_valid": False, "within_cap": False, "attachments_complete": False,
                                     "not_barred": True}
    failed = translate("Proposal %(number)s did not pass the eligibility screening", number=load(app, pid).number)
    mail = [m for m in app.extensions["grants_outbox"] if failed == m["subject"]]
    assert mail and "機構登記已過期" in mail[-1]["body"]


def test_drafts_are_not_screened(app, client, auth, make):
    rnd = make.round()
    draft = make.proposal(rnd.id, status=ProposalStatus.draft)
    as_admin(make, auth)
    assert client.get(f"/admin/proposals/{draft.id}/screening").status_code == 404
    assert auth.post(f"/admin/proposals/{draft.id}/screening", {"outcome": "pass"}).status_code == 404


def test_list_filters_and_search(app, client, auth, make):
    rnd = make.round()
    cats = [category_id(app, rnd, i) for i in range(2)]
    a = make.proposal(rnd.id, name="反家暴法律援助", category_id=cats[1], districts=["huidong"])
    b = make.proposal(rnd.id, name="四點半課堂", category_id=cats[0], districts=["huicheng", "boluo"])
    make.proposal(rnd.id, name="草稿不列出", status=ProposalStatus.draft)
    as_admin(make, auth)
    url = f"/admin/rounds/{rnd.id}/screening"
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert a.name in page and b.name in page and "草稿不列出" not in page
    page = client.get(url + f"?category={cats[1]}").get_data(as_text=True)
    assert a.name in page and b.name not in page
    page = client.get(url + "?district=boluo").get_data(as_text=True)
    assert b.name in page and a.name not in page
    page = client.get(url + "?q=課堂").get_data(as_text=True)
    assert b.name in page and a.name not in page
    page = client.get(url + "?status=eligible").get_data(as_text=True)
    assert a.name not in page
    assert client.get(url + "?page=abc&q=%25_").status_code == 200


def test_list_query_count_does_not_grow_with_rows(app, client, auth, make):
    rnd = make.round()
    as_admin(make, auth)

    def count_queries():
        with counting_queries(app) as seen:
            assert client.get(f"/admin/rounds/{rnd.id}/screening").status_code == 200
        return len(seen)

    for _ in range(2):
        make.proposal(rnd.id)
    few = count_queries()
    for _ in range(8):
        make.proposal(rnd.id)
    assert count_queries() == few


def test_excel_export(app, client, auth, make):
    rnd = make.round()
    org = make.organization(name="惠州市陽光婦女兒童服務中心")
    make.proposal(rnd.id, organization_id=org.id, name="=HYPERLINK(\"http://x\")", number="HZ-T-0001",
                  requested="150000.50", matching_funds="20000", districts=["huicheng", "longmen"])
    make.proposal(rnd.id, name="第二個", number="HZ-T-0002")
    make.proposal(rnd.id, name="草稿", status=ProposalStatus.draft)
    as_admin(make, auth)
    response = client.get(f"/admin/rounds/{rnd.id}/proposals.xlsx", headers=EN)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(response.data))
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("Submission number", "Project name", "Organization", "Unified Social Credit Code")
    assert len(rows) == 3  # header + 2 submitted, the draft is not exported
    first = rows[1]
    assert first[0] == "HZ-T-0001" and first[1] == "=HYPERLINK(\"http://x\")" and ws["B2"].data_type == "s"
    assert first[2] == "惠州市陽光婦女兒童服務中心" and first[3] == org.uscc
    assert first[5] == "Huicheng District, Longmen County"  # an English list separator in an English export
    assert float(first[6]) == 150000.50 and float(first[7]) == 20000
    assert first[9] == "Submitted"
    lines = list(wb.worksheets[1].iter_rows(values_only=True))
    assert len(lines) == 1 + 4 and lines[1][0] == "HZ-T-0001" and float(lines[1][6]) == 150000.50


# ------------------------------------------------------------------ attachment access

def test_attachment_download_access(app, client, auth, make):
    rnd = make.round()
    pid = submitted(app, client, auth, make, rnd)
    att = load(app, pid).attachments[0]
    url = f"/attachments/{att.id}"

    def get_as(email):
        auth.logout()
        if email:
            auth.login(email)
        return client.get(url)

    response = get_as("ngo@example.org")  # the owner
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    response.close()
    make.user(Role.admin, email=ADMIN)
    r = get_as(ADMIN)
    assert r.status_code == 200
    r.close()
    make.user(Role.applicant, email="other@example.org")
    assert get_as("other@example.org").status_code == 404
    reviewer = make.user(Role.reviewer, email="rev@example.org")
    assert get_as("rev@example.org").status_code == 404  # not assigned
    with app.app_context():
        db.session.add(Assignment(round_id=rnd.id, proposal_id=pid, reviewer_id=reviewer.id))
        db.session.commit()
    assert get_as("rev@example.org").status_code == 404  # assigned, but no declaration of no conflict yet
    with app.app_context():
        db.session.add(ConflictDeclaration(reviewer_id=reviewer.id, proposal_id=pid, has_conflict=False))
        db.session.commit()
    assert get_as("rev@example.org").status_code == 404  # blind round: identity documents stay hidden
    with app.app_context():
        db.session.get(Round, rnd.id).blind_review = False
        db.session.commit()
    r = get_as("rev@example.org")
    assert r.status_code == 200  # assigned, declared no conflict, open round
    r.close()
    with app.app_context():
        declaration = db.session.scalar(select(ConflictDeclaration).where(ConflictDeclaration.proposal_id == pid))
        declaration.has_conflict = True
        db.session.commit()
    assert get_as("rev@example.org").status_code == 404  # a declared conflict removes access
    assert get_as(None).status_code == 302  # anonymous: to the login page


def test_proposal_pdf_for_owner_and_admin(app, client, auth, make):
    rnd = make.round()
    pid = submitted(app, client, auth, make, rnd)
    auth.login("ngo@example.org")
    response = client.get(f"/applicant/proposals/{pid}/pdf")
    assert response.status_code == 200 and response.data[:5] == b"%PDF-"
    assert response.headers["Cache-Control"] == "private, no-store"
    auth.logout()
    as_admin(make, auth)
    assert client.get(f"/admin/proposals/{pid}/pdf").data[:5] == b"%PDF-"


def test_outcome_mail_in_the_ngos_language(app, client, auth, make):
    """An NGO that chose English is written to in English, though the admin works in Chinese."""
    rnd = make.round()
    pid = submitted(app, client, auth, make, rnd)
    with app.app_context():
        proposal = db.session.get(Proposal, pid)
        number, contact = proposal.number, proposal.organization.contact_email
        user = db.session.scalar(select(User).where(User.organization_id == proposal.organization_id))
        user.locale, user.email = "en", contact
        db.session.commit()
    as_admin(make, auth)
    assert auth.post(f"/admin/proposals/{pid}/screening", {"outcome": "pass"}).status_code == 302
    subjects = [m["subject"] for m in app.extensions["grants_outbox"] if m["to"] == contact]
    assert subjects and subjects[-1] == f"Proposal {number} passed the eligibility screening"
