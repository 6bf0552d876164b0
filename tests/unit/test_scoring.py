"""Hand-computed vectors for grants.rules.scoring (the arithmetic is in the comments)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from grants.rules.scoring import (
    ProposalInfo,
    RankInput,
    ReviewScore,
    RoundConfig,
    aggregate,
    blend,
    publish,
    rank,
    score_round,
)

T0 = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)


def reviews_for(pid, totals, *, stage="written", reviewers=None, vetoes=(), criteria=None):
    """One review per total; reviewer ids default to r1, r2, ..."""
    reviewers = reviewers or [f"r{i + 1}" for i in range(len(totals))]
    return [
        ReviewScore(
            proposal_id=pid,
            reviewer_id=rid,
            total=D(str(t)),
            vetoed=i in vetoes,
            criteria=(criteria[i] if criteria else {}),
            stage=stage,
        )
        for i, (rid, t) in enumerate(zip(reviewers, totals, strict=True))
    ]


def ids(rows):
    return [r.proposal_id for r in rows]


# --------------------------------------------------------------------------- statistics


def test_basic_statistics_five_reviews():
    # totals 80 85 90 70 95; sorted 70 80 85 90 95
    # mean = 420 / 5 = 84; median = 85; trimmed = (80 + 85 + 90) / 3 = 85
    # range = 95 - 70 = 25; deviations -14 -4 1 6 11 -> squares 196 16 1 36 121 = 370
    # population sd = sqrt(370 / 5) = sqrt(74) = 8.6023... -> 8.60
    a = aggregate(reviews_for("P", [80, 85, 90, 70, 95]))["P"]
    assert (a.n, a.mean, a.median, a.trimmed_mean, a.trimmed) == (5, D("84.00"), D("85.00"), D("85.00"), True)
    assert a.score_range == D("25.00")
    assert a.sd == D("8.60")
    assert a.score == D("85.00")  # default basis: trimmed mean
    assert not a.disqualified and a.veto_count == 0
    # A single proposal: every reviewer has one score -> z = 0 -> standardised = global mean 84
    assert a.standardised == D("84.00")


def test_bonus_is_added_to_total():
    # points = total + bonus: (80 + 2) and (90 + 0) -> mean 86
    rs = [
        ReviewScore("P", "r1", D("80"), bonus=D("2")),
        ReviewScore("P", "r2", D("90")),
    ]
    assert aggregate(rs)["P"].mean == D("86.00")


def test_fewer_than_min_for_trim_uses_plain_mean():
    # totals 60 80 82 100 (n = 4 < 5): mean = 322 / 4 = 80.5, trimmed would be (80 + 82) / 2 = 81
    a = aggregate(reviews_for("P", [60, 80, 82, 100]))["P"]
    assert a.trimmed is False
    assert a.trimmed_mean == a.mean == D("80.50")
    assert a.median == D("81.00")  # even n: (80 + 82) / 2
    # a round that trims from 3 scores
    b = aggregate(reviews_for("P", [60, 80, 82, 100]), RoundConfig(min_for_trim=3))["P"]
    assert b.trimmed is True and b.trimmed_mean == D("81.00")
    with pytest.raises(ValueError, match="at least 3"):
        RoundConfig(min_for_trim=2)


def test_single_review():
    a = aggregate(reviews_for("P", [77]))["P"]
    assert (a.mean, a.median, a.trimmed_mean, a.score_range, a.sd) == (
        D("77.00"),
        D("77.00"),
        D("77.00"),
        D("0.00"),
        D("0.00"),
    )


def test_trimmed_mean_and_mean_rank_differently():
    # P1: 90 90 90 90 40 -> mean 400 / 5 = 80; trimmed drops 90 and 40 -> 270 / 3 = 90
    # P2: 85 x 5         -> mean 85;           trimmed 85
    rs = reviews_for("P1", [90, 90, 90, 90, 40]) + reviews_for("P2", [85, 85, 85, 85, 85])
    props = [ProposalInfo("P1", "women"), ProposalInfo("P2", "women")]
    by_trimmed = score_round(rs, props, RoundConfig(basis="trimmed"))
    by_mean = score_round(rs, props, RoundConfig(basis="mean"))
    assert ids(by_trimmed.overall) == ["P1", "P2"]
    assert ids(by_mean.overall) == ["P2", "P1"]
    assert by_trimmed.overall[0].score == D("90.00")
    assert by_mean.overall[0].score == D("85.00")


def test_median_basis():
    # 70 71 99 -> median 71, mean 80
    a = aggregate(reviews_for("P", [99, 70, 71]), RoundConfig(basis="median"))["P"]
    assert a.score == D("71.00") and a.mean == D("80.00")


# --------------------------------------------------------------------------- rounding


def test_half_up_rounding_edges():
    assert publish(D("84.125")) == D("84.13")  # banker's rounding would give 84.12
    assert publish(D("84.124999")) == D("84.12")
    assert publish(D("84.135")) == D("84.14")
    assert publish(D("84.115")) == D("84.12")


def test_rounded_once_at_the_end():
    # 84.5 + 84 + 84 + 84 = 336.5; / 4 = 84.125 -> 84.13 (half-up, not half-even)
    a = aggregate(reviews_for("P", ["84.5", 84, 84, 84]))["P"]
    assert a.mean == D("84.13")
    # 80 + 80 + 81 = 241; / 3 = 80.333... -> 80.33; the unrounded value is kept for blending
    b = aggregate(reviews_for("Q", [80, 80, 81]))["Q"]
    assert b.mean == D("80.33")
    assert b.exact_score != b.mean and abs(b.exact_score - D(241) / 3) < D("1e-20")


# --------------------------------------------------------------------------- z-scores


def test_zscore_reverses_a_lenient_reviewers_order():
    # Lenient L scores A = 90, B = 94 (mu 92, sd 2): z(A) = -1, z(B) = +1
    # Harsh   H scores C = 60, D = 64 (mu 62, sd 2): z(C) = -1, z(D) = +1
    # Global points 90 94 60 64: G = 308 / 4 = 77; deviations 13 17 -17 -13,
    #   squares 169 289 289 169 = 916; S = sqrt(916 / 4) = sqrt(229) = 15.13274595...
    # standardised: A = 77 - 15.1327 = 61.8673 -> 61.87; D = 77 + 15.1327 = 92.1327 -> 92.13
    rs = [
        ReviewScore("A", "L", D(90)),
        ReviewScore("B", "L", D(94)),
        ReviewScore("C", "H", D(60)),
        ReviewScore("D", "H", D(64)),
    ]
    aggs = aggregate(rs)
    assert aggs["A"].mean > aggs["D"].mean  # raw: A 90 beats D 64
    assert aggs["A"].standardised == D("61.87")
    assert aggs["D"].standardised == D("92.13")
    assert aggs["B"].standardised == D("92.13")
    assert aggs["C"].standardised == D("61.87")
    props = [ProposalInfo(p, "c") for p in "ABCD"]
    res = score_round(rs, props, RoundConfig(basis="standardised"))
    assert ids(res.overall).index("D") < ids(res.overall).index("A")


def test_zscore_edge_cases_single_score_and_zero_sd():
    # R1 scores P1 = 80, P2 = 90 (mu 85, sd 5): z -1, +1
    # R2 scores P1 = 70, P2 = 70: sd 0 -> z 0, 0
    # R3 scores P1 = 75 only: one score -> z 0
    # zmean(P1) = (-1 + 0 + 0) / 3 = -1/3; zmean(P2) = (1 + 0) / 2 = 1/2
    # points 80 90 70 70 75: G = 385 / 5 = 77; deviations 3 13 -7 -7 -2, squares 9 169 49 49 4 = 280
    # S = sqrt(280 / 5) = sqrt(56) = 7.48331477...
    # P1 = 77 - 7.48331477 / 3 = 74.50556... -> 74.51; P2 = 77 + 7.48331477 / 2 = 80.74165... -> 80.74
    rs = [
        ReviewScore("P1", "R1", D(80)),
        ReviewScore("P2", "R1", D(90)),
        ReviewScore("P1", "R2", D(70)),
        ReviewScore("P2", "R2", D(70)),
        ReviewScore("P1", "R3", D(75)),
    ]
    aggs = aggregate(rs)
    assert aggs["P1"].standardised == D("74.51")
    assert aggs["P2"].standardised == D("80.74")


def test_zscore_clamped_to_rubric_range():
    # L: A = 100, B = 50 (z +1, -1); M: C = 100, D = 100 (sd 0 -> z 0)
    # G = 350 / 4 = 87.5; deviations 12.5 -37.5 12.5 12.5 -> squares 156.25*3 + 1406.25 = 1875
    # S = sqrt(1875 / 4) = sqrt(468.75) = 21.6506...; A = 87.5 + 21.65 = 109.15 -> clamped to 100
    rs = [
        ReviewScore("A", "L", D(100)),
        ReviewScore("B", "L", D(50)),
        ReviewScore("C", "M", D(100)),
        ReviewScore("D", "M", D(100)),
    ]
    aggs = aggregate(rs, RoundConfig(max_points=D(100)))
    assert aggs["A"].standardised == D("100.00")
    assert aggs["B"].standardised == D("65.85")  # 87.5 - 21.6506 = 65.8494
    assert aggs["C"].standardised == D("87.50")


# --------------------------------------------------------------------------- disagreement


def test_disagreement_flag_range_and_sd():
    # totals 60 70 80 90 100: range 40; deviations -20 -10 0 10 20 -> 1000 / 5 = 200; sd = 14.1421 -> 14.14
    rs = reviews_for("P", [60, 70, 80, 90, 100])
    assert aggregate(rs, RoundConfig(disagreement_threshold=D(39)))["P"].flagged
    assert not aggregate(rs, RoundConfig(disagreement_threshold=D(40)))["P"].flagged  # strictly above
    sd_cfg = RoundConfig(disagreement_measure="sd", disagreement_threshold=D("14.13"))
    assert aggregate(rs, sd_cfg)["P"].flagged
    sd_cfg2 = RoundConfig(disagreement_measure="sd", disagreement_threshold=D("14.14"))
    assert not aggregate(rs, sd_cfg2)["P"].flagged
    assert not aggregate(rs)["P"].flagged  # no threshold, never flagged


# --------------------------------------------------------------------------- veto


def test_veto_any_and_majority():
    one = reviews_for("P", [95, 95, 95, 95, 95], vetoes={0})
    assert aggregate(one)["P"].disqualified  # default: any
    assert not aggregate(one, RoundConfig(veto_policy="majority"))["P"].disqualified
    three = reviews_for("P", [95, 95, 95, 95, 95], vetoes={0, 1, 2})
    assert aggregate(three, RoundConfig(veto_policy="majority"))["P"].disqualified
    half = reviews_for("P", [95, 95, 95, 95], vetoes={0, 1})  # 2 of 4 is not a strict majority
    assert not aggregate(half, RoundConfig(veto_policy="majority"))["P"].disqualified
    with pytest.raises(ValueError):
        RoundConfig(veto_policy="some")


def test_vetoed_proposal_listed_marked_and_ranked_last():
    rs = reviews_for("TOP", [99, 99, 99, 99, 99], vetoes={3}) + reviews_for("LOW", [61, 61, 61, 61, 61])
    res = score_round(rs, [ProposalInfo("TOP", "c"), ProposalInfo("LOW", "c")])
    assert ids(res.overall) == ["LOW", "TOP"]
    low, top = res.overall
    assert (low.rank, top.rank) == (1, None)
    assert top.disqualified and top.score == D("99.00") and top.decided_by == "veto"
    assert res.by_category["c"][1].disqualified


# --------------------------------------------------------------------------- blending


def test_blending_weights_must_sum_to_100():
    RoundConfig(stage_weights={"written": 40, "roadshow": 60})
    RoundConfig(stage_weights={"expert": D(60), "donors": D(20), "public": D(20)})
    with pytest.raises(ValueError, match="exactly 100%"):
        RoundConfig(stage_weights={"written": 40, "roadshow": 50})
    with pytest.raises(ValueError, match="percentages"):
        RoundConfig(stage_weights={"written": D("0.4"), "roadshow": D("0.6")})
    with pytest.raises(TypeError):
        RoundConfig(stage_weights={"written": 0.4, "roadshow": 0.6})
    with pytest.raises(ValueError, match="negative"):
        RoundConfig(stage_weights={"written": 120, "roadshow": -20})
    with pytest.raises(ValueError):
        blend({"written": {"A": D(80)}}, {"written": 99})


def test_blend_written_and_roadshow_and_missing_stage():
    # A: 40% * 80 + 60% * 90 = 32 + 54 = 86 (complete)
    # B: written 95, not shortlisted -> incomplete, score = its written score 95, ranked after A
    # C: written 1/3-ish: 85.3333.., roadshow 90.6666..: 0.4 * 85.333.. + 0.6 * 90.666.. = 34.1333.. + 54.4
    #    = 88.5333.. -> 88.53 (blended from unrounded stage scores)
    scores = {
        "written": {"A": D(80), "B": D(95), "C": D(256) / 3},
        "roadshow": {"A": D(90), "C": D(272) / 3},
    }
    b = blend(scores, {"written": 40, "roadshow": 60})
    assert b["A"].score == D("86.00") and b["A"].complete
    assert b["B"].score == D("95.00") and not b["B"].complete and b["B"].missing == ("roadshow",)
    assert b["C"].score == D("88.53")
    assert b["C"].stage_scores == {"written": D("85.33"), "roadshow": D("90.67")}

    rows = rank(
        [RankInput(p, "c", v.score, complete=v.complete) for p, v in b.items()],
    )
    assert ids(rows) == ["C", "A", "B"]
    assert rows[2].decided_by == "complete" and rows[2].rank == 3


def test_score_round_with_roadshow_and_external_stage():
    # expert 60%, donors 20%, public 20% (donors/public supplied as external points)
    # P1: expert mean 80, donors 90, public 70 -> 48 + 18 + 14 = 80
    # P2: expert mean 85, donors 60, public 60 -> 51 + 12 + 12 = 75
    rs = reviews_for("P1", [80, 80, 80], stage="expert") + reviews_for("P2", [85, 85, 85], stage="expert")
    cfg = RoundConfig(stage_weights={"expert": 60, "donors": 20, "public": 20})
    res = score_round(
        rs,
        [ProposalInfo("P1", "a"), ProposalInfo("P2", "b")],
        cfg,
        external_stage_scores={"donors": {"P1": D(90), "P2": D(60)}, "public": {"P1": D(70), "P2": D(60)}},
    )
    assert [(r.proposal_id, r.score) for r in res.overall] == [("P1", D("80.00")), ("P2", D("75.00"))]
    assert set(res.by_category) == {"a", "b"}
    assert res.by_category["b"][0].rank == 1
    with pytest.raises(ValueError, match="no weight"):
        score_round(reviews_for("P1", [80], stage="roadshow"), [ProposalInfo("P1", "a")], cfg)


def test_written_plus_roadshow_pipeline_ranks_non_shortlisted_after():
    # S1 written 80, roadshow 90 -> 0.4*80 + 0.6*90 = 86
    # S2 written 70, roadshow 70 -> 70
    # N1 written 99, no roadshow -> ranked after both shortlisted ones, by written score
    # N2 written 75, no roadshow
    rs = (
        reviews_for("S1", [80, 80, 80])
        + reviews_for("S2", [70, 70, 70])
        + reviews_for("N1", [99, 99, 99])
        + reviews_for("N2", [75, 75, 75])
        + reviews_for("S1", [90, 90], stage="roadshow", reviewers=["j1", "j2"])
        + reviews_for("S2", [70, 70], stage="roadshow", reviewers=["j1", "j2"])
    )
    props = [ProposalInfo(p, "c") for p in ["S1", "S2", "N1", "N2"]]
    cfg = RoundConfig(stage_weights={"written": 40, "roadshow": 60}, tiebreak_stage="roadshow")
    res = score_round(rs, props, cfg)
    assert [(r.proposal_id, r.score, r.rank) for r in res.overall] == [
        ("S1", D("86.00"), 1),
        ("S2", D("70.00"), 2),
        ("N1", D("99.00"), 3),
        ("N2", D("75.00"), 4),
    ]
    assert res.overall[2].decided_by == "complete"
    assert res.aggregates["roadshow"]["S1"].mean == D("90.00")


# --------------------------------------------------------------------------- tie-breaks


def test_tie_break_chain_each_step():
    rows = [
        RankInput("J", "c", D("80"), stage_score=D("85"), criterion_score=D("18"), submitted_at=T0),
        RankInput("A", "c", D("90")),
        RankInput("B", "c", D("85"), stage_score=D("88")),
        RankInput("C", "c", D("85"), stage_score=D("86"), criterion_score=D("20")),
        RankInput("D", "c", D("85"), stage_score=D("86"), criterion_score=D("18")),
        RankInput("I", "c", D("80"), stage_score=D("85"), criterion_score=D("18"), submitted_at=T0),
        RankInput(
            "E",
            "c",
            D("80"),
            stage_score=D("85"),
            criterion_score=D("18"),
            submitted_at=T0 - timedelta(hours=1),
        ),
        RankInput("F", "c", D("80"), stage_score=D("85"), criterion_score=D("18")),  # no time: after timed
        RankInput("G", "c", D("95"), complete=False),
        RankInput("H", "c", D("99"), disqualified=True),
    ]
    out = rank(rows, tiebreak_stage="roadshow", tiebreak_criterion="feasibility")
    assert [(r.proposal_id, r.rank, r.decided_by) for r in out] == [
        ("A", 1, None),
        ("B", 2, "score"),
        ("C", 3, "stage:roadshow"),
        ("D", 4, "criterion:feasibility"),
        ("E", 5, "score"),
        ("I", 6, "submitted_at"),
        ("J", 7, "proposal_id"),
        ("F", 8, "submitted_at"),
        ("G", 9, "complete"),
        ("H", None, "veto"),
    ]


def test_missing_tiebreak_values_rank_last():
    rows = [RankInput("X", "c", D(80)), RankInput("Y", "c", D(80), stage_score=D(1))]
    assert ids(rank(rows)) == ["Y", "X"]


def test_rank_duplicate_id_rejected():
    with pytest.raises(ValueError, match="duplicate"):
        rank([RankInput("X", "c", D(80)), RankInput("X", "c", D(80))])


def test_ties_compare_published_scores_and_criterion_from_reviews():
    # P1: 85 85 86 -> 256 / 3 = 85.333.. -> 85.33; P2: 85.33 x 3 -> 85.33: tied as published
    # criterion "feasibility": P1 mean (18 + 18 + 18) / 3 = 18; P2 mean (19 + 17 + 18) / 3 = 18 -> still tied
    # submission: P2 earlier -> P2 first, decided by submitted_at
    crit1 = [{"feasibility": D(18)}] * 3
    crit2 = [{"feasibility": D(19)}, {"feasibility": D(17)}, {"feasibility": D(18)}]
    rs = reviews_for("P1", [85, 85, 86], criteria=crit1) + reviews_for("P2", ["85.33"] * 3, criteria=crit2)
    props = [ProposalInfo("P1", "c", T0), ProposalInfo("P2", "c", T0 - timedelta(days=1))]
    res = score_round(rs, props, RoundConfig(basis="mean", tiebreak_criterion="feasibility"))
    assert [(r.proposal_id, r.score, r.decided_by) for r in res.overall] == [
        ("P2", D("85.33"), None),
        ("P1", D("85.33"), "submitted_at"),
    ]
    assert res.overall[0].criterion_score == D("18.00")
    # with a differing criterion mean, the criterion decides
    crit3 = [{"feasibility": D(20)}] * 3
    rs2 = reviews_for("P1", [85, 85, 86], criteria=crit3) + reviews_for("P2", ["85.33"] * 3, criteria=crit2)
    res2 = score_round(rs2, props, RoundConfig(basis="mean", tiebreak_criterion="feasibility"))
    assert [(r.proposal_id, r.decided_by) for r in res2.overall] == [
        ("P1", None),
        ("P2", "criterion:feasibility"),
    ]


# --------------------------------------------------------------------------- inputs and empties


def test_empty_inputs():
    assert aggregate([]) == {}
    res = score_round([], [])
    assert res.overall == () and res.by_category == {} and res.unscored == ()
    res2 = score_round([], [ProposalInfo("P", "c")])
    assert res2.overall == () and res2.unscored == ("P",)


def test_input_validation():
    with pytest.raises(TypeError):
        ReviewScore("P", "r", 80.5)  # floats are refused
    assert ReviewScore("P", "r", 80).total == D(80)
    assert ReviewScore("P", "r", D(80), criteria={"need": 18}).criteria == {"need": D(18)}
    with pytest.raises(TypeError):
        ReviewScore("P", "r", D(80), criteria={"need": 18.5})
    with pytest.raises(ValueError, match="twice"):
        aggregate([ReviewScore("P", "r", D(80)), ReviewScore("P", "r", D(81))])
    with pytest.raises(ValueError, match="one stage"):
        aggregate([ReviewScore("P", "r", D(80)), ReviewScore("P", "r", D(81), stage="roadshow")])
    with pytest.raises(ValueError, match="unknown proposal"):
        score_round([ReviewScore("P", "r", D(80))], [])
    with pytest.raises(ValueError, match="tiebreak_stage"):
        RoundConfig(tiebreak_stage="roadshow")


def test_same_reviewer_may_score_both_stages():
    rs = [ReviewScore("P", "r", D(80)), ReviewScore("P", "r", D(90), stage="roadshow")]
    cfg = RoundConfig(stage_weights={"written": 50, "roadshow": 50})
    assert score_round(rs, [ProposalInfo("P", "c")], cfg).overall[0].score == D("85.00")
