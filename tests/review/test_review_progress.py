"""Review progress per reviewer and proposal (constant number of queries) and reminders."""

from __future__ import annotations

from grants.extensions import db
from grants.models import ConflictDeclaration, ProposalStatus, Role
from tests.conftest import counting_queries
from tests.review.test_review_support import EN, assign, review_round, sheet


def _count_queries(app, client, url) -> tuple[int, str]:
    with counting_queries(app) as seen:
        response = client.get(url, headers=EN)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def _populate(app, make, rnd, reviewers, n):
    for _ in range(n):
        p = make.proposal(rnd.id, status=ProposalStatus.eligible)
        for r in reviewers:
            assign(app, p.id, r.id, rnd.id)


def test_progress_query_count_does_not_grow(app, client, auth, make):
    rnd = review_round(make)
    reviewers = [make.user(Role.reviewer, email=f"r{i}@example.org", name=f"專家{i}") for i in range(3)]
    make.user(Role.admin, email="boss@example.org")
    _populate(app, make, rnd, reviewers, 2)
    auth.login("boss@example.org")
    small, _ = _count_queries(app, client, f"/admin/rounds/{rnd.id}/review-progress")
    _populate(app, make, rnd, reviewers + [make.user(Role.reviewer, email="r9@example.org")], 10)
    large, html = _count_queries(app, client, f"/admin/rounds/{rnd.id}/review-progress")
    assert large == small, (small, large)
    assert html.count("<tr>") >= 4 + 12


def test_progress_figures_and_reminders(app, client, auth, make):
    rnd = review_round(make)
    done = make.user(Role.reviewer, email="done@example.org", name="完成專家")
    lazy = make.user(Role.reviewer, email="lazy@example.org", name="拖延專家")
    p1, p2 = (make.proposal(rnd.id, status=ProposalStatus.eligible) for _ in range(2))
    for p in (p1, p2):
        assign(app, p.id, done.id, rnd.id)
    assign(app, p1.id, lazy.id, rnd.id)
    assign(app, p2.id, lazy.id, rnd.id, declared=None)
    auth.login(done.email)
    for p in (p1, p2):
        assert auth.post(f"/reviewer/proposals/{p.id}/review", sheet()).status_code == 302
    auth.logout()
    auth.login(lazy.email)
    assert auth.post(f"/reviewer/proposals/{p1.id}/review", sheet(action="draft")).status_code == 302
    auth.logout()
    with app.app_context():
        db.session.add(ConflictDeclaration(reviewer_id=lazy.id, proposal_id=make.proposal(rnd.id).id,
                                           has_conflict=True, relation="family"))
        db.session.commit()
    make.user(Role.admin, email="boss@example.org")
    auth.login("boss@example.org")
    html = client.get(f"/admin/rounds/{rnd.id}/review-progress", headers=EN).get_data(as_text=True)
    assert "完成專家" in html and "拖延專家" in html and "Email a reminder" in html
    outbox = app.extensions.setdefault("grants_outbox", [])
    outbox.clear()
    response = auth.post(f"/admin/rounds/{rnd.id}/review-progress/remind", headers=EN)
    assert response.status_code == 302
    assert [m["to"] for m in outbox] == ["lazy@example.org"]
    # written in the reviewer's language (zh_Hant: no language chosen), not the admin's English screen
    body = outbox[0]["body"]
    assert "2 份申報書中，尚有 2 份" in body and "1 份為草稿" in body
