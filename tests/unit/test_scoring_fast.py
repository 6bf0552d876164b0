"""The fixed-point aggregation (``scoring.aggregate``) equals the plain Decimal reference
(``scoring.reference_aggregate``) bit for bit: same values AND same Decimal representation of
every figure, the unrounded score used for blending included."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grants.rules import scoring
from grants.rules.scoring import ReviewScore, RoundConfig


def as_text(aggs):
    """Every field of every aggregate as text (``str`` of a Decimal shows its exponent)."""
    out = {}
    for pid, a in aggs.items():
        row = {}
        for f in fields(a):
            v = getattr(a, f.name)
            row[f.name] = {k: str(x) for k, x in v.items()} if isinstance(v, dict) else (type(v).__name__, str(v))
        out[pid] = row
    return out


def assert_same(reviews, config):
    fast = scoring.aggregate(reviews, config)
    ref = scoring.reference_aggregate(reviews, config)
    assert fast == ref
    assert as_text(fast) == as_text(ref)
    for pid in ref:  # criteria keep their first-seen order
        assert list(fast[pid].criteria_mean) == list(ref[pid].criteria_mean)


# points written with 0..3 decimals, sometimes with trailing zeros ("85.50"), so exponents vary
point_text = st.builds(
    lambda units, dec, pad: str(D(units).scaleb(-dec)) + ("0" * pad if dec else ""),
    st.integers(0, 10_300), st.integers(0, 3), st.integers(0, 1),
)


@st.composite
def rounds(draw):
    n_reviewers = draw(st.integers(1, 9))
    n_proposals = draw(st.integers(1, 12))
    reviews = []
    for pid in range(n_proposals):
        panel = draw(st.lists(st.integers(0, n_reviewers - 1), min_size=1, max_size=n_reviewers, unique=True))
        for rid in panel:
            t = D(draw(point_text))
            crit = {}
            for k in draw(st.lists(st.sampled_from(["need", "design", "team"]), max_size=3, unique=True)):
                crit[k] = D(draw(point_text)) / 10
            reviews.append(ReviewScore(f"p{pid}", f"r{rid}", t, vetoed=draw(st.booleans()), criteria=crit,
                                       bonus=D(draw(st.sampled_from(["0", "1", "2.5", "0.00"])))))
    config = RoundConfig(
        min_for_trim=draw(st.integers(3, 6)),
        max_points=D(draw(st.sampled_from(["100", "103", "60.5"]))),
        veto_policy=draw(st.sampled_from(["any", "majority"])),
        basis=draw(st.sampled_from(["mean", "median", "trimmed", "standardised"])),
        disagreement_measure=draw(st.sampled_from(["range", "sd"])),
        disagreement_threshold=draw(st.sampled_from([None, D("5"), D("12.5")])),
    )
    return reviews, config


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_fast_aggregation_equals_the_reference_on_random_rounds(case):
    reviews, config = case
    assert_same(reviews, config)


@pytest.mark.parametrize("basis", ["mean", "median", "trimmed", "standardised"])
def test_sd_exactly_on_a_half_cent_rounds_as_the_reference(basis):
    # points 0 and 0.01: population sd = 0.005 exactly -> 0.01 half up; 6 reviews of thirds-ish means
    rs = [ReviewScore("a", "r1", D("0")), ReviewScore("a", "r2", D("0.01"))]
    rs += [ReviewScore("b", f"r{i}", D(v)) for i, v in enumerate(["0", "0.01", "0", "0.01", "0", "0.01"])]
    config = RoundConfig(basis=basis, disagreement_measure="sd", disagreement_threshold=D("0"))
    fast = scoring.aggregate(rs, config)
    assert fast["a"].sd == D("0.01") and fast["a"].flagged
    assert_same(rs, config)


def test_negative_and_many_decimal_points_take_the_reference_path():
    assert_same([ReviewScore("a", "r1", D("-3.5")), ReviewScore("a", "r2", D("2"))], RoundConfig())
    assert_same([ReviewScore("a", "r1", D("1.23456789")), ReviewScore("a", "r2", D("2"))], RoundConfig())
    assert_same([ReviewScore("a", "r1", D("-0")), ReviewScore("a", "r2", D("-0.0"))], RoundConfig())


def test_duplicate_review_is_refused_as_before():
    rs = [ReviewScore("a", "r1", D("1")), ReviewScore("a", "r1", D("2"))]
    with pytest.raises(ValueError, match="reviewed proposal 'a' twice"):
        scoring.aggregate(rs)


def test_ranking_by_category_equals_ranking_each_category_alone():
    reviews = [ReviewScore(f"p{i}", f"r{j}", D(50 + (i * 7 + j * 3) % 40)) for i in range(30) for j in range(3)]
    infos = [scoring.ProposalInfo(f"p{i}", "AB"[i % 2]) for i in range(30)]
    result = scoring.score_round(reviews, infos, RoundConfig())
    for cat, rows in result.by_category.items():
        alone = scoring.rank(
            [scoring.RankInput(r.proposal_id, r.category, r.score, r.complete, r.disqualified) for r in rows]
        )
        assert rows == alone and {r.category for r in rows} == {cat}
        assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
