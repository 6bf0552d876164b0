"""Sanctions (取消資格): a bar is enforced when the organization creates or submits a proposal and in
screening, on the bar's first and last day and not the day before or after; admins bar and lift
with reasons (audited); the NGO's dashboard says why it cannot apply and until when."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from grants.extensions import db
from grants.intake import operations as intake_ops
from grants.models import (
    AuditEntry,
    Organization,
    OutboxMail,
    Proposal,
    ProposalStatus,
    Role,
    Round,
    Sanction,
    ScreeningOutcome,
)
from grants.organizations import operations as org_ops
from grants.platform import localtime
from grants.rules.refusal import Refusal
from grants.screening import operations as screening_ops
from tests.conftest import translate
from tests.intake.helpers import EN
from tests.organizations.helpers import local_noon

START, END = date(2026, 3, 10), date(2029, 3, 9)
DAYS = {"day_before": START - timedelta(days=1), "start": START, "end": END, "day_after": END + timedelta(days=1)}
BARRED = {"day_before": False, "start": True, "end": True, "day_after": False}


def refused_code(fn) -> str | None:
    try:
        fn()
    except Refusal as exc:
        db.session.rollback()
        return exc.code
    db.session.rollback()
    return None


def test_bar_enforced_at_create_submit_and_screening(app, make):
    rnd = make.round(call_opens_at=datetime(2026, 1, 1, tzinfo=UTC), call_closes_at=datetime(2031, 1, 1, tzinfo=UTC))
    org = make.organization()
    draft = make.proposal(rnd.id, org.id, status=ProposalStatus.draft)
    submitted = make.proposal(rnd.id, org.id, status=ProposalStatus.submitted)
    org_id = org.id
    with app.app_context():
        org = db.session.get(Organization, org_id)
        org_ops.bar(org, START, END, "虛報服務人次", None, local_noon(START - timedelta(days=30)))
        db.session.commit()
        seen = {}
        for name, day in DAYS.items():
            now = local_noon(day)
            rnd_ = db.session.get(Round, rnd.id)
            org = db.session.get(Organization, org_id)
            created = refused_code(lambda rnd_=rnd_, org=org, now=now: intake_ops.create_proposal(rnd_, org, None, now))
            proposal = db.session.get(Proposal, draft.id)
            problems = [p.code for p in intake_ops.submission_problems(proposal, now)]
            submit = refused_code(lambda proposal=proposal, now=now: intake_ops.submit_proposal(proposal, None, now))
            target = db.session.get(Proposal, submitted.id)
            checklist = screening_ops.system_checklist(target, now)
            screened = refused_code(lambda target=target, now=now: screening_ops.screen(
                target, ScreeningOutcome.passed, {}, "", None, None, now))
            rejected = refused_code(lambda target=target, now=now: screening_ops.screen(
                target, ScreeningOutcome.rejected, {}, "取消資格期間", None, None, now))
            seen[name] = (created, "barred" in problems, submit == "barred", checklist["not_barred"], screened,
                          rejected)
    for name, barred in BARRED.items():
        created, in_problems, submit_refused, not_barred, screened, rejected = seen[name]
        assert (created == "barred") is barred, name
        assert in_problems is barred and submit_refused is barred, name
        assert not_barred is (not barred), name
        assert (screened == "barred_screening") is barred, name
        assert screened in (None, "barred_screening") and rejected is None, name  # a barred proposal can be rejected
    with app.app_context():  # the refusal names the end date and the reason
        from grants.platform import refusals

        problem = org_ops.barred_problem(org_id, local_noon(START))
        with app.test_request_context(headers=EN):
            text = refusals.message(problem)
        assert "2029-03-09" in text and "虛報服務人次" in text


def test_admin_bars_and_lifts_with_reasons_audited_and_the_ngo_is_told(app, client, auth, make):
    org = make.organization(name="受限機構")
    ngo = make.user(Role.applicant, email="barred@example.org", organization_id=org.id)
    rnd = make.round()
    make.user(Role.admin, email="admin@example.org")
    auth.login("admin@example.org")
    url = f"/admin/organizations/{org.id}/sanctions"
    for missing in ("/admin/organizations/999999/sanctions", "/admin/organizations/999999/history"):
        assert client.get(missing).status_code == 404
    assert auth.post("/admin/sanctions/999999/lift", {"reason": "x"}).status_code == 404
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "Not barred" in page and 'name="starts_on"' in page and "not_barred" not in page
    today = datetime.now(UTC).date()
    bad = auth.post(url, {"starts_on": today.isoformat(), "ends_on": (today - timedelta(days=1)).isoformat(),
                          "reason": ""}, headers=EN).get_data(as_text=True)
    assert "The bar must end on or after the day it starts." in bad and "Give the reason" in bad
    too_long = auth.post(url, {"starts_on": today.isoformat(), "ends_on": (today + timedelta(days=3700)).isoformat(),
                               "reason": "x"}, headers=EN).get_data(as_text=True)
    assert "A bar lasts at most 10 years." in too_long
    end = today + timedelta(days=3 * 365)
    assert auth.post(url, {"starts_on": (today - timedelta(days=1)).isoformat(), "ends_on": end.isoformat(),
                           "reason": "中期評估不合格，違約"}).status_code == 302
    with app.app_context():
        sanction = db.session.scalars(select(Sanction).where(Sanction.organization_id == org.id)).one()
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "bar_organization")).one()
        assert entry.object_id == sanction.id and entry.details["reason"] == "中期評估不合格，違約"
        assert entry.details["ends_on"] == end.isoformat()
        sanction_id = sanction.id
        told = db.session.scalars(select(OutboxMail).where(OutboxMail.to == ngo.email)).one()  # in their language (the default: none chosen)
        assert told.subject == translate("Your organization is barred from applying: %(name)s", "zh_Hant",
                                         name="受限機構")
        assert end.isoformat() in told.body and "中期評估不合格，違約" in told.body
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert f"Barred from applying until {end.isoformat()}." in page and "In force" in page
    listing = client.get("/admin/organizations", headers=EN).get_data(as_text=True)
    assert f"barred until {end.isoformat()}" in listing
    auth.logout()

    auth.login(ngo.email)
    dash = client.get("/applicant/", headers=EN).get_data(as_text=True)
    assert f"Barred from applying until {end.isoformat()}." in dash and "中期評估不合格，違約" in dash
    assert "Start a new proposal" not in dash and f"it is barred until {end.isoformat()}" in dash
    response = auth.post(f"/applicant/rounds/{rnd.id}/proposals/new", headers=EN, follow_redirects=True)
    assert f"barred from applying until {end.isoformat()}" in response.get_data(as_text=True)
    zh = client.get("/applicant/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert translate("Barred from applying until %(date)s.", "zh_Hans", date=end.isoformat()) in zh
    with app.app_context():
        assert db.session.scalar(select(Proposal.id).where(Proposal.organization_id == org.id)) is None  # not created
    auth.logout()

    auth.login("admin@example.org")
    # screening over HTTP: the computed item and a refused pass, with the end date
    barred_proposal = make.proposal(rnd.id, org.id, status=ProposalStatus.submitted, name="受限機構的申報")
    screening = client.get(f"/admin/proposals/{barred_proposal.id}/screening", headers=EN).get_data(as_text=True)
    assert f"no: barred until {end.isoformat()}" in screening and 'name="not_barred"' not in screening
    refused = auth.post(f"/admin/proposals/{barred_proposal.id}/screening",
                        {"outcome": "pass", "not_barred": "y"}, headers=EN).get_data(as_text=True)
    assert f"The organization is barred until {end.isoformat()}" in refused
    with app.app_context():
        assert db.session.get(Proposal, barred_proposal.id).status == ProposalStatus.submitted
    no_reason = auth.post(f"/admin/sanctions/{sanction_id}/lift", {"reason": " "}, headers=EN, follow_redirects=True)
    assert "Give the reason" in no_reason.get_data(as_text=True)
    lifted = auth.post(f"/admin/sanctions/{sanction_id}/lift", {"reason": "已完成整改並退回資金"}, headers=EN,
                       follow_redirects=True).get_data(as_text=True)
    assert "The bar has been lifted." in lifted and "已完成整改並退回資金" in lifted and "Not barred" in lifted
    with app.app_context():
        mails = db.session.scalars(select(OutboxMail).where(OutboxMail.to == ngo.email).order_by(OutboxMail.id)).all()
        assert len(mails) == 2 and mails[1].subject == translate(
            "The bar on your organization is lifted: %(name)s", "zh_Hant", name="受限機構")
        assert "已完成整改並退回資金" in mails[1].body and localtime.today().isoformat() in mails[1].body  # Beijing day
    again = auth.post(f"/admin/sanctions/{sanction_id}/lift", {"reason": "再次"}, headers=EN, follow_redirects=True)
    assert "This bar has already been lifted." in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Sanction, sanction_id).lifted_at is not None
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "lift_bar")).one()
        assert entry.object_id == sanction_id and entry.details["reason"] == "已完成整改並退回資金"
    auth.logout()
    auth.login(ngo.email)
    assert "Start a new proposal" in client.get("/applicant/", headers=EN).get_data(as_text=True)
