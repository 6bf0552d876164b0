"""grants.rules.allocation: hand examples, a crafted knapsack case, and a brute-force oracle."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal as D

import pytest

from grants.rules.allocation import (
    Candidate,
    allocate_in_rank_order,
    allocate_max_score,
    apply_adjustment,
    compare,
)
from grants.rules.refusal import Refusal


def C(pid, score, requested, category="c", **kw):
    return Candidate(pid, category, D(str(requested)), D(str(score)), **kw)


def funded(result):
    return [r.proposal_id for r in result.rows if r.funded]


def reasons(result):
    return {r.proposal_id: r.reason for r in result.rows}


# Ranked list used by several tests (pool 100,000)
RANKED = [
    C("A", 90, 50_000),
    C("B", 85, 60_000),  # after A: 50,000 left -> does not fit
    C("C", 80, 40_000),  # fits: 10,000 left
    C("D", 55, 5_000),  # below 60
    C("E", 70, 5_000, vetoed=True),
    C("F", 65, 10_000),  # fits exactly: 0 left
    C("G", 62, 1_000, eligible=False),
]


# --------------------------------------------------------------------------- rank order


def test_rank_order_skip_and_continue():
    res = allocate_in_rank_order(RANKED, D(100_000))
    assert funded(res) == ["A", "C", "F"]
    assert reasons(res) == {
        "A": None,
        "B": "pool_exhausted",
        "C": None,
        "D": "below_min_score",
        "E": "vetoed",
        "F": None,
        "G": "ineligible",
    }
    # 50,000 + 40,000 + 10,000 = 100,000
    assert res.total_funded == D(100_000) and res.remaining == D(0)
    assert res.total_score == D(90 + 80 + 65)
    assert res.row("B").amount == D(0)
    assert [r.rank for r in res.rows] == [1, 2, 3, 4, 5, 6, 7]


def test_rank_order_stop():
    res = allocate_in_rank_order(RANKED, D(100_000), on_no_fit="stop")
    assert funded(res) == ["A"]
    r = reasons(res)
    assert r["B"] == "pool_exhausted"
    assert r["C"] == r["F"] == "not_reached"
    assert r["D"] == "below_min_score" and r["E"] == "vetoed"
    with pytest.raises(ValueError):
        allocate_in_rank_order(RANKED, D(100_000), on_no_fit="halt")


def test_min_score_boundary_and_parameter():
    cands = [C("X", "60.00", 10), C("Y", "59.99", 10)]
    assert funded(allocate_in_rank_order(cands, D(100))) == ["X"]
    assert funded(allocate_in_rank_order(cands, D(100), min_score=D("59.99"))) == ["X", "Y"]
    assert funded(allocate_max_score(cands, D(100))) == ["X"]


def test_cap_limits_each_award():
    # cap 45,000: A gets 45,000 (asked 50,000); B gets 45,000 (asked 60,000) -> 90,000;
    # C (40,000) no longer fits in 10,000 -> pool_exhausted; F gets 10,000 -> 100,000
    res = allocate_in_rank_order(RANKED, D(100_000), cap=D(45_000))
    assert res.awards == {"A": D(45_000), "B": D(45_000), "F": D(10_000)}
    assert reasons(res)["C"] == "pool_exhausted"
    ms = allocate_max_score(RANKED, D(100_000), cap=D(45_000))
    assert all(a <= D(45_000) for a in ms.awards.values())


def test_quotas():
    cands = [
        C("W1", 95, 30_000, "women"),
        C("W2", 90, 30_000, "women"),  # women quota 50,000: 20,000 left -> quota_exhausted
        C("K1", 88, 40_000, "kids"),
        C("W3", 85, 20_000, "women"),  # fits the remaining 20,000 of the women quota
        C("O1", 80, 10_000, "other"),  # no quota for "other": only the pool
    ]
    res = allocate_in_rank_order(cands, D(200_000), quotas={"women": D(50_000), "kids": D(40_000)})
    assert funded(res) == ["W1", "K1", "W3", "O1"]
    assert reasons(res)["W2"] == "quota_exhausted"
    assert res.category_totals() == {"women": D(50_000), "kids": D(40_000), "other": D(10_000)}
    ms = allocate_max_score(cands, D(200_000), quotas={"women": D(50_000), "kids": D(40_000)})
    # women: best of {W1, W2, W3} within 50,000: W1+W3 (180) or W2+W3 (175) -> W1+W3
    assert funded(ms) == ["W1", "K1", "W3", "O1"]
    assert reasons(ms)["W2"] == "not_selected"
    # a candidate larger than its whole quota can never fit
    big = allocate_max_score([C("K2", 99, 50_000, "kids")], D(200_000), quotas={"kids": D(40_000)})
    assert reasons(big)["K2"] == "quota_exhausted"


def test_vetoed_and_ineligible_excluded_from_both_methods():
    cands = [C("V", 99, 10, vetoed=True), C("I", 98, 10, eligible=False), C("OK", 70, 10)]
    for res in (allocate_in_rank_order(cands, D(1000)), allocate_max_score(cands, D(1000))):
        assert funded(res) == ["OK"]
        assert reasons(res)["V"] == "vetoed" and reasons(res)["I"] == "ineligible"


# --------------------------------------------------------------------------- max score


def test_knapsack_beats_greedy_and_compare():
    # pool 100: greedy funds A (90, 60) and then neither B nor C fits in 40 -> score 90, 40 left
    # max score: B + C = 85 + 84 = 169 for 100 -> 0 left
    cands = [C("A", 90, 60), C("B", 85, 50), C("C", 84, 50)]
    greedy = allocate_in_rank_order(cands, D(100))
    best = allocate_max_score(cands, D(100))
    assert funded(greedy) == ["A"] and funded(best) == ["B", "C"]
    cmp = compare(greedy, best)
    assert cmp.rank_order_score == D(90) and cmp.max_score_score == D(169)
    assert cmp.score_gain == D(79)
    assert (cmp.rank_order_funded, cmp.max_score_funded) == (D(60), D(100))
    assert (cmp.rank_order_leftover, cmp.max_score_leftover) == (D(40), D(0))
    assert (cmp.rank_order_count, cmp.max_score_count) == (1, 2)
    assert cmp.only_rank_order == ("A",) and cmp.only_max_score == ("B", "C")
    assert reasons(best)["A"] == "not_selected"


def test_equal_optima_prefer_higher_ranked():
    # two equal swaps: A and B both 80 for 50 each, pool 50 -> A (rank 1)
    assert funded(allocate_max_score([C("A", 80, 50), C("B", 80, 50)], D(50))) == ["A"]
    # one-vs-two exchange with the same total: {A} = 80 = {B, C} = 40 + 40 -> A, the higher-ranked
    cands = [C("A", 80, 100), C("B", 40, 50), C("C", 40, 50)]
    assert funded(allocate_max_score(cands, D(100), min_score=D(0))) == ["A"]
    # equal optima with equal rank sums: {B, E} = 50 + 40 = 90 for 60 + 40 = 100 and
    # {C, D} = 45 + 45 = 90 for 50 + 50 = 100 ({B, C} and {B, D} cost 110); rank sums 1+4 = 2+3,
    # so only the lexicographic rule decides: B is ranked above C -> {B, E}
    cands = [C("B", 50, 60), C("C", 45, 50), C("D", 45, 50), C("E", 40, 40)]
    assert funded(allocate_max_score(cands, D(100), min_score=D(0))) == ["B", "E"]
    # a project in every optimum (X) does not change that
    cands = [C("X", 90, 10), *cands]
    assert funded(allocate_max_score(cands, D(110), min_score=D(0))) == ["X", "B", "E"]


def _brute_force(cands, pool, quotas, cap, min_score):
    """Max total score; ties -> lexicographically best selection in rank order."""
    amounts = [c.requested if cap is None else min(c.requested, cap) for c in cands]
    ok = [i for i, c in enumerate(cands) if not c.vetoed and c.eligible and c.score >= min_score]
    best_key, best_set = None, frozenset()
    for r in range(len(ok) + 1):
        for subset in itertools.combinations(ok, r):
            if sum((amounts[i] for i in subset), D(0)) > pool:
                continue
            per_cat: dict[str, D] = {}
            for i in subset:
                per_cat[cands[i].category] = per_cat.get(cands[i].category, D(0)) + amounts[i]
            if any(per_cat.get(k, D(0)) > v for k, v in quotas.items()):
                continue
            s = set(subset)
            key = (sum((cands[i].score for i in subset), D(0)), tuple(i in s for i in range(len(cands))))
            if best_key is None or key > best_key:
                best_key, best_set = key, frozenset(subset)
    return {cands[i].proposal_id for i in best_set}


def test_max_score_matches_brute_force_on_random_instances():
    rng = random.Random(20240601)
    for _ in range(120):
        n = rng.randint(0, 8)
        cands = [
            Candidate(
                proposal_id=i,
                category=rng.choice("ab"),
                requested=D(rng.choice([1000, 1500, 2000, 2500, 3000]))
                + D(rng.randint(0, 99)) / 100 * rng.randint(0, 1),
                score=D(rng.choice([55, 60, 61, 70, 70, 75, 80, 90])) + D(rng.choice([0, 0, 25, 50])) / 100,
                vetoed=rng.random() < 0.1,
            )
            for i in range(n)
        ]
        cands.sort(key=lambda c: -c.score)  # a ranked list (ties keep insertion order)
        pool = D(rng.randint(2000, 9000))
        quotas = {"a": D(rng.randint(1000, 6000))} if rng.random() < 0.5 else {}
        cap = D(rng.choice([1500, 2500])) if rng.random() < 0.3 else None
        res = allocate_max_score(cands, pool, quotas=quotas, cap=cap)
        assert set(res.awards) == _brute_force(cands, pool, quotas, cap, D(60)), (cands, pool, quotas, cap)
        assert res.total_funded <= pool
        greedy = allocate_in_rank_order(cands, pool, quotas=quotas, cap=cap)
        assert res.total_score >= greedy.total_score


def test_max_score_is_deterministic():
    rng = random.Random(3)
    cands = [C(i, rng.choice([70, 75, 80]), rng.choice([10, 20, 30])) for i in range(40)]
    first = allocate_max_score(cands, D(200))
    for _ in range(3):
        assert allocate_max_score(cands, D(200)).awards == first.awards


def test_empty_and_nothing_fits():
    assert allocate_max_score([], D(100)).rows == ()
    assert allocate_in_rank_order([], D(100)).total_funded == D(0)
    res = allocate_max_score([C("A", 90, 200)], D(100))
    assert reasons(res) == {"A": "pool_exhausted"} and res.remaining == D(100)


def test_money_validation():
    with pytest.raises(ValueError, match="2 decimals"):
        allocate_in_rank_order([C("A", 90, "10.005")], D(100))
    with pytest.raises(TypeError):
        allocate_in_rank_order([C("A", 90, 10)], 100.0)
    with pytest.raises(ValueError, match="duplicate"):
        allocate_in_rank_order([C("A", 90, 10), C("A", 80, 10)], D(100))
    with pytest.raises(ValueError, match="negative"):
        allocate_in_rank_order([C("A", 90, 10)], D(-1))


# --------------------------------------------------------------------------- adjustments


def _base():
    # pool 100,000, cap 55,000, quota "c" 97,000: A 50,000 + (B 60,000 capped to 55,000 does not fit
    # in 50,000) + C 40,000 + F 5,000 = 95,000 -> 5,000 left in the pool, 2,000 in the quota
    cands = [
        C("A", 90, 50_000),
        C("B", 85, 60_000),
        C("C", 80, 40_000),
        C("F", 65, 5_000),
        C("V", 99, 1, vetoed=True),
    ]
    return allocate_in_rank_order(cands, D(100_000), cap=D(55_000), quotas={"c": D(97_000)})


def test_adjustment_lowers_an_award_and_returns_remaining():
    base = _base()
    assert base.awards == {"A": D(50_000), "C": D(40_000), "F": D(5_000)}
    assert base.remaining == D(5_000)
    new, left = apply_adjustment(base, "A", D("45000.50"), "預算中宣傳費過高，核減")
    # 45,000.50 + 40,000 + 5,000 = 90,000.50 -> 9,999.50 left
    assert new.awards["A"] == D("45000.50") and left == D("9999.50") == new.remaining
    assert new.row("A").adjustment_reason == "預算中宣傳費過高，核減"
    assert new.adjustments[-1].old_amount == D(50_000)
    assert base.awards["A"] == D(50_000)  # the input is not changed


def refused(base, pid, amount, reason="r") -> Refusal:
    with pytest.raises(Refusal) as info:
        apply_adjustment(base, pid, amount, reason)
    return info.value


def test_adjustment_rules():
    base = _base()
    r = refused(base, "A", D(40_000), "  ")
    assert (r.code, r.field) == ("award_reason_required", "reason")
    assert refused(base, "A", D(0)).code == "award_not_positive"
    r = refused(base, "A", D("50000.01"))
    assert (r.code, r.field, r.params) == ("award_over_requested", "amount",
                                          {"amount": D("50000.01"), "req": D(50_000)})
    r = refused(base, "B", D(56_000))
    assert r.code == "award_over_cap" and r.params["cap"] == D(55_000)
    assert refused(base, "A", D("100.001")).code == "amount_decimals"
    assert refused(base, "A", D(-5)).code == "amount_negative"
    assert refused(base, "A", D("NaN")).code == "amount_invalid"
    assert refused(base, "A", "abc").code == "amount_invalid"
    r = refused(base, "V", D(1))
    assert r.code == "award_not_fundable" and r.params["reason"] == "vetoed"
    assert refused(base, "ZZ", D(1)).code == "award_not_ranked"
    with pytest.raises(TypeError):
        apply_adjustment(base, "A", 100.0, "r")
    # funding B with more than the 5,000 left: the refusal carries what is left, as a Decimal
    r = refused(base, "B", D(5_001), "add B")
    assert (r.code, r.params["left"]) == ("award_over_pool", D(5_000)) and isinstance(r.params["left"], D)
    # the quota (97,000; 95,000 used) binds before the pool (5,000 left)
    r = refused(base, "B", D(3_000), "add B")
    assert r.code == "award_over_quota" and r.params["left"] == D(2_000) and r.params["category"] == "c"
    # funding an unfunded but eligible candidate within what is left is allowed
    new, left = apply_adjustment(base, "B", D(2_000), "partial grant")
    assert new.awards["B"] == D(2_000) and left == D(3_000)
