"""grants.demo.results.seed on a round with written reviews (and a no-op without)."""

from __future__ import annotations

from sqlalchemy import func, select

from grants.demo import results as demo_results
from grants.extensions import db
from grants.models import Award, Review, RoadshowSlot, Round, Stage, User, utcnow
from grants.roadshow import operations as roadshow_ops
from tests.ranking.test_ranking_builders import eligible, reviewers, reviews


def _context(app, round_id, reviewer_ids):
    rnd = db.session.get(Round, round_id)
    users = [db.session.get(User, i) for i in reviewer_ids]
    return {"round": rnd, "reviewers": users, "organizations": [], "admin": None, "now": utcnow()}


def test_demo_results_seed(app, make):
    rnd = make.round()
    revs = reviewers(make, 6)
    ps = [eligible(make, rnd.id, requested="150000") for _ in range(15)]
    reviews(app, rnd.id, [(p.id, r, 70 + (i * 7 + j) % 25) for i, p in enumerate(ps) for j, r in enumerate(revs[:3])])
    with app.app_context():
        demo_results.seed(_context(app, rnd.id, revs))
        db.session.commit()
        assert db.session.scalar(select(func.count(RoadshowSlot.id))) == 12
        r = db.session.get(Round, rnd.id)
        assert r.roadshow_seed == demo_results.DEMO_SEED and roadshow_ops.verify_draw(r).ok
        assert db.session.scalar(select(func.count(Review.id)).where(Review.stage == Stage.roadshow)) == 9 * 5
        assert r.roadshow_current_id is not None
        total = db.session.scalar(select(func.sum(Award.amount)))
        assert 0 < total <= r.funding_pool


def test_demo_results_does_nothing_without_reviews(app, make):
    rnd = make.round()
    with app.app_context():
        demo_results.seed(_context(app, rnd.id, []))
        assert db.session.scalar(select(func.count(RoadshowSlot.id))) == 0
