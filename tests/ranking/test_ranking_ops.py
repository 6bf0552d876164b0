"""Operations: the documented draw, tie-break texts, the scoring cache follows review changes."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import Review, Round
from grants.ranking import operations as ranking_ops
from grants.roadshow import operations as roadshow_ops
from tests.ranking.test_ranking_builders import eligible, reviewers, reviews


def test_draw_algorithm_is_the_documented_one():
    numbers = [f"HZ-2026-08-{i:04d}" for i in range(1, 13)]
    seed = "3fa2c0de99b1e4a7"
    by_hand = sorted(numbers, key=lambda n: hashlib.sha256(f"{seed}:{n}".encode()).hexdigest())
    assert roadshow_ops.expected_order(seed, numbers) == by_hand
    assert roadshow_ops.expected_order(seed, reversed(numbers)) == by_hand  # input order does not matter
    assert roadshow_ops.expected_order("another-seed", numbers) != by_hand
    assert len(roadshow_ops.new_seed()) == 16


@pytest.mark.no_database
def test_explain_tie_breaks(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert ranking_ops.explain(None) == "" and ranking_ops.explain("score") == ""
        assert "roadshow" in ranking_ops.explain("stage:roadshow")
        assert "earlier" in ranking_ops.explain("submitted_at")
        assert "veto" in ranking_ops.explain("veto")


def test_cache_follows_review_changes(app, make):
    rnd = make.round()
    revs = reviewers(make, 3)
    a, b = eligible(make, rnd.id), eligible(make, rnd.id)
    reviews(app, rnd.id, [(a.id, r, 80) for r in revs] + [(b.id, r, 70) for r in revs])
    with app.app_context():
        first = ranking_ops.round_scores(db.session.get(Round, rnd.id))
        assert [r.id for r in first.rows] == [a.id, b.id]
        for review in db.session.scalars(select(Review).where(Review.proposal_id == b.id)):
            review.total = Decimal("90")
        db.session.commit()
        again = ranking_ops.round_scores(db.session.get(Round, rnd.id))
        assert [r.id for r in again.rows] == [b.id, a.id]
        assert again.by_id[b.id].written == Decimal("90.00")
