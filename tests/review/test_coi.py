"""回避聲明: declare before reading; a declared conflict removes access on the next request."""

from __future__ import annotations

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Assignment, AuditEntry, ConflictDeclaration, Review, Role
from tests.review.test_review_support import EN, setup, sheet


def test_undeclared_reviewer_is_sent_to_the_declaration(app, client, auth, make):
    rnd, reviewer, (p,) = setup(make, app, declared=None)
    auth.login(reviewer.email)
    for url in (f"/reviewer/proposals/{p.id}", f"/reviewer/proposals/{p.id}/review"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(
            f"/reviewer/proposals/{p.id}/declaration")
    html = client.get(f"/reviewer/proposals/{p.id}/declaration", headers=EN).get_data(as_text=True)
    assert "within the last 3 years" in html
    response = auth.post(f"/reviewer/proposals/{p.id}/declaration", {"answer": "conflict"}, headers=EN)
    assert response.status_code == 200 and "Please say what ties you" in response.get_data(as_text=True)


def test_no_conflict_gives_access(app, client, auth, make):
    rnd, reviewer, (p,) = setup(make, app, declared=None)
    auth.login(reviewer.email)
    response = auth.post(f"/reviewer/proposals/{p.id}/declaration", {"answer": "none"})
    assert response.headers["Location"].endswith(f"/reviewer/proposals/{p.id}")
    assert client.get(f"/reviewer/proposals/{p.id}").status_code == 200
    with app.app_context():
        d = db.session.scalar(select(ConflictDeclaration))
        assert d.has_conflict is False
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "declare_no_conflict"))


def test_conflict_removes_access_and_emails_admins(app, client, auth, make):
    make.user(Role.admin, email="staff@example.org")
    rnd, reviewer, (p,) = setup(make, app, declared=False)
    auth.login(reviewer.email)
    assert auth.post(f"/reviewer/proposals/{p.id}/review", sheet(action="draft")).status_code == 302
    assert client.get(f"/reviewer/proposals/{p.id}").status_code == 200
    outbox = app.extensions.setdefault("grants_outbox", [])
    outbox.clear()
    response = auth.post(f"/reviewer/proposals/{p.id}/declaration",
                         {"answer": "conflict", "relation": "board", "note": "我是該機構理事"})
    assert response.status_code == 302
    # the very next request: proposal, review, score sheet and declaration are gone
    for url in (f"/reviewer/proposals/{p.id}", f"/reviewer/proposals/{p.id}/review",
                f"/reviewer/proposals/{p.id}/score-sheet.pdf", f"/reviewer/proposals/{p.id}/declaration"):
        assert client.get(url).status_code == 404, url
    assert auth.post(f"/reviewer/proposals/{p.id}/review", sheet()).status_code == 404
    html = client.get("/reviewer/", headers=EN).get_data(as_text=True)
    assert "Conflict declared" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == 0
        assert db.session.scalar(select(func.count(Review.id))) == 0
        d = db.session.scalar(select(ConflictDeclaration))
        assert d.has_conflict and d.relation == "board" and d.note == "我是該機構理事"
        from grants.models import Proposal, User
        from grants.platform.permissions import can_download_attachment, can_view_proposal_as_reviewer

        user, proposal = db.session.get(User, reviewer.id), db.session.get(Proposal, p.id)
        user.is_authenticated  # noqa: B018
        assert not can_view_proposal_as_reviewer(user, proposal)
        assert not can_download_attachment(user, proposal)  # the attachment rule agrees
    mails = [m for m in outbox if m["to"] == "staff@example.org"]
    assert len(mails) == 1 and p.number in mails[0]["subject"] and "board" in mails[0]["body"]
