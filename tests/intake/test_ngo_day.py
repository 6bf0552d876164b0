"""The NGO's day without dead ends: confirm before submitting, every budget problem at once, saving
before the attachments page, deleting drafts, empty drafts and the quota, the outcome on the dashboard."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEntry, Award, Proposal, ProposalStatus, PublicationStatus
from tests.intake.helpers import (
    EN,
    category_id,
    complete_proposal,
    form_data,
    load,
    login_ngo,
    new_draft,
    save,
    version_of,
)


def test_submit_asks_for_confirmation_first(app, client, auth, make):
    rnd = make.round(edition=8)
    login_ngo(make, auth)
    pid = complete_proposal(app, client, auth, rnd)
    response = save(app, auth, pid, form_data(category_id(app, rnd)), action="confirm")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/proposals/{pid}/submit")
    page = client.get(f"/applicant/proposals/{pid}/submit", headers=EN).get_data(as_text=True)
    assert "Submit this proposal?" in page and "Yes, submit the proposal" in page and "¥85,010.00" in page
    assert load(app, pid).status == ProposalStatus.draft and load(app, pid).number is None  # nothing submitted yet
    response = auth.post(f"/applicant/proposals/{pid}/submit", {"version": version_of(app, pid)}, headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/proposals/{pid}/submitted")
    p = load(app, pid)
    assert p.status == ProposalStatus.submitted and p.number.endswith("-08-0001")


def test_confirmation_of_a_changed_proposal_is_refused(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = complete_proposal(app, client, auth, rnd)
    stale = version_of(app, pid)
    save(app, auth, pid, form_data(category_id(app, rnd), name="另一個窗口改了名字"))
    response = auth.post(f"/applicant/proposals/{pid}/submit", {"version": stale}, headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith("/submit")
    assert load(app, pid).status == ProposalStatus.draft


def test_incomplete_proposal_never_reaches_the_confirmation(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = new_draft(client, auth, rnd)
    save(app, auth, pid, {"name": "半成品"})
    response = client.get(f"/applicant/proposals/{pid}/submit", headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    response = auth.post(f"/applicant/proposals/{pid}/submit", {"version": version_of(app, pid)}, headers=EN)
    assert response.status_code == 302 and load(app, pid).status == ProposalStatus.draft


def test_every_budget_problem_is_shown_at_once(app, client, auth, make):
    """Over the cap, lines that do not add up and too much administration: three messages, one page."""
    rnd = make.round()
    login_ngo(make, auth)
    pid = complete_proposal(app, client, auth, rnd)
    data = form_data(category_id(app, rnd), requested="250000", matching_funds="0",
                     **{"budget_lines-2-unit_price": "50000"})
    response = save(app, auth, pid, data, action="confirm")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "above this round&#39;s cap" in html or "above this round's cap" in html
    assert "The budget lines add up to ¥130,010.00" in html
    assert "Administration costs are 38.46% of the budget" in html
    assert load(app, pid).requested == Decimal("250000")  # the draft was saved all the same


def test_going_to_the_attachments_saves_the_draft_first(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = new_draft(client, auth, rnd)
    response = save(app, auth, pid, {"name": "先保存再上傳", "need": "已輸入的文字"}, action="attachments")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/proposals/{pid}/attachments")
    assert load(app, pid).need == "已輸入的文字"
    form = client.get(f"/applicant/proposals/{pid}/edit", headers=EN).get_data(as_text=True)
    assert 'value="attachments"' in form and "data-guard=" in form  # the button, and the unsaved-changes guard


def test_a_never_submitted_draft_can_be_deleted_and_is_audited(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = complete_proposal(app, client, auth, rnd)  # with two attachments
    response = auth.post(f"/applicant/proposals/{pid}/delete", headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith("/applicant/")
    with app.app_context():
        assert db.session.get(Proposal, pid) is None
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "delete_draft")).one()
        assert entry.object_id == pid
    assert "The draft has been deleted." in client.get("/applicant/", headers=EN).get_data(as_text=True)


def test_a_numbered_proposal_keeps_its_number(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = complete_proposal(app, client, auth, rnd)
    assert save(app, auth, pid, form_data(category_id(app, rnd)), action="submit").status_code == 302
    number = load(app, pid).number
    auth.post(f"/applicant/proposals/{pid}/withdraw", headers=EN)
    auth.post(f"/applicant/proposals/{pid}/reopen", headers=EN)
    assert load(app, pid).status == ProposalStatus.draft
    response = auth.post(f"/applicant/proposals/{pid}/delete", headers=EN)
    assert response.status_code == 302
    assert load(app, pid).number == number  # refused: still there, still numbered
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Only a draft that was never submitted can be deleted" in page


def test_another_organization_cannot_delete_a_draft(app, client, auth, make):
    rnd = make.round()
    other = make.proposal(rnd.id, status=ProposalStatus.draft)
    login_ngo(make, auth)
    assert auth.post(f"/applicant/proposals/{other.id}/delete", headers=EN).status_code == 404
    assert load(app, other.id) is not None


def test_the_quota_holds_at_submission(app, client, auth, make):
    """Two filled drafts are allowed to exist (the second was empty when made); only one is submitted."""
    rnd = make.round(max_proposals_per_org=1)
    login_ngo(make, auth)
    first = new_draft(client, auth, rnd)
    second = None
    with app.app_context():  # a second draft made while the first was still empty
        p = Proposal(round_id=rnd.id, organization_id=load(app, first).organization_id, status=ProposalStatus.draft,
                     districts=[], target_groups=[])
        db.session.add(p)
        db.session.commit()
        second = p.id
    for pid in (first, second):
        save(app, auth, pid, form_data(category_id(app, rnd)))
    from tests.intake.helpers import PDF, upload

    for pid in (first, second):
        upload(auth, pid, "registration_certificate", "a.pdf", PDF)
        upload(auth, pid, "annual_report", "b.pdf", PDF)
    assert save(app, auth, first, form_data(category_id(app, rnd)), action="submit").status_code == 302
    assert load(app, first).status == ProposalStatus.submitted
    html = save(app, auth, second, form_data(category_id(app, rnd)), action="submit").get_data(as_text=True)
    assert "at most 1 proposals" in html
    assert load(app, second).status == ProposalStatus.draft


def _published(app, rnd, *, status=PublicationStatus.notice):
    from tests.publication.test_publication_support import direct_publication

    return direct_publication(app, rnd.id, status=status)


def test_dashboard_shows_the_outcome_amount_cut_and_summary(app, client, auth, make):
    rnd = make.round()
    user = login_ngo(make, auth)
    cut = make.proposal(rnd.id, organization_id=user.organization_id, name="被核減的項目",
                        status=ProposalStatus.shortlisted, requested="150000")
    lost = make.proposal(rnd.id, organization_id=user.organization_id, name="未入選的項目",
                         status=ProposalStatus.eligible)
    with app.app_context():
        db.session.add(Award(round_id=rnd.id, proposal_id=cut.id, rank=1, score=Decimal("88.5"),
                             requested=Decimal("150000"), amount=Decimal("120000"), method="adjusted",
                             adjustment_reason="宣傳費用偏高，核減三萬元"))
        db.session.commit()
    before = client.get("/applicant/", headers=EN).get_data(as_text=True)
    assert "Approved amount" not in before and "review summary" not in before  # nothing published yet
    _published(app, rnd)
    page = client.get("/applicant/", headers=EN).get_data(as_text=True)
    assert "Proposed for funding (public notice)" in page
    assert "¥120,000.00" in page and "Reduced by ¥30,000.00" in page and "宣傳費用偏高，核減三萬元" in page
    assert f"/applicant/proposals/{cut.id}/review-summary.pdf" in page
    assert f"/applicant/proposals/{lost.id}/review-summary.pdf" in page
    assert "Your project is not on the list proposed for funding" in page and "Not on the funding list" in page
    assert "Shortlisted for the roadshow" not in page


def test_dashboard_after_the_list_is_final(app, client, auth, make):
    rnd = make.round()
    user = login_ngo(make, auth)
    won = make.proposal(rnd.id, organization_id=user.organization_id, name="獲資助項目", status=ProposalStatus.awarded)
    make.proposal(rnd.id, organization_id=user.organization_id, name="落選項目", status=ProposalStatus.not_awarded)
    rejected = make.proposal(rnd.id, organization_id=user.organization_id, name="不合資格項目",
                             status=ProposalStatus.rejected)
    with app.app_context():
        from grants.models import Screening, ScreeningOutcome

        db.session.add(Award(round_id=rnd.id, proposal_id=won.id, rank=1, score=Decimal("90"),
                             requested=Decimal("100000"), amount=Decimal("100000")))
        db.session.add(Screening(proposal_id=rejected.id, outcome=ScreeningOutcome.rejected,
                                 reason="登記證書已過期", checklist={}))
        db.session.commit()
    _published(app, rnd, status=PublicationStatus.final)
    page = client.get("/applicant/", headers=EN).get_data(as_text=True)
    assert ">Funded<" in page and "¥100,000.00" in page and "Reduced by" not in page
    assert ">Not funded<" in page
    assert "Not eligible" in page and "登記證書已過期" in page


def test_an_older_edition_without_a_publication_row_still_shows_the_amount(app, client, auth, make):
    rnd = make.round()
    user = login_ngo(make, auth)
    won = make.proposal(rnd.id, organization_id=user.organization_id, status=ProposalStatus.awarded)
    with app.app_context():
        db.session.add(Award(round_id=rnd.id, proposal_id=won.id, rank=1, score=Decimal("90"),
                             requested=Decimal("100000"), amount=Decimal("80000"), adjustment_reason="預算偏高"))
        db.session.commit()
    page = client.get("/applicant/", headers=EN).get_data(as_text=True)
    assert ">Funded<" in page and "¥80,000.00" in page and "預算偏高" in page
    assert "review-summary.pdf" not in page  # the summary exists only once a list is published
