"""Mid-term and final reports through the app: opening a report of a signed agreement (pre-filled from
the proposal and the budget), drafts that keep what was typed, "check and submit" with every problem at
once, the confirmation step, evidence files, return for revision, acceptance, due dates and extensions,
and the scheduled overdue marking and reminders with a frozen clock. Who may see what: the access matrix
and the IDOR walk (tests/security) cover every report route for every role."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import time_machine
from sqlalchemy import select

from grants.extensions import db
from grants.models import Agreement, AuditEntry, OutboxMail, Report, ReportStatus
from grants.platform import reminders, uploads
from grants.reports import operations as ops
from grants.reports import reminders as reports_stage
from grants.rules.refusal import Refusal
from tests.agreements.support import PROJECT
from tests.conftest import Actions, csrf_token, translate
from tests.reports import support as s
from tests.reports.support import ADMIN, FINAL_DUE, MIDTERM_DUE, NGO


def _version(app, report_id: int) -> str:
    with app.app_context():
        return str(db.session.get(Report, report_id).version)


def _report(app, report_id: int) -> Report:
    with app.app_context():
        report = db.session.get(Report, report_id)
        _ = report.served, report.files
        db.session.expunge_all()
        return report


def _mails(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(m.to, m.subject) for m in db.session.scalars(select(OutboxMail).order_by(OutboxMail.id))]


def _actions(app, email: str) -> Actions:
    actions = Actions(app.test_client())
    actions.login(email)
    return actions


def test_midterm_report_draft_check_submit_return_revise_accept(app, make):
    world = s.build(make, app)
    ngo = _actions(app, NGO)
    c = ngo.client
    page = c.get(f"/applicant/agreements/{world.agreement_id}/reports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert all(due.isoformat() in html for due in s.upcoming())
    # the agreement's project page shows them too
    assert "project-reports" in c.get(f"/applicant/agreements/{world.agreement_id}").get_data(as_text=True)

    opened = ngo.post(f"/applicant/agreements/{world.agreement_id}/reports/midterm/open")
    assert opened.status_code == 302
    report_id = int(re.search(r"/reports/(\d+)$", opened.headers["Location"]).group(1))
    url = f"/applicant/reports/{report_id}"
    form_html = c.get(url).get_data(as_text=True)
    assert "安全教育講座" in form_html and "兒童安全知識知曉率" in form_html and "85%" in form_html
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert report.due_on == s.upcoming()[0] and list(report.spending) == ["activities", "personnel"]
        assert [a["planned"] for a in report.activities] == ["安全教育講座", "親子戶外活動"]

    # a bad amount: nothing saved, everything typed is still on the page
    token = csrf_token(c, url)
    bad = s.complete_form(token, action="save", version=_version(app, report_id)) | {"spending-0-spent": "5萬"}
    response = c.post(url, data=bad)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "5萬" in text and "辦了 4 場講座，共 160 人次" in text and "前後測問卷" in text
    assert _report(app, report_id).activities[0]["done"] == ""

    # check and submit with parts missing: the draft is saved, every problem is shown at once
    partial = s.complete_form(token, version=_version(app, report_id)) | {
        "indicators-0-actual": "", "activities-1-state": "", "spending-1-spent": ""}
    response = c.post(url, data=partial)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.count('role="alert"') >= 3
    saved = _report(app, report_id)
    assert saved.activities[0]["done"] == "辦了 4 場講座，共 160 人次" and saved.status == ReportStatus.draft
    assert saved.spent_total == Decimal("50000.50")
    assert sorted((str(x.target_group), x.district, x.person_times) for x in saved.served if x.person_times) == [
        ("families", "huicheng", 20), ("women", "boluo", 60), ("women", "huicheng", 100)]
    assert sum(x.person_times for x in saved.served) == 180

    # complete: to the confirmation step, then submitted
    response = c.post(url, data=s.complete_form(token, version=_version(app, report_id)))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}/submit")
    confirm = c.get(f"{url}/submit").get_data(as_text=True)
    assert "confirm-submit" in confirm and "180" in confirm
    response = c.post(f"{url}/submit", data={"csrf_token": token, "version": _version(app, report_id)})
    assert response.status_code == 302
    assert _report(app, report_id).status == ReportStatus.submitted
    view = c.get(url).get_data(as_text=True)
    assert 'id="report-form"' not in view and "88%" in view  # read-only now
    assert c.post(url, data=s.complete_form(token, version=_version(app, report_id))).status_code == 302
    assert _report(app, report_id).indicators[0]["actual"] == "88%"
    assert any(to == ADMIN for to, _subject in _mails(app))

    # the admin returns it with a reason and a new deadline; the NGO revises and resubmits
    admin = _actions(app, ADMIN)
    listing = admin.client.get(f"/admin/rounds/{world.round_id}/reports?status=submitted")
    assert listing.status_code == 200 and f"/admin/reports/{report_id}" in listing.get_data(as_text=True)
    assert f"/admin/reports/{report_id}" not in admin.client.get(
        f"/admin/rounds/{world.round_id}/reports?status=accepted").get_data(as_text=True)
    assert admin.client.get(f"/admin/reports/{report_id}").status_code == 200
    new_due = (date.today() + timedelta(days=10)).isoformat()
    refused = admin.post(f"/admin/reports/{report_id}/return", {"reason": "", "revision_due": new_due})
    assert refused.status_code == 400
    admin.post(f"/admin/reports/{report_id}/return", {"reason": "請補充活動照片", "revision_due": new_due})
    returned = _report(app, report_id)
    assert returned.status == ReportStatus.returned and returned.revision_due_on.isoformat() == new_due
    assert "請補充活動照片" in c.get(url).get_data(as_text=True)
    c.post(url, data=s.complete_form(token, version=_version(app, report_id)))
    c.post(f"{url}/submit", data={"csrf_token": token, "version": _version(app, report_id)})
    assert _report(app, report_id).status == ReportStatus.submitted

    admin.post(f"/admin/reports/{report_id}/accept")
    assert _report(app, report_id).status == ReportStatus.accepted
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    for action in ("open_report", "submit_report", "return_report", "accept_report"):
        assert action in actions



def test_final_report_needs_settlement_and_audit_report_and_evidence_is_checked(app, make):
    world = s.build(make, app)
    ngo = _actions(app, NGO)
    c = ngo.client
    opened = ngo.post(f"/applicant/agreements/{world.agreement_id}/reports/final/open")
    report_id = int(opened.headers["Location"].rsplit("/", 1)[1])
    url = f"/applicant/reports/{report_id}"
    token = csrf_token(c, url)
    response = c.post(url, data=s.complete_form(token, version=_version(app, report_id)))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "settlement-0-amount" in text
    with app.test_request_context():
        codes = [p.code for p in ops.submission_problems(db.session.get(Report, report_id))]
    assert codes == ["settlement_missing", "settlement_missing", "audit_report_missing"]

    # evidence: a fake PDF is refused by content, and then nothing is saved, not even the draft (all typed
    # stays on the page); a real one is stored with the draft; the audit report completes the report
    typed = s.complete_form(token, action="upload", final=True, version=_version(app, report_id))
    fake = c.post(url, data=typed | {"evidence_kind": "audit", "evidence": (io.BytesIO(b"not a pdf"), "審計.pdf")},
                  content_type="multipart/form-data")
    assert fake.status_code == 400 and "30000.50" in fake.get_data(as_text=True)
    assert not _report(app, report_id).files and _report(app, report_id).settlement_total == 0
    typed["version"] = _version(app, report_id)
    response = c.post(url, data=typed | {"evidence_kind": "audit",
                                         "evidence": (io.BytesIO(uploads.tiny_pdf()), "審計報告.pdf")},
                      content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("#sec-evidence")
    assert _report(app, report_id).settlement_total == Decimal("120000.50")
    files = _report(app, report_id).files
    assert [(str(f.kind), f.original_name) for f in files] == [("audit", "審計報告.pdf")]
    assert c.get(f"/applicant/report-files/{files[0].id}").data.startswith(b"%PDF")
    assert _actions(app, ADMIN).client.get(f"/admin/report-files/{files[0].id}").status_code == 200

    # a photo through the evidence route, then removed again
    c.post(f"{url}/files", data={"csrf_token": token, "kind": "photo",
                                 "evidence": (io.BytesIO(uploads.tiny_pdf()), "活動照片.pdf")},
           content_type="multipart/form-data")
    photo = _report(app, report_id).files[-1]
    assert photo.original_name == "活動照片.pdf"
    removed = c.post(f"/applicant/report-files/{photo.id}/delete", data={"csrf_token": token})
    assert removed.status_code == 302 and removed.headers["Location"].endswith(f"{url}#sec-evidence")
    assert [f.original_name for f in _report(app, report_id).files] == ["審計報告.pdf"]

    c.post(url, data=s.complete_form(token, final=True, version=_version(app, report_id)))
    c.post(f"{url}/submit", data={"csrf_token": token, "version": _version(app, report_id)})
    report = _report(app, report_id)
    assert report.status == ReportStatus.submitted and report.settlement_total == Decimal("120000.50")
    # once submitted, files can be neither added nor removed
    c.post(f"/applicant/report-files/{files[0].id}/delete", data={"csrf_token": token})
    assert len(_report(app, report_id).files) == 1


def test_overdue_marking_extensions_due_dates_and_reminders_with_a_frozen_clock(app, make):
    world = s.build(make, app, dues=(MIDTERM_DUE, FINAL_DUE))

    def at(day: date, hour: int = 10):
        return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8),
                                   tick=False)

    def mark(day: date) -> list[int]:
        with at(day), app.test_request_context():
            ids = [r.id for r in ops.mark_overdue(day)]
            db.session.commit()
            return ids

    def scan(day: date) -> list[tuple[str, str]]:
        before = len(_mails(app))
        with at(day), app.test_request_context():
            reminders.send_due()
            db.session.commit()
        return _mails(app)[before:]

    # the 7-day and the 1-day reminders to the NGO, once each, not before
    assert scan(MIDTERM_DUE - timedelta(days=8)) == []
    sent = scan(MIDTERM_DUE - timedelta(days=7))
    assert sent == [(NGO, translate("Reminder: the %(kind)s of “%(project)s” is due by %(due)s", "zh_Hant",
                                    kind="中期報告", project=PROJECT, due=MIDTERM_DUE.isoformat()))]
    assert scan(MIDTERM_DUE - timedelta(days=6)) == []
    assert [to for to, _s in scan(MIDTERM_DUE - timedelta(days=1))] == [NGO]
    assert scan(MIDTERM_DUE) == []

    # not overdue on the due day; marked from the day after, once (the report was never started)
    assert mark(MIDTERM_DUE) == []
    with at(MIDTERM_DUE + timedelta(days=1)), app.test_request_context():  # the scheduled job does it
        reports_stage.enqueue_mark_overdue()
        db.session.commit()  # the job runs when the context ends (QUEUE_URL "immediate")
    with app.app_context():
        marked = list(db.session.scalars(select(Report.id).where(Report.overdue_at.is_not(None))))
    assert len(marked) == 1 and mark(MIDTERM_DUE + timedelta(days=2)) == []
    sent = scan(MIDTERM_DUE + timedelta(days=1))
    assert sorted(to for to, _s in sent) == sorted([NGO, ADMIN])
    assert scan(MIDTERM_DUE + timedelta(days=2)) == []
    # a late report is refused, and so is a late extension
    with at(MIDTERM_DUE + timedelta(days=2)), app.test_request_context():
        report = db.session.get(Report, marked[0])
        for attempt in (lambda: ops.submit(report), lambda: ops.grant_extension(
                report.agreement, "midterm", new_date=date(2026, 8, 1), reason="遲了", user_id=None)):
            try:
                attempt()
            except Refusal as exc:
                assert exc.code in ("report_overdue", "extension_too_late")
            else:
                raise AssertionError("a late report or extension was accepted")
            db.session.rollback()

    # the final report: an extension granted on its due day moves it; no mark on the old date
    agreement_id = world.agreement_id
    with at(FINAL_DUE), app.test_request_context():
        agreement = db.session.get(Agreement, agreement_id)
        ops.grant_extension(agreement, "final", new_date=FINAL_DUE + timedelta(days=14), reason="審計延誤",
                            user_id=None)
        db.session.commit()
    assert mark(FINAL_DUE + timedelta(days=1)) == []
    assert mark(FINAL_DUE + timedelta(days=14)) == []
    assert len(mark(FINAL_DUE + timedelta(days=15))) == 1
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEntry))]
    assert actions.count("report_overdue") == 2 and "grant_report_extension" in actions


def test_admin_edits_due_dates_before_they_pass_and_grants_extensions_through_the_page(app, make):
    world = s.build(make, app)
    admin = _actions(app, ADMIN)
    page = f"/admin/agreements/{world.agreement_id}/reports"
    assert admin.client.get(page).status_code == 200
    today = date.today()
    mid, final = today + timedelta(days=20), today + timedelta(days=200)
    response = admin.post(f"/admin/agreements/{world.agreement_id}/report-dues",
                          {"midterm_report_due": mid.isoformat(), "final_report_due": final.isoformat()})
    assert response.status_code == 302
    with app.app_context():
        a = db.session.get(Agreement, world.agreement_id)
        assert (a.midterm_report_due, a.final_report_due) == (mid, final)
    # the final report before the mid-term one: refused next to the field
    response = admin.post(f"/admin/agreements/{world.agreement_id}/report-dues",
                          {"midterm_report_due": final.isoformat(), "final_report_due": mid.isoformat()})
    assert response.status_code == 400
    # an extension without a reason is refused; with one it is granted and the NGO told
    response = admin.post(f"/admin/agreements/{world.agreement_id}/reports/midterm/extension",
                          {"extend-midterm-extended_to": (mid + timedelta(days=7)).isoformat(), "extend-midterm-reason": ""})
    assert response.status_code == 400
    admin.post(f"/admin/agreements/{world.agreement_id}/reports/midterm/extension",
               {"extend-midterm-extended_to": (mid + timedelta(days=7)).isoformat(),
                "extend-midterm-reason": "社區疫情停課"})
    with app.app_context():
        report = db.session.scalar(select(Report).where(Report.agreement_id == world.agreement_id))
        assert report.extended_to == mid + timedelta(days=7) and report.extension_reason == "社區疫情停課"
    assert any(to == NGO for to, _s in _mails(app))
    html = admin.client.get(f"/admin/rounds/{world.round_id}/reports?status=extended").get_data(as_text=True)
    assert f"row-{world.agreement_id}-midterm" in html and f"row-{world.agreement_id}-final" not in html


def test_my_agreements_shows_the_next_report_due(app, make):
    """The NGO's agreements list says which report is due next and by when (before: only the project page)."""
    world = s.build(make, app)
    ngo = _actions(app, NGO)
    html = ngo.client.get("/applicant/agreements", headers={"Accept-Language": "en"}).get_data(as_text=True)
    midterm_due = s.upcoming()[0]
    assert f"Due by {midterm_due.isoformat()}" in html and f"/applicant/agreements/{world.agreement_id}/reports" in html
    assert "Mid-term report" in html
