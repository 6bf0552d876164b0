"""Proposal intake through the web: drafts, rows, submission, deadline, withdrawal, isolation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEntry, Proposal, ProposalEvent, ProposalStatus, utcnow
from tests.intake.helpers import (
    EN,
    category_id,
    complete_proposal,
    form_data,
    load,
    login_ngo,
    new_draft,
    save,
)


def test_dashboard_new_draft_and_incomplete_save(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    page = client.get("/applicant/", headers=EN).get_data(as_text=True)
    assert "Start a new proposal" in page
    pid = new_draft(client, auth, rnd)
    # an almost empty draft saves: only type checks
    response = save(app, auth, pid, {"name": "半成品", "budget_lines-0-item": "講師費"})
    assert response.status_code == 302
    p = load(app, pid)
    assert p.status == ProposalStatus.draft and p.name == "半成品"
    assert [line.item for line in p.budget_lines] == ["講師費"]
    # a type error is shown next to the field and nothing typed is lost
    response = save(app, auth, pid, {"name": "改過的名字", "requested": "十萬", "need": "需要說明"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter an amount in yuan" in html and "十萬" in html and "需要說明" in html
    assert load(app, pid).name == "半成品"  # not saved
    page = client.get(f"/applicant/proposals/{pid}/edit", headers=EN).get_data(as_text=True)
    assert 'name="budget_lines-2-item"' in page  # the saved row + 2 blank rows, no JavaScript needed


def test_add_rows_without_javascript_keeps_the_draft(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = new_draft(client, auth, rnd)
    data = {"name": "加行測試", "team-0-name": "王芳", "team-1-name": "李娜"}
    response = save(app, auth, pid, data, action="add_rows:team")
    assert response.status_code == 302 and "extra=3" in response.headers["Location"]
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert 'value="王芳"' in page and 'value="李娜"' in page
    assert 'name="team-6-name"' in page  # 2 saved + 2 + 3 blank rows


def test_submit_shows_budget_error_next_to_the_field_then_succeeds(app, client, auth, make):
    rnd = make.round(edition=8)
    login_ngo(make, auth)
    pid = complete_proposal(app, client, auth, rnd)
    cat = category_id(app, rnd)
    response = save(app, auth, pid, form_data(cat, matching_funds="5000"), action="submit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "add up to ¥85,010.00" in html and "¥85,000.00" in html
    assert load(app, pid).status == ProposalStatus.draft
    assert load(app, pid).matching_funds == 5000  # the draft was kept
    response = save(app, auth, pid, form_data(cat), action="submit")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/proposals/{pid}/submitted")
    p = load(app, pid)
    year = rnd.call_closes_at.year  # the deadline's year
    assert p.status == ProposalStatus.submitted
    assert p.number == f"HZ-{year}-08-0001" and p.blind_code == "P-0001"
    assert p.budget_total == 85010 and [str(line.subtotal) for line in p.budget_lines] == ["50000.00", "30010.00", "5000.00"]
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert f"HZ-{year}-08-0001" in page and "Beijing time" in page
    assert any("HZ-" in m["subject"] for m in app.extensions["grants_outbox"])
    assert [e.status for e in p.events] == [ProposalStatus.draft, ProposalStatus.submitted]
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == pid)).all()
    assert "submit_proposal" in actions and "save_proposal_draft" in actions
    # locked: editing and resubmitting are refused whatever is posted
    response = save(app, auth, pid, form_data(cat, name="偷改"), action="save")
    assert response.status_code == 302 and load(app, pid).name != "偷改"


def test_over_cap_message_states_the_cap(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = complete_proposal(app, client, auth, rnd)
    data = form_data(category_id(app, rnd), **{"budget_lines-0-unit_price": "30000", "requested": "330000"})
    html = save(app, auth, pid, data, action="submit").get_data(as_text=True)
    assert "cap of ¥200,000.00 per project" in html
    assert load(app, pid).status == ProposalStatus.draft


def test_admin_share_and_missing_attachments_block_submission(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = new_draft(client, auth, rnd)
    data = form_data(category_id(app, rnd), **{"budget_lines-2-unit_price": "15000", "matching_funds": "15010"})
    html = save(app, auth, pid, data, action="submit").get_data(as_text=True)
    assert "Administration costs are 15.79% of the budget; at most 10.00% is allowed." in html
    assert "Required documents are missing" in html
    assert load(app, pid).status == ProposalStatus.draft


def test_numbers_are_sequential_per_round(app, client, auth, make):
    rnd = make.round(edition=3)
    other = make.round(edition=4)
    login_ngo(make, auth)
    first = complete_proposal(app, client, auth, rnd)
    second = complete_proposal(app, client, auth, rnd)
    third = complete_proposal(app, client, auth, other)
    for pid, r in ((first, rnd), (second, rnd), (third, other)):
        assert save(app, auth, pid, form_data(category_id(app, r)), action="submit").status_code == 302
    assert load(app, first).number.endswith("-03-0001") and load(app, second).number.endswith("-03-0002")
    assert load(app, third).number.endswith("-04-0001")



def test_numbering_reads_the_round_counter_and_resyncs_after_a_number_given_elsewhere(app, client, auth, make):
    """The next number comes from competition_round.last_sequence (one row, not every number of the round);
    a number already taken by a proposal numbered outside this path (an import) moves the sequence past the
    round's highest number instead of failing."""
    from grants.models import Round

    rnd = make.round(edition=3)
    login_ngo(make, auth)
    first = complete_proposal(app, client, auth, rnd)
    assert save(app, auth, first, form_data(category_id(app, rnd)), action="submit").status_code == 302
    number = load(app, first).number
    assert number.endswith("-03-0001")
    with app.app_context():
        assert db.session.get(Round, rnd.id).last_sequence == 1
    imported = make.proposal(rnd.id, make.organization().id, status=ProposalStatus.submitted,
                             number=number[:-4] + "0002")
    assert imported is not None
    second = complete_proposal(app, client, auth, rnd)
    assert save(app, auth, second, form_data(category_id(app, rnd)), action="submit").status_code == 302
    assert load(app, second).number.endswith("-03-0003")
    with app.app_context():
        assert db.session.get(Round, rnd.id).last_sequence == 3

