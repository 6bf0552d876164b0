"""The admin's round hub: the current stage, the key dates, the pending work with links; awards that no
longer match the ranking are flagged (here and on the allocation page)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update

from grants.extensions import db
from grants.models import Assignment, ProposalStatus, Review, Stage, utcnow
from tests.ranking.test_ranking_builders import admin_login, eligible, reviewers, reviews

EN = {"Accept-Language": "en"}


def test_hub_shows_stage_dates_and_pending_work_with_links(app, client, auth, make):
    now = utcnow()
    rnd = make.round(call_opens_at=now - timedelta(days=20), call_closes_at=now - timedelta(days=1),
                     review_opens_at=now + timedelta(days=3), review_closes_at=now + timedelta(days=10))
    for _ in range(2):
        make.proposal(rnd.id, status=ProposalStatus.submitted)
    make.proposal(rnd.id, status=ProposalStatus.returned)
    short = make.proposal(rnd.id, status=ProposalStatus.eligible)
    rev = reviewers(make, 1)[0]
    with app.app_context():
        db.session.add(Assignment(round_id=rnd.id, proposal_id=short.id, reviewer_id=rev))
        db.session.commit()
    admin_login(make, auth)
    html = client.get(f"/admin/rounds/{rnd.id}", headers=EN).get_data(as_text=True)
    assert 'id="round-stage">Eligibility screening<' in html
    assert "Review window opens" in html and "Submission deadline" in html
    assert f'data-pending="screening"><a href="/admin/rounds/{rnd.id}/screening"><strong>2</strong>' in html
    assert 'data-pending="returned"' in html
    assert f'data-pending="short_of_reviewers"><a href="/admin/rounds/{rnd.id}/assignments"><strong>1</strong>' in html
    assert 'data-pending="reviews_outstanding"' in html and 'data-pending="stale_awards"' not in html


def test_an_idle_round_says_nothing_is_waiting(app, client, auth, make):
    now = utcnow()
    rnd = make.round(call_opens_at=now + timedelta(days=2), call_closes_at=now + timedelta(days=30))
    admin_login(make, auth)
    html = client.get(f"/admin/rounds/{rnd.id}", headers=EN).get_data(as_text=True)
    assert "Preparing: the call is not open yet" in html and "Nothing is waiting for you in this round." in html


def test_awards_out_of_step_with_the_ranking_are_flagged(app, client, auth, make):
    rnd = make.round(funding_pool=Decimal("300000"), project_cap=Decimal("200000"))
    revs = reviewers(make, 5)
    ps = [eligible(make, rnd.id, requested=req) for req in ("150000", "150000", "150000")]
    reviews(app, rnd.id, [(p.id, r, s) for p, s in zip(ps, ("90", "85", "80"), strict=True) for r in revs])
    admin_login(make, auth)
    assert auth.post(f"/admin/rounds/{rnd.id}/allocation/choose", {"method": "rank_order"}).status_code == 302
    page = client.get(f"/admin/rounds/{rnd.id}/allocation", headers=EN).get_data(as_text=True)
    assert 'id="stale-awards"' not in page
    hub = client.get(f"/admin/rounds/{rnd.id}", headers=EN).get_data(as_text=True)
    assert 'id="round-stage">Funding allocation<' in hub and 'data-pending="stale_awards"' not in hub
    with app.app_context():  # scores revised after the allocation: the second project drops to 70
        db.session.execute(update(Review).where(Review.proposal_id == ps[1].id, Review.stage == Stage.written)
                           .values(total=Decimal("70"), scores={"need": "70"}))
        db.session.commit()
        assert db.session.scalar(select(Review.total).where(Review.proposal_id == ps[1].id).limit(1)) == 70
    page = client.get(f"/admin/rounds/{rnd.id}/allocation", headers=EN).get_data(as_text=True)
    assert 'id="stale-awards"' in page and "its score changed after the allocation" in page
    assert "at allocation: rank 2, score 85.00; now: rank 3, score 70.00" in page
    hub = client.get(f"/admin/rounds/{rnd.id}", headers=EN).get_data(as_text=True)
    assert f'data-pending="stale_awards"><a href="/admin/rounds/{rnd.id}/allocation"><strong>1</strong>' in hub
    # choosing again brings the awards back in step
    auth.post(f"/admin/rounds/{rnd.id}/allocation/choose", {"method": "rank_order"})
    assert 'id="stale-awards"' not in client.get(f"/admin/rounds/{rnd.id}/allocation", headers=EN).get_data(as_text=True)
