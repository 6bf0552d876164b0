"""Reviewer assignment: optimality (brute force), constraints (check()), infeasibility
explanations, determinism, incremental mode, per-category k."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grants.rules.assignment import (
    AssignmentProblem,
    Problem,
    Proposal,
    Reviewer,
    affinity,
    check,
    conflict_reasons,
    solve,
)

#: every reason solve() may give; their sentences are tested in tests/assignment (they need the catalogs)
SOLVER_CODES = {"too_few_eligible", "capacity_short", "min_load_excess", "min_load_unreachable", "kept_exceeds_k",
                "kept_exceeds_max_load", "group_shortage", "reviewer_group_shortage", "infeasible"}

CATS = ("A", "B", "C")


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def brute_force_best(problem: AssignmentProblem) -> int | None:
    """Exhaustive optimum of total affinity; None when no feasible assignment exists."""
    props, revs, keep = list(problem.proposals), list(problem.reviewers), set(problem.keep)
    options = []
    for p in props:
        ok = [r for r in revs if not conflict_reasons(p, r, problem.declared_conflicts)]
        must = tuple(r for r in ok if (p.id, r.id) in keep)
        rest = [r for r in ok if (p.id, r.id) not in keep]
        kk = problem.k_for(p) - len(must)
        if kk < 0:
            return None
        options.append([must + c for c in itertools.combinations(rest, kk)])
    best = None
    for combo in itertools.product(*options):
        load = Counter(r.id for group in combo for r in group)
        if any(not r.min_load <= load[r.id] <= r.max_load for r in revs):
            continue
        val = sum(affinity(problem, p, r) for p, group in zip(props, combo, strict=True) for r in group)
        best = val if best is None else max(best, val)
    return best


def random_problem(rng: random.Random, n_prop: int, n_rev: int, k: int, *, per_cat: bool = False,
                   keep_frac: float = 0.0) -> AssignmentProblem:
    n_orgs = max(2, n_prop)
    proposals = [Proposal(id=i, category=rng.choice(CATS), organization_id=rng.randrange(n_orgs),
                          code=f"P{i}") for i in range(n_prop)]
    reviewers = []
    for j in range(n_rev):
        lo = rng.choice([0, 0, 1, 2])
        reviewers.append(Reviewer(
            id=100 + j, min_load=lo, max_load=lo + rng.randrange(0, 4),
            expertise=frozenset(rng.sample(CATS, rng.randrange(0, 3))),
            organization_id=rng.randrange(n_orgs) if rng.random() < 0.3 else None,
            affiliations=frozenset(rng.randrange(n_orgs) for _ in range(rng.randrange(2)))))
    declared = {(r.id, p.id) for p in proposals for r in reviewers if rng.random() < 0.1}
    prefs = {(r.id, p.id): rng.randint(-3, 5) for p in proposals for r in reviewers if rng.random() < 0.3}
    k_by_cat = {c: rng.randint(1, 3) for c in CATS if rng.random() < 0.5} if per_cat else {}
    problem = AssignmentProblem(proposals=tuple(proposals), reviewers=tuple(reviewers), k=k,
                                k_by_category=k_by_cat, declared_conflicts=frozenset(declared),
                                preferences=prefs, expertise_weight=rng.choice([0, 1, 4]))
    if keep_frac:
        keep = {(p.id, r.id) for p in proposals for r in reviewers if rng.random() < keep_frac}
        problem = replace(problem, keep=frozenset(keep))
    return problem


def P(i, cat="A", org=None):
    return Proposal(id=i, category=cat, organization_id=org, code=f"P{i}")


def R(i, lo=0, hi=10, tags=(), org=None, aff=()):
    return Reviewer(id=i, min_load=lo, max_load=hi, expertise=frozenset(tags), organization_id=org,
                    affiliations=frozenset(aff), name=f"R{i}")


def codes(result):
    return [pr.code for pr in result.problems]


# ---------------------------------------------------------------------------------------------
# optimality against brute force
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(150))
def test_matches_brute_force(seed):
    rng = random.Random(seed)
    problem = random_problem(rng, 4, 4, 2, per_cat=seed % 3 == 0)
    best = brute_force_best(problem)
    result = solve(problem)
    assert check(result, problem) == []
    if best is None:
        assert not result.ok and result.problems
    else:
        assert result.ok, result.problems
        assert result.objective == best


@pytest.mark.parametrize("seed", range(60))
def test_incremental_matches_brute_force(seed):
    rng = random.Random(1000 + seed)
    problem = random_problem(rng, 4, 4, 2, keep_frac=0.2)
    best = brute_force_best(replace(problem, keep=frozenset(
        pair for pair in problem.keep if not conflict_reasons(
            next(p for p in problem.proposals if p.id == pair[0]),
            next(r for r in problem.reviewers if r.id == pair[1]), problem.declared_conflicts))))
    result = solve(problem)
    assert check(result, problem) == []
    if best is None:
        assert not result.ok
    else:
        assert result.ok, result.problems
        assert result.objective == best


def test_affinity_beats_balance():
    # R1 is the only expert: affinity must load R1 to its maximum even though balance prefers spreading.
    problem = AssignmentProblem(proposals=tuple(P(i) for i in range(6)),
                                reviewers=(R(1, hi=6, tags=["A"]), R(2, hi=6), R(3, hi=6)), k=2)
    result = solve(problem)
    assert result.ok and result.loads[1] == 6 and result.objective == 60
    assert check(result, problem) == []


def test_balanced_when_no_preferences():
    problem = AssignmentProblem(proposals=tuple(P(i) for i in range(10)),
                                reviewers=tuple(R(i, hi=10) for i in range(4)), k=2)
    result = solve(problem)
    assert result.ok and sorted(result.loads.values()) == [5, 5, 5, 5]


def test_min_load_is_enforced_even_against_affinity():
    # k=1: six reviews; R2 must do 4 of them, so the expert R1 can only do the other 2.
    problem = AssignmentProblem(proposals=tuple(P(i) for i in range(6)),
                                reviewers=(R(1, hi=6, tags=["A"]), R(2, lo=4, hi=6), R(3, hi=6)), k=1)
    result = solve(problem)
    assert result.ok and check(result, problem) == []
    assert dict(result.loads) == {1: 2, 2: 4, 3: 0} and result.objective == 20


# ---------------------------------------------------------------------------------------------
# constraints on random instances
# ---------------------------------------------------------------------------------------------
@st.composite
def problems(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    n_prop = draw(st.integers(0, 12))
    n_rev = draw(st.integers(0, 8))
    k = draw(st.integers(1, 3))
    return random_problem(random.Random(seed), n_prop, n_rev, k, per_cat=draw(st.booleans()),
                          keep_frac=draw(st.sampled_from([0.0, 0.0, 0.1])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_instances_satisfy_every_constraint(problem):
    result = solve(problem)
    assert check(result, problem) == []
    if result.ok:
        for pid, rid in result.assignments:
            p = next(x for x in problem.proposals if x.id == pid)
            r = next(x for x in problem.reviewers if x.id == rid)
            assert not conflict_reasons(p, r, problem.declared_conflicts)
    else:
        assert result.problems
        for pr in result.problems:  # a refusal problem: a known code, no field, plain params
            assert isinstance(pr, Problem) and pr.code in SOLVER_CODES and pr.field is None
            assert all(isinstance(v, (int, str, list)) for v in pr.params.values()), pr


@pytest.mark.parametrize("seed", range(5))
def test_medium_random_instances(seed):
    rng = random.Random(seed)
    n_prop, n_rev, k = 200, 30, 3
    proposals = [P(i, rng.choice(CATS), org=rng.randrange(80)) for i in range(n_prop)]
    reviewers = [R(100 + j, lo=10, hi=30, tags=rng.sample(CATS, 1), org=rng.randrange(80),
                   aff=[rng.randrange(80)]) for j in range(n_rev)]
    declared = {(r.id, p.id) for p in proposals for r in reviewers if rng.random() < 0.05}
    problem = AssignmentProblem(proposals=tuple(proposals), reviewers=tuple(reviewers), k=k,
                                declared_conflicts=frozenset(declared))
    result = solve(problem)
    assert result.ok and check(result, problem) == []


def test_conflict_sources():
    p = P(1, org="org-a")
    assert conflict_reasons(p, R(1, org="org-a")) == ["same_organization"]
    assert conflict_reasons(p, R(2, aff=["org-a"])) == ["affiliation"]
    assert conflict_reasons(p, R(3), frozenset({(3, 1)})) == ["declared"]
    assert conflict_reasons(p, R(4, org="org-b", aff=["org-c"])) == []
    problem = AssignmentProblem(proposals=(p, P(2, org="org-b")),
                                reviewers=(R(1, org="org-a"), R(2, aff=["org-a"]), R(3), R(4)),
                                k=1, declared_conflicts=frozenset({(3, 1)}))
    result = solve(problem)
    assert result.ok and [pair for pair in result.assignments if pair[0] == 1] == [(1, 4)]


# ---------------------------------------------------------------------------------------------
# infeasibility, explained
# ---------------------------------------------------------------------------------------------
def test_too_few_eligible_names_the_proposal():
    reviewers = (R(1), R(2), R(3, org="x"), R(4, aff=["x"]))
    problem = AssignmentProblem(proposals=(P(12, org="x"), P(13)), reviewers=reviewers, k=3)
    result = solve(problem)
    assert not result.ok and result.assignments == ()
    (pr,) = result.problems
    assert pr.code == "too_few_eligible" and pr.params["proposal_id"] == 12
    assert pr.params["eligible"] == 2 and pr.params["required"] == 3
    assert pr.params["proposal"] == "P12" and pr.field is None
    assert check(result, problem) == []


def test_capacity_short_by_n():
    problem = AssignmentProblem(proposals=tuple(P(i) for i in range(5)),
                                reviewers=(R(1, hi=4), R(2, hi=3), R(3, hi=2)), k=2)
    result = solve(problem)
    assert codes(result) == ["capacity_short"]
    assert dict(result.problems[0].params) == {"capacity": 9, "demand": 10, "shortfall": 1}


def test_min_loads_exceed_demand():
    problem = AssignmentProblem(proposals=tuple(P(i) for i in range(3)),
                                reviewers=(R(1, lo=3, hi=5), R(2, lo=2, hi=5), R(3, lo=2, hi=5)), k=2)
    result = solve(problem)
    assert codes(result) == ["min_load_excess"]
    assert dict(result.problems[0].params) == {"min_total": 7, "demand": 6, "excess": 1}


def test_min_load_unreachable_names_the_reviewer():
    problem = AssignmentProblem(proposals=(P(1, org="x"), P(2, org="x"), P(3)),
                                reviewers=(R(7, lo=2, hi=5, org="x"), R(8), R(9)), k=1)
    result = solve(problem)
    assert codes(result) == ["min_load_unreachable"]
    assert result.problems[0].params["reviewer_id"] == 7
    assert result.problems[0].params["reviewer"] == "R7" and result.problems[0].params["eligible"] == 1


def test_group_shortage_found_by_min_cut():
    # Each proposal alone has enough eligible reviewers and total capacity is ample, but R1 and
    # R2 (capacity 1 each) are the only ones eligible for P1 and P2, which need 2 each; P3 can
    # use R3 only once (distinct reviewers), so P1-P3 need 6 reviews and can get 3.
    problem = AssignmentProblem(proposals=(P(1, org="x"), P(2, org="x"), P(3)),
                                reviewers=(R(1, hi=1), R(2, hi=1), R(3, hi=10, org="x")), k=2)
    result = solve(problem)
    assert codes(result) == ["group_shortage"]
    params = result.problems[0].params
    assert params["proposal_ids"] == [1, 2, 3] and params["demand"] == 6 and params["capacity"] == 3
    assert params["proposals"] == ["P1", "P2", "P3"] and params["count"] == 3
    # With P3 served elsewhere the witness shrinks to the two proposals that are really stuck.
    problem = replace(problem, reviewers=problem.reviewers + (R(4, hi=10, org="x"),))
    params = solve(problem).problems[0].params
    assert params["proposal_ids"] == [1, 2] and params["demand"] == 4 and params["capacity"] == 2


def test_reviewer_group_shortage_found_by_min_cut():
    # R1 and R2 may only review P1 (k=1) and each must do at least one review.
    problem = AssignmentProblem(proposals=(P(1), P(2, org="x"), P(3, org="x")),
                                reviewers=(R(1, lo=1, hi=3, org="x"), R(2, lo=1, hi=3, aff=["x"]), R(3)),
                                k=1)
    result = solve(problem)
    assert codes(result) == ["reviewer_group_shortage"]
    params = result.problems[0].params
    assert params["reviewer_ids"] == [1, 2] and params["min_total"] == 2 and params["capacity"] == 1
    assert params["reviewers"] == ["R1", "R2"] and params["count"] == 2


def test_kept_over_limits():
    problem = AssignmentProblem(proposals=(P(1), P(2)), reviewers=(R(1, hi=1), R(2), R(3)), k=1,
                                keep=frozenset({(1, 1), (1, 2), (2, 1)}))
    result = solve(problem)
    assert set(codes(result)) == {"kept_exceeds_k", "kept_exceeds_max_load"}
    by_code = {pr.code: dict(pr.params) for pr in result.problems}
    assert by_code["kept_exceeds_k"] == {"proposal_id": 1, "proposal": "P1", "kept": 2, "required": 1}
    assert by_code["kept_exceeds_max_load"] == {"reviewer_id": 1, "reviewer": "R1", "kept": 2, "max_load": 1}


def test_invalid_input_raises():
    with pytest.raises(ValueError):
        solve(AssignmentProblem(proposals=(P(1), P(1)), reviewers=(R(1),), k=1))
    with pytest.raises(ValueError):
        solve(AssignmentProblem(proposals=(P(1),), reviewers=(R(1, lo=3, hi=2),), k=1))
    with pytest.raises(ValueError):
        solve(AssignmentProblem(proposals=(P(1),), reviewers=(R(1),), k=1, keep=frozenset({(1, 99)})))


def test_empty_problem():
    result = solve(AssignmentProblem(proposals=(), reviewers=(R(1),), k=3))
    assert result.ok and result.assignments == () and result.objective == 0
    assert "min_load_excess" in codes(solve(AssignmentProblem(proposals=(), reviewers=(R(1, lo=1),), k=3)))


# ---------------------------------------------------------------------------------------------
# determinism
# ---------------------------------------------------------------------------------------------
def test_deterministic_and_order_independent():
    rng = random.Random(7)
    proposals = [P(i, rng.choice(CATS), org=rng.randrange(10)) for i in range(60)]
    reviewers = [R(100 + j, lo=5, hi=25, tags=rng.sample(CATS, 1), org=rng.randrange(10)) for j in range(12)]
    declared = [(r.id, p.id) for p in proposals for r in reviewers if rng.random() < 0.05]
    prefs = [((r.id, p.id), 1) for p in proposals for r in reviewers if rng.random() < 0.05]

    def build(order_seed):
        shuf = random.Random(order_seed)
        ps, rs, ds, fs = proposals[:], reviewers[:], declared[:], prefs[:]
        for x in (ps, rs, ds, fs):
            shuf.shuffle(x)
        return AssignmentProblem(proposals=tuple(ps), reviewers=tuple(rs), k=3,
                                 declared_conflicts=frozenset(ds), preferences=dict(fs))

    first = solve(build(0))
    assert first.ok and check(first, build(0)) == []
    for order_seed in range(1, 5):
        again = solve(build(order_seed))
        assert again.assignments == first.assignments
        assert dict(again.loads) == dict(first.loads) and again.objective == first.objective
    assert solve(build(0)).assignments == first.assignments


# ---------------------------------------------------------------------------------------------
# incremental mode and per-category k
# ---------------------------------------------------------------------------------------------
def test_incremental_after_declared_conflict():
    rng = random.Random(3)
    proposals = tuple(P(i, rng.choice(CATS)) for i in range(30))
    reviewers = tuple(R(100 + j, hi=15, tags=[CATS[j % 3]]) for j in range(8))
    problem = AssignmentProblem(proposals=proposals, reviewers=reviewers, k=3)
    first = solve(problem)
    assert first.ok
    victim = first.assignments[4]  # (proposal, reviewer) whose reviewer now declares a conflict
    second_problem = replace(problem, keep=frozenset(first.assignments),
                             declared_conflicts=frozenset({(victim[1], victim[0])}))
    second = solve(second_problem)
    assert second.ok and check(second, second_problem) == []
    assert second.released == (victim,)
    assert set(second.kept) == set(first.assignments) - {victim}
    assert len(second.new) == 1 and second.new[0][0] == victim[0] and second.new[0][1] != victim[1]
    assert victim not in second.assignments


def test_incremental_fills_only_gaps_and_counts_kept_loads():
    proposals = tuple(P(i) for i in range(4))
    reviewers = (R(1, hi=2, tags=["A"]), R(2, hi=4), R(3, hi=4))
    keep = frozenset({(0, 2), (1, 2), (2, 3)})
    problem = AssignmentProblem(proposals=proposals, reviewers=reviewers, k=2, keep=keep)
    result = solve(problem)
    assert result.ok and check(result, problem) == []
    assert keep <= set(result.assignments) and set(result.kept) == keep
    assert len(result.new) == 8 - 3 and result.loads[1] == 2  # the expert takes its maximum
    assert result.objective == 20


def test_per_category_k():
    proposals = (P(1, "A"), P(2, "B"), P(3, "C"), P(4, "B"))
    problem = AssignmentProblem(proposals=proposals, reviewers=tuple(R(i) for i in range(5)), k=2,
                                k_by_category={"B": 4, "C": 1})
    result = solve(problem)
    assert result.ok and check(result, problem) == []
    per = Counter(pid for pid, _ in result.assignments)
    assert per == {1: 2, 2: 4, 3: 1, 4: 4}


# ---------------------------------------------------------------------------------------------
# arc pruning: proven optimal every run, equal to the unpruned network
# ---------------------------------------------------------------------------------------------
def pruning_problem(seed: int) -> AssignmentProblem:
    """A feasible round: 60 proposals, 12 reviewers, k = 2..3, loads with room, conflicts, preferences."""
    rng = random.Random(seed)
    proposals = [P(i, rng.choice(CATS), org=rng.randrange(40)) for i in range(60)]
    reviewers = [R(100 + j, lo=rng.choice([0, 5, 8]), hi=rng.choice([16, 20, 30]), tags=rng.sample(CATS, rng.randrange(0, 3)),
                   org=rng.randrange(40) if rng.random() < 0.3 else None) for j in range(12)]
    problem = AssignmentProblem(
        proposals=tuple(proposals), reviewers=tuple(reviewers), k=rng.choice([2, 3]),
        declared_conflicts=frozenset((r.id, p.id) for p in proposals for r in reviewers if rng.random() < 0.05),
        preferences={(r.id, p.id): rng.randint(-3, 5) for p in proposals for r in reviewers if rng.random() < 0.2},
        expertise_weight=rng.choice([1, 4]))
    if seed % 3 == 0:
        problem = replace(problem, keep=frozenset((p.id, r.id) for p in proposals for r in reviewers
                                                  if rng.random() < 0.02))
    return problem


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("width", [1, 3, 6])
def test_pruned_network_equals_the_whole_network(seed, width):
    """The pruned solve (few arcs per proposal, arcs with a negative reduced cost added back) reaches the
    same optimal flow cost (affinity tier and balance tier) as the unpruned network, whatever the width."""
    problem = pruning_problem(seed)
    whole = solve(problem, candidates=0)
    pruned = solve(problem, candidates=width)
    assert whole.ok, "the instances are feasible"
    assert pruned.ok and "pruned_rounds" in pruned.stats, "solved pruned, not by falling back to the whole network"
    assert pruned.stats["cost"] == whole.stats["cost"]
    assert pruned.objective == whole.objective
    assert check(pruned, problem) == []


def test_pruning_adds_back_the_arcs_that_improve():
    """Starting from as few arcs as each proposal needs, instances need arcs added back (negative reduced
    cost) and every one ends at the unpruned optimum."""
    added = 0
    for seed in range(12):
        problem = pruning_problem(seed)
        whole, pruned = solve(problem, candidates=0), solve(problem, candidates=1)
        assert pruned.stats["cost"] == whole.stats["cost"] and check(pruned, problem) == []
        added += pruned.stats.get("pruned_arcs_added", 0)
    assert added > 0


def test_potentials_prove_optimality_and_catch_a_non_optimal_flow():
    import numpy as np

    from grants.rules.assignment import potentials

    # 0 -> 1 (cost 5) and 0 -> 2 -> 1 (cost 1 + 1); one unit from 0 to 1
    tails, heads, costs = np.array([0, 0, 2]), np.array([1, 2, 1]), np.array([5, 1, 1])
    good = potentials(3, tails, heads, costs, np.array([0, 1, 1]))
    assert good is not None
    used = np.array([0, 1, 1]) > 0
    for t, h, c, u in zip(tails, heads, costs, used, strict=True):  # every residual arc: reduced cost >= 0
        a, b, cc = (h, t, -c) if u else (t, h, c)
        assert cc + good[a] - good[b] >= 0
    assert potentials(3, tails, heads, costs, np.array([1, 0, 0])) is None  # 0->2->1 then back 1->0: -3 cycle


def test_declared_conflicts_are_found_the_same_way_for_integer_and_other_ids():
    # integer ids go through numpy (binary search), others through dictionaries: the same pairs,
    # and declarations about unknown items (withdrawn proposals, former reviewers) are ignored
    from grants.rules.assignment import _declared_indices

    rng = random.Random(7)
    pids, rids = sorted(rng.sample(range(1, 10_000), 40)), sorted(rng.sample(range(10_000, 20_000), 12))
    declared = {(rng.choice(rids), rng.choice(pids)) for _ in range(120)} | {(rids[0], 99_999), (5, pids[0])}
    for cast in (int, str):
        props = sorted((Proposal(id=cast(p), category="A") for p in pids), key=lambda p: (type(p.id).__name__, p.id))
        revs = sorted((Reviewer(id=cast(r), max_load=9) for r in rids), key=lambda r: (type(r.id).__name__, r.id))
        pidx = {p.id: i for i, p in enumerate(props)}
        ridx = {r.id: j for j, r in enumerate(revs)}
        ii, jj = _declared_indices(frozenset((cast(r), cast(p)) for r, p in declared), props, revs, pidx, ridx)
        found = {(revs[j].id, props[i].id) for i, j in zip(ii.tolist(), jj.tolist(), strict=True)}
        expected = {(cast(r), cast(p)) for r, p in declared if p in pids and r in rids}
        assert found == expected and len(ii) == len(expected)