def test_quota_per_organization(app, client, auth, make):
    """An empty draft takes no slot (a second click leads back to it); one with content does."""
    rnd = make.round(max_proposals_per_org=1)
    login_ngo(make, auth)
    pid = new_draft(client, auth, rnd)
    assert new_draft(client, auth, rnd) == pid  # the same empty draft, not a second one
    assert "0 / 1" in client.get("/applicant/", headers=EN).get_data(as_text=True)
    save(app, auth, pid, {"name": "只有名稱"})
    response = auth.post(f"/applicant/rounds/{rnd.id}/proposals/new", headers=EN)
    assert response.status_code == 302
    page = client.get("/applicant/", headers=EN).get_data(as_text=True)
    assert "at most 1 proposals" in page and "1 / 1" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id)).where(Proposal.round_id == rnd.id)) == 1


def test_after_the_deadline_nothing_changes(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = complete_proposal(app, client, auth, rnd)
    with app.app_context():
        from grants.models import Round

        db.session.get(Round, rnd.id).call_closes_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    data = form_data(category_id(app, rnd), name="遲到的修改", status="submitted", number="HZ-FORGED")
    response = save(app, auth, pid, data, action="submit")
    assert response.status_code == 302
    p = load(app, pid)
    assert p.status == ProposalStatus.draft and p.name != "遲到的修改" and p.number is None
    assert "deadline has passed" in client.get(f"/applicant/proposals/{pid}", headers=EN).get_data(as_text=True)
    assert client.get(f"/applicant/proposals/{pid}/edit").status_code == 302  # read-only view instead
    # new proposals are refused too
    auth.post(f"/applicant/rounds/{rnd.id}/proposals/new")
    with app.app_context():
        assert db.session.scalar(select(Proposal.id).where(Proposal.id != pid)) is None


def test_withdraw_and_reopen_before_the_deadline(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = complete_proposal(app, client, auth, rnd)
    save(app, auth, pid, form_data(category_id(app, rnd)), action="submit")
    number = load(app, pid).number
    assert auth.post(f"/applicant/proposals/{pid}/withdraw").status_code == 302
    assert load(app, pid).status == ProposalStatus.withdrawn
    assert auth.post(f"/applicant/proposals/{pid}/withdraw").status_code == 302  # twice: refused, no change
    assert auth.post(f"/applicant/proposals/{pid}/reopen").status_code == 302
    assert load(app, pid).status == ProposalStatus.draft
    assert save(app, auth, pid, form_data(category_id(app, rnd)), action="submit").status_code == 302
    p = load(app, pid)
    assert p.status == ProposalStatus.submitted and p.number == number  # keeps its number
    assert [e.status for e in p.events] == [ProposalStatus.draft, ProposalStatus.submitted, ProposalStatus.withdrawn,
                                           ProposalStatus.draft, ProposalStatus.submitted]
    with app.app_context():
        assert db.session.query(ProposalEvent).filter_by(proposal_id=pid).count() == 5


def test_another_organizations_proposal_is_404(app, client, auth, make):
    rnd = make.round()
    theirs = make.proposal(rnd.id, status=ProposalStatus.draft)
    login_ngo(make, auth)
    for url in (f"/applicant/proposals/{theirs.id}", f"/applicant/proposals/{theirs.id}/edit",
                f"/applicant/proposals/{theirs.id}/attachments", f"/applicant/proposals/{theirs.id}/pdf"):
        assert client.get(url).status_code == 404, url
    assert auth.post(f"/applicant/proposals/{theirs.id}/withdraw").status_code == 404
    assert auth.post(f"/applicant/proposals/{theirs.id}/edit", {"name": "x"}).status_code == 404


def test_two_tabs_second_save_is_a_conflict(app, client, auth, make):
    rnd = make.round()
    login_ngo(make, auth)
    pid = new_draft(client, auth, rnd)
    stale = load(app, pid).version
    save(app, auth, pid, {"name": "第一個分頁"})
    response = auth.post(f"/applicant/proposals/{pid}/edit", {"name": "第二個分頁", "version": str(stale)}, headers=EN)
    assert response.status_code == 409
    assert "第二個分頁" in response.get_data(as_text=True)  # what was typed is still on the page
    assert load(app, pid).name == "第一個分頁"
