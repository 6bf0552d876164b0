"""Automatic reviewer assignment: optimal, conflict-free, balanced, explained when impossible.

PURE module: no Flask, no SQLAlchemy. The operations layer turns ORM rows into the plain frozen
dataclasses below, calls :func:`solve`, and writes :attr:`AssignmentResult.assignments` back.

Model (min-cost flow, OR-Tools ``SimpleMinCostFlow``)::

    proposal p  --(cap 1, cost -affinity*SCALE)-->  reviewer r  --(unit arcs, convex cost)-->  sink

* proposal p has supply ``need_p = k_p - kept_p`` (exactly k reviewers in total);
* an arc p -> r exists only if r has no conflict with p, is not already kept on p and has room;
* reviewer loads must lie in ``[min_load, max_load]``. The lower bound uses the standard
  lower-bound transformation with node supplies (no big-M cost): an arc r -> sink with bounds
  ``[L, U]`` is replaced by an arc of capacity ``U - L`` while reviewer r gets supply ``-L``
  (it must absorb L units itself) and the sink's demand drops by L. Any feasible flow of the
  transformed network maps to a flow with ``L <= load <= U`` and vice versa, and the costs
  differ by a constant, so optimality is preserved exactly. (The big-negative-cost variant
  only *encourages* the mandatory units and needs a big-M that must dominate every other
  cost; supplies *force* them, and the solver reports INFEASIBLE if they cannot be met.)

Objective, lexicographic:

1. maximise total affinity (expertise tag == proposal category gives ``expertise_weight``;
   admin preferences add their integer weight, negative weights discourage a pair);
2. among the optimal assignments, balance loads: the j-th review of a reviewer costs j, i.e.
   minimise the sum of load*(load+1)/2 (convex, so unit arcs of increasing cost model it).
   Primary costs are multiplied by ``SCALE = (largest possible difference between two
   solutions' secondary totals) + 1``, so no amount of balancing can ever outweigh one unit of
   affinity (if that scale would overflow int64 the secondary tier is dropped, never the primary);
3. determinism: inputs are sorted by id and arcs are added in that fixed order; the solver is
   deterministic, so the same input (in any order) gives the same output.

When no assignment exists, :attr:`AssignmentResult.problems` says why, as
:class:`grants.rules.refusal.Problem` values (a code and plain figures, no text): their
sentences are in the "assignment" section of ``grants.platform.refusals``.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from types import MappingProxyType
from typing import Any

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from grants.rules.refusal import Problem

__all__ = [
    "Proposal",
    "Reviewer",
    "AssignmentProblem",
    "Problem",
    "AssignmentResult",
    "solve",
    "check",
    "conflict_reasons",
    "affinity",
]

Id = Hashable

# Keep |cost| * (nodes + 1) well inside int64 (OR-Tools scales costs by the node count).
_COST_LIMIT = 2**62


def _sort_key(x: Any) -> tuple[str, Any]:
    return (type(x).__name__, x)


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Proposal:
    id: Id
    category: str
    organization_id: Id | None = None
    code: str | None = None  # display label for messages, e.g. "P12"; defaults to str(id)

    @property
    def label(self) -> str:
        return self.code if self.code is not None else str(self.id)


@dataclass(frozen=True)
class Reviewer:
    id: Id
    max_load: int
    min_load: int = 0
    expertise: frozenset[str] = frozenset()
    organization_id: Id | None = None  # the reviewer's own organisation
    affiliations: frozenset[Id] = frozenset()  # other declared organisation affiliations
    name: str | None = None  # display label for messages; defaults to str(id)

    def __post_init__(self) -> None:
        object.__setattr__(self, "expertise", frozenset(self.expertise))
        object.__setattr__(self, "affiliations", frozenset(self.affiliations))

    @property
    def label(self) -> str:
        return self.name if self.name is not None else str(self.id)


@dataclass(frozen=True)
class AssignmentProblem:
    """Everything :func:`solve` needs.

    Pair orientation: ``declared_conflicts`` and ``preferences`` are keyed
    ``(reviewer_id, proposal_id)``; ``keep`` and the result's ``assignments`` are
    ``(proposal_id, reviewer_id)``.
    """

    proposals: tuple[Proposal, ...]
    reviewers: tuple[Reviewer, ...]
    k: int = 3
    k_by_category: Mapping[str, int] = field(default_factory=dict)
    declared_conflicts: frozenset[tuple[Id, Id]] = frozenset()
    preferences: Mapping[tuple[Id, Id], int] = field(default_factory=dict)
    expertise_weight: int = 10
    keep: frozenset[tuple[Id, Id]] = frozenset()
    balance: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "proposals", tuple(self.proposals))
        object.__setattr__(self, "reviewers", tuple(self.reviewers))
        object.__setattr__(self, "k_by_category", MappingProxyType(dict(self.k_by_category)))
        object.__setattr__(self, "declared_conflicts", frozenset(self.declared_conflicts))
        object.__setattr__(self, "preferences", MappingProxyType(dict(self.preferences)))
        object.__setattr__(self, "keep", frozenset(self.keep))

    def k_for(self, proposal: Proposal) -> int:
        return self.k_by_category.get(proposal.category, self.k)


def conflict_reasons(proposal: Proposal, reviewer: Reviewer, declared: frozenset = frozenset()) -> list[str]:
    """Why ``reviewer`` may not review ``proposal``: ``same_organization``, ``affiliation``,
    ``declared`` (empty list: no conflict)."""
    reasons = []
    org = proposal.organization_id
    if org is not None and org == reviewer.organization_id:
        reasons.append("same_organization")
    if org is not None and org in reviewer.affiliations:
        reasons.append("affiliation")
    if (reviewer.id, proposal.id) in declared:
        reasons.append("declared")
    return reasons


def affinity(problem: AssignmentProblem, proposal: Proposal, reviewer: Reviewer) -> int:
    """Affinity of one pair (plain Python; the solver computes the same thing with numpy)."""
    a = problem.expertise_weight if proposal.category in reviewer.expertise else 0
    return a + int(problem.preferences.get((reviewer.id, proposal.id), 0))


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AssignmentResult:
    ok: bool
    assignments: tuple[tuple[Id, Id], ...] = ()  # (proposal_id, reviewer_id), sorted; kept + new
    new: tuple[tuple[Id, Id], ...] = ()  # the pairs added by this run
    kept: tuple[tuple[Id, Id], ...] = ()  # the pairs of ``keep`` that were kept
    released: tuple[tuple[Id, Id], ...] = ()  # pairs of ``keep`` dropped because now conflicted
    loads: Mapping[Id, int] = field(default_factory=dict)  # reviewer_id -> total load
    objective: int | None = None  # total affinity of ``assignments``
    problems: tuple[Problem, ...] = ()  # why not, when not ok (grants.rules.refusal.Problem, no field)
    stats: Mapping[str, float] = field(default_factory=dict)  # timings, sizes


# ---------------------------------------------------------------------------------------------
# Solver
# ---------------------------------------------------------------------------------------------
@dataclass
class _Prepared:
    proposals: list[Proposal]
    reviewers: list[Reviewer]
    k: np.ndarray  # (P,) required reviewers per proposal
    eligible: np.ndarray  # (P, R) bool: no conflict and not kept (new arc allowed, ignoring room)
    conflict: np.ndarray  # (P, R) bool
    aff: np.ndarray  # (P, R) int32 (int64 when preferences are huge)
    kept_mask: np.ndarray  # (P, R) bool
    kept_pairs: list[tuple[Id, Id]]
    released: list[tuple[Id, Id]]


def _declared_indices(declared, proposals, reviewers, pidx, ridx) -> tuple[np.ndarray, np.ndarray]:
    """(proposal index, reviewer index) of every declared conflict between known items (declarations
    about withdrawn items are harmless and dropped).  Integer ids are matched in numpy (the ids are
    sorted, so a binary search finds them), others through the index dictionaries."""
    n = len(declared)
    pids = [p.id for p in proposals]
    rids = [r.id for r in reviewers]
    if n and all(type(x) is int for x in pids) and all(type(x) is int for x in rids):
        try:
            arr = np.fromiter(chain.from_iterable(declared), dtype=np.int64, count=2 * n).reshape(n, 2)
            keys_p, keys_r = np.array(pids, dtype=np.int64), np.array(rids, dtype=np.int64)
        except (TypeError, ValueError, OverflowError):  # not all int64: the dictionaries below
            arr = None
        if arr is not None and pids and rids:
            out = []
            for keys, col in ((keys_p, 1), (keys_r, 0)):
                pos = np.searchsorted(keys, arr[:, col])
                found = keys[np.minimum(pos, len(keys) - 1)] == arr[:, col]
                out.append((pos, found))
            ok = out[0][1] & out[1][1]
            return out[0][0][ok], out[1][0][ok]
    pairs = [(pidx[pid], ridx[rid]) for rid, pid in declared if pid in pidx and rid in ridx]
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _prepare(problem: AssignmentProblem) -> _Prepared:
    proposals = sorted(problem.proposals, key=lambda p: _sort_key(p.id))
    reviewers = sorted(problem.reviewers, key=lambda r: _sort_key(r.id))
    pidx = {p.id: i for i, p in enumerate(proposals)}
    ridx = {r.id: j for j, r in enumerate(reviewers)}
    if len(pidx) != len(proposals):
        raise ValueError("duplicate proposal ids")
    if len(ridx) != len(reviewers):
        raise ValueError("duplicate reviewer ids")
    for r in reviewers:
        if not 0 <= r.min_load <= r.max_load:
            raise ValueError(f"reviewer {r.id!r}: need 0 <= min_load <= max_load")
    P, R = len(proposals), len(reviewers)
    k = np.array([problem.k_for(p) for p in proposals], dtype=np.int64)
    if (k < 0).any():
        raise ValueError("reviewers per proposal must be >= 0")

    # Conflicts: organisations (own + declared affiliations) and declared pairs.
    conflict = np.zeros((P, R), dtype=bool)
    by_org: dict[Id, list[int]] = defaultdict(list)
    for i, p in enumerate(proposals):
        if p.organization_id is not None:
            by_org[p.organization_id].append(i)
    for j, r in enumerate(reviewers):
        orgs = set(r.affiliations)
        if r.organization_id is not None:
            orgs.add(r.organization_id)
        for org in orgs:
            rows = by_org.get(org)
            if rows:
                conflict[rows, j] = True
    ii, jj = _declared_indices(problem.declared_conflicts, proposals, reviewers, pidx, ridx)
    conflict[ii, jj] = True

    # Affinity: expertise tag == category, plus admin preferences.
    cats = sorted({p.category for p in proposals})
    cidx = {c: n for n, c in enumerate(cats)}
    # int32 when every affinity fits (half the memory of int64; every use widens before scaling)
    wmax = abs(int(problem.expertise_weight)) + sum(abs(int(w)) for w in problem.preferences.values())
    dtype = np.int32 if wmax < 2**31 else np.int64
    tags = np.zeros((len(cats), R), dtype=dtype)  # category x reviewer: the row of a proposal's category
    for j, r in enumerate(reviewers):
        for t in r.expertise:
            if t in cidx:
                tags[cidx[t], j] = problem.expertise_weight
    pcat = np.array([cidx[p.category] for p in proposals], dtype=np.int64)
    aff = tags[pcat] if P and R else np.zeros((P, R), dtype=dtype)  # (P, R), C-contiguous, no transpose copy
    for (rid, pid), w in problem.preferences.items():
        if rid in ridx and pid in pidx:
            aff[pidx[pid], ridx[rid]] += int(w)

    # Kept assignments; the ones that became conflicts are released.
    kept_mask = np.zeros((P, R), dtype=bool)
    kept_pairs, released = [], []
    for pid, rid in sorted(problem.keep, key=lambda t: (_sort_key(t[0]), _sort_key(t[1]))):
        if pid not in pidx or rid not in ridx:
            raise ValueError(f"keep refers to an unknown proposal or reviewer: {(pid, rid)!r}")
        i, j = pidx[pid], ridx[rid]
        if conflict[i, j]:
            released.append((pid, rid))
        else:
            kept_mask[i, j] = True
            kept_pairs.append((pid, rid))
    eligible = ~conflict & ~kept_mask
    return _Prepared(proposals, reviewers, k, eligible, conflict, aff, kept_mask, kept_pairs, released)


def _diagnose(pre: _Prepared, need: np.ndarray, lo: np.ndarray, hi: np.ndarray,
              arcs_ok: np.ndarray) -> list[Problem]:
    """Cheap necessary conditions, each reported with numbers an admin can act on."""
    problems: list[Problem] = []
    kept_p = pre.kept_mask.sum(axis=1)
    kept_r = pre.kept_mask.sum(axis=0)
    for i in np.flatnonzero(kept_p > pre.k):
        p = pre.proposals[i]
        problems.append(Problem(None, "kept_exceeds_k", {"proposal_id": p.id, "proposal": p.label,
                                                         "kept": int(kept_p[i]), "required": int(pre.k[i])}))
    for j, r in enumerate(pre.reviewers):
        if kept_r[j] > r.max_load:
            problems.append(Problem(None, "kept_exceeds_max_load", {"reviewer_id": r.id, "reviewer": r.label,
                                                                    "kept": int(kept_r[j]), "max_load": r.max_load}))
    if problems:
        return problems
    avail_p = arcs_ok.sum(axis=1) + kept_p  # reviewers who can be on p (kept ones count)
    for i in np.flatnonzero(avail_p < pre.k):
        p = pre.proposals[i]
        problems.append(Problem(None, "too_few_eligible", {"proposal_id": p.id, "proposal": p.label,
                                                           "eligible": int(avail_p[i]), "required": int(pre.k[i])}))
    demand, cap = int(need.sum()), int(hi.sum())
    if cap < demand:
        total_cap = int(sum(r.max_load for r in pre.reviewers))
        total_demand = int(pre.k.sum())
        problems.append(Problem(None, "capacity_short", {"capacity": total_cap, "demand": total_demand,
                                                         "shortfall": total_demand - total_cap}))
    if int(lo.sum()) > demand:
        min_total = int(np.maximum(np.array([r.min_load for r in pre.reviewers], dtype=np.int64), kept_r).sum())
        total_demand = int(pre.k.sum())
        problems.append(Problem(None, "min_load_excess", {"min_total": min_total, "demand": total_demand,
                                                          "excess": min_total - total_demand}))
    # proposals a reviewer could still take (only those that still need someone)
    reach_r = (arcs_ok & (need > 0)[:, None]).sum(axis=0)
    for j in np.flatnonzero(reach_r < lo):
        r = pre.reviewers[j]
        problems.append(Problem(None, "min_load_unreachable", {
            "reviewer_id": r.id, "reviewer": r.label, "eligible": int(reach_r[j] + kept_r[j]),
            "min_load": r.min_load}))
    return problems


def _cut_witness(pre: _Prepared, need: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 arcs_ok: np.ndarray) -> list[Problem]:
    """When the cheap checks pass but the flow is infeasible, find a Hall violator by max flow.

    Without lower bounds: proposals (supply need_p) -> reviewers (cap hi_r). If the max flow is
    short, the source side of a min cut is a group of proposals whose eligible reviewers cannot
    supply them. Otherwise the lower bounds are the trouble: reviewers (demand lo_r) ->
    proposals (cap need_p), and the min cut names a group of reviewers.
    """
    P, R = arcs_ok.shape
    ii, jj = np.nonzero(arcs_ok)
    for side in ("proposals", "reviewers"):
        smf = max_flow.SimpleMaxFlow()
        S, T = P + R, P + R + 1
        if side == "proposals":
            tails = np.concatenate([np.full(P, S), ii, P + np.arange(R)])
            heads = np.concatenate([np.arange(P), P + jj, np.full(R, T)])
            caps = np.concatenate([need, np.ones(len(ii), np.int64), hi])
            target = int(need.sum())
        else:
            tails = np.concatenate([np.full(R, S), P + jj, np.arange(P)])
            heads = np.concatenate([P + np.arange(R), ii, np.full(P, T)])
            caps = np.concatenate([lo, np.ones(len(ii), np.int64), need])
            target = int(lo.sum())
        smf.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64))
        if smf.solve(S, T) != smf.OPTIMAL:
            continue
        flow = int(smf.optimal_flow())
        if flow >= target:
            continue
        # residual reachability from the source = the smallest source side of any min cut
        src = set(smf.get_source_side_min_cut())
        if side == "proposals":
            group = [i for i in range(P) if i in src and need[i] > 0]
            dem = int(need[group].sum())
            # max flow into the group = min cut minus the cut arcs from the source to the rest
            capacity = flow - int(need[[i for i in range(P) if i not in src]].sum())
            labels = [pre.proposals[i].label for i in group]
            return [Problem(None, "group_shortage", {"proposal_ids": [pre.proposals[i].id for i in group],
                                                     "proposals": labels, "count": len(group),
                                                     "demand": dem, "capacity": max(capacity, 0)})]
        group = [j for j in range(R) if P + j in src and lo[j] > 0]
        dem = int(lo[group].sum())
        capacity = flow - int(lo[[j for j in range(R) if P + j not in src]].sum())
        labels = [pre.reviewers[j].label for j in group]
        return [Problem(None, "reviewer_group_shortage", {"reviewer_ids": [pre.reviewers[j].id for j in group],
                                                          "reviewers": labels, "count": len(group),
                                                          "min_total": dem, "capacity": max(capacity, 0)})]
    return [Problem(None, "infeasible", {})]


# Arc pruning for large rounds (exact: see _solve_pruned).
PRUNE_ABOVE_ARCS = 500_000  # networks with more proposal->reviewer arcs than this are pruned first
PRUNE_CANDIDATES = 24  # arcs kept per proposal at first (the best affinities, spread over reviewers)
_BLOCK = 2048  # rows of the dense proposal x reviewer matrices handled at once (bounded memory)


def _masked_abs_max(aff: np.ndarray, mask: np.ndarray) -> int:
    out = 0
    for b in range(0, aff.shape[0], _BLOCK):
        block = np.abs(aff[b:b + _BLOCK])[mask[b:b + _BLOCK]]
        if block.size:
            out = max(out, int(block.max()))
    return out


def _min_cost_flow(n_nodes, tails, heads, costs, unit_tails, unit_heads, unit_cost, supplies):
    """Solve proposal->reviewer arcs (cap 1) + reviewer->sink unit arcs; (status, pr flows, unit flows, cost)."""
    smcf = min_cost_flow.SimpleMinCostFlow()
    all_tails = np.concatenate([tails, unit_tails])
    smcf.add_arcs_with_capacity_and_unit_cost(all_tails, np.concatenate([heads, unit_heads]),
                                              np.ones(len(all_tails), dtype=np.int64),
                                              np.concatenate([costs, unit_cost]))
    smcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        return status, None, None, None
    flows = np.asarray(smcf.flows(np.arange(len(all_tails), dtype=np.int32)))
    return status, flows[:len(tails)], flows[len(tails):], int(smcf.optimal_cost())


def potentials(n_nodes: int, tails: np.ndarray, heads: np.ndarray, costs: np.ndarray,
               flows: np.ndarray) -> np.ndarray | None:
    """Shortest-path distances d in the residual network of a flow on unit-capacity arcs (Bellman-Ford from
    a virtual source joined to every node at cost 0), so every residual arc u->v of cost c has
    c + d[u] - d[v] >= 0.  None when the residual network has a negative cycle (the flow is not optimal)."""
    used = flows > 0
    u = np.concatenate([tails[~used], heads[used]]).astype(np.int64)
    v = np.concatenate([heads[~used], tails[used]]).astype(np.int64)
    c = np.concatenate([costs[~used], -costs[used]]).astype(np.int64)
    order = np.argsort(v, kind="stable")
    u, v, c = u[order], v[order], c[order]
    starts = np.flatnonzero(np.r_[True, v[1:] != v[:-1]]) if len(v) else np.zeros(0, dtype=np.int64)
    nodes = v[starts]
    d = np.zeros(n_nodes, dtype=np.int64)
    for _ in range(n_nodes + 1):
        if not len(v):
            return d
        best = np.minimum.reduceat(d[u] + c, starts)
        better = best < d[nodes]
        if not better.any():
            return d
        d[nodes[better]] = best[better]
    return None


def _initial_arcs(arcs_ok: np.ndarray, aff: np.ndarray, width: int) -> np.ndarray:
    """Per proposal, its ``width`` best-affinity allowed arcs, ties spread over the reviewers by a rotation."""
    P, R = arcs_ok.shape
    sel = np.zeros((P, R), dtype=bool)
    cols = np.arange(R, dtype=np.int64)
    big = np.iinfo(np.int64).max
    for b in range(0, P, _BLOCK):
        rows = np.arange(b, min(P, b + _BLOCK), dtype=np.int64)
        rotation = (cols[None, :] - (rows[:, None] * R) // max(P, 1)) % R
        key = -aff[b:b + _BLOCK].astype(np.int64) * (R + 1) + rotation
        ok = arcs_ok[b:b + _BLOCK]
        key[~ok] = big
        w = min(width, R)
        pick = np.argpartition(key, w - 1, axis=1)[:, :w] if w < R else np.broadcast_to(cols, key.shape)
        block = np.zeros(ok.shape, dtype=bool)
        np.put_along_axis(block, pick, True, axis=1)
        sel[b:b + _BLOCK] = block & ok
    return sel


def _solve_pruned(pre, arcs_ok, need, scale, width, flow, units, stats):
    """Min-cost flow on a pruned arc set, PROVEN optimal for the whole network.

    Solve with each proposal's best ``width`` arcs (at least as many as it needs); compute potentials d (shortest paths in the
    residual network of that optimal flow); every pruned arc p->r has reduced cost
    ``-aff*scale + d[p] - d[r]``.  If none is negative, d proves the flow optimal for the whole
    network (no negative cycle can use an arc with non-negative reduced cost); otherwise add every
    arc with a negative reduced cost and solve again.  Returns None (solve the whole network
    instead) when the pruned network is infeasible or the loop does not settle."""
    P, R = arcs_ok.shape
    width = max(width, int(need.max()) if P else 0)
    sel = _initial_arcs(arcs_ok, pre.aff, width)
    for rounds in range(1, 17):
        ii, jj = np.nonzero(sel)
        status, flows, unit_flows, cost = flow(ii, jj)
        if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:  # too few arcs to be feasible: widen
            if width >= R:
                return None
            width *= 2
            sel |= _initial_arcs(arcs_ok, pre.aff, width)
            stats["pruned_widened"] = int(stats.get("pruned_widened", 0)) + 1
            continue
        unit_tails, unit_heads, unit_cost = units
        d = potentials(P + R + 1, np.concatenate([ii, unit_tails]).astype(np.int64),
                       np.concatenate([P + jj, unit_heads]).astype(np.int64),
                       np.concatenate([-pre.aff[ii, jj].astype(np.int64) * scale, unit_cost]),
                       np.concatenate([flows, unit_flows]))
        if d is None:  # pragma: no cover - an optimal flow has no negative residual cycle
            return None
        added = 0
        for b in range(0, P, _BLOCK):
            rc = (-pre.aff[b:b + _BLOCK].astype(np.int64) * scale + d[:P][b:b + _BLOCK, None]) - d[None, P:P + R]
            bad = arcs_ok[b:b + _BLOCK] & ~sel[b:b + _BLOCK] & (rc < 0)
            n_bad = int(bad.sum())
            if n_bad:
                sel[b:b + _BLOCK] |= bad
                added += n_bad
        stats.update(pruned_rounds=rounds, pruned_arcs_added=int(stats.get("pruned_arcs_added", 0)) + added)
        if not added:
            return status, ii, jj, flows, cost
    return None


def solve(problem: AssignmentProblem, *, candidates: int | None = None) -> AssignmentResult:
    """Assign exactly k distinct non-conflicted reviewers to every proposal, loads within
    [min_load, max_load], total affinity maximal, loads balanced among optimal solutions.

    Incremental mode: pairs in ``problem.keep`` stay (they count toward k and toward loads);
    kept pairs that are now conflicts are dropped and listed in ``released``.

    ``candidates``: arcs per proposal to start from when pruning (``_solve_pruned``: the result is
    proven optimal for the whole network every time); None prunes networks of more than
    ``PRUNE_ABOVE_ARCS`` arcs with ``PRUNE_CANDIDATES``; 0 never prunes.
    """
    t0 = time.perf_counter()
    pre = _prepare(problem)
    P, R = len(pre.proposals), len(pre.reviewers)
    kept_p = pre.kept_mask.sum(axis=1).astype(np.int64)
    kept_r = pre.kept_mask.sum(axis=0).astype(np.int64)
    max_load = np.array([r.max_load for r in pre.reviewers], dtype=np.int64)
    min_load = np.array([r.min_load for r in pre.reviewers], dtype=np.int64)
    need = np.maximum(pre.k - kept_p, 0)
    hi = np.maximum(max_load - kept_r, 0)  # room left per reviewer
    lo = np.minimum(np.maximum(min_load - kept_r, 0), hi)  # still mandatory per reviewer
    arcs_ok = pre.eligible & (hi > 0)[None, :] & (need > 0)[:, None]

    problems = _diagnose(pre, need, lo, hi, arcs_ok)
    stats: dict[str, float] = {"proposals": P, "reviewers": R, "arcs": int(arcs_ok.sum())}
    if problems:
        stats["seconds"] = time.perf_counter() - t0
        return AssignmentResult(ok=False, released=tuple(pre.released), problems=tuple(problems),
                                stats=stats)

    # ---- network ------------------------------------------------------------------------
    sink = P + R
    n_arcs = int(stats["arcs"])
    slack = hi - lo  # optional units per reviewer, one unit arc each (convex balance cost)
    slack = np.minimum(slack, int(need.sum()))
    rev_of_unit = np.repeat(np.arange(R), slack)
    start = np.repeat(np.cumsum(slack) - slack, slack)
    unit_no = np.arange(len(rev_of_unit)) - start + 1  # 1..slack_r
    if problem.balance:
        # the j-th review of a reviewer costs j (total load so far, kept ones included)
        unit_cost = kept_r[rev_of_unit] + lo[rev_of_unit] + unit_no
        # Every feasible flow uses exactly m optional units, so two solutions' secondary totals
        # differ by at most (m dearest units) - (m cheapest units): a tight, safe scale.
        m = int(need.sum()) - int(lo.sum())
        ordered = np.sort(unit_cost)
        secondary_range = int(ordered[len(ordered) - m:].sum() - ordered[:m].sum()) if m > 0 else 0
    else:
        unit_cost = np.zeros(len(rev_of_unit), dtype=np.int64)
        secondary_range = 0
    scale = secondary_range + 1
    amax = _masked_abs_max(pre.aff, arcs_ok)
    if amax * scale * (P + R + 2) >= _COST_LIMIT:  # cannot separate the tiers safely: affinity only
        unit_cost = np.zeros_like(unit_cost)
        scale = 1

    supplies = np.concatenate([need, -lo, [-(int(need.sum()) - int(lo.sum()))]]).astype(np.int64)
    unit_tails = (P + rev_of_unit).astype(np.int32)
    unit_heads = np.full(len(rev_of_unit), sink, dtype=np.int32)
    unit_cost = unit_cost.astype(np.int64)

    def flow(ii, jj):
        return _min_cost_flow(P + R + 1, ii.astype(np.int32), (P + jj).astype(np.int32),
                              -pre.aff[ii, jj].astype(np.int64) * scale, unit_tails, unit_heads, unit_cost, supplies)

    width = candidates if candidates is not None else (PRUNE_CANDIDATES if n_arcs > PRUNE_ABOVE_ARCS else 0)
    t1 = time.perf_counter()
    solved = None
    if width and n_arcs > P * width:
        solved = _solve_pruned(pre, arcs_ok, need, scale, width, flow, (unit_tails, unit_heads, unit_cost), stats)
    if solved is None:  # the whole network (small enough, or the pruned one could not be proven)
        ii, jj = np.nonzero(arcs_ok)  # row-major: sorted by proposal then reviewer -> deterministic
        status, flows, _unit_flows, cost = flow(ii, jj)
        solved = (status, ii, jj, flows, cost)
    status, ii, jj, flows, cost = solved
    t2 = time.perf_counter()
    stats.update(build_seconds=t1 - t0, flow_seconds=t2 - t1, scale=scale, flow_arcs=len(ii))
    if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        problems = _cut_witness(pre, need, lo, hi, arcs_ok)
        stats["seconds"] = time.perf_counter() - t0
        return AssignmentResult(ok=False, released=tuple(pre.released), problems=tuple(problems),
                                stats=stats)
    stats["cost"] = cost

    chosen = flows > 0
    new_mask = np.zeros((P, R), dtype=bool)
    new_mask[ii[chosen], jj[chosen]] = True
    full = new_mask | pre.kept_mask
    loads_arr = full.sum(axis=0)
    objective = int(pre.aff[full].sum(dtype=np.int64))
    pids = [p.id for p in pre.proposals]
    rids = [r.id for r in pre.reviewers]
    pi, rj = np.nonzero(full)
    assignments = tuple(zip(map(pids.__getitem__, pi.tolist()), map(rids.__getitem__, rj.tolist()), strict=True))
    ni, nj = np.nonzero(new_mask)
    new = tuple(zip(map(pids.__getitem__, ni.tolist()), map(rids.__getitem__, nj.tolist()), strict=True))
    loads = {r.id: int(loads_arr[j]) for j, r in enumerate(pre.reviewers)}
    stats["seconds"] = time.perf_counter() - t0
    return AssignmentResult(ok=True, assignments=assignments, new=new, kept=tuple(pre.kept_pairs),
                            released=tuple(pre.released), loads=MappingProxyType(loads),
                            objective=objective, stats=stats)


# ---------------------------------------------------------------------------------------------
# Independent verifier (plain Python, no numpy): used by tests and the benchmark
# ---------------------------------------------------------------------------------------------
def check(result: AssignmentResult, problem: AssignmentProblem) -> list[str]:
    """Every constraint re-checked from the raw input; returns human-readable violations."""
    errors: list[str] = []
    if not result.ok:
        if not result.problems:
            errors.append("not ok but no problems reported")
        if result.assignments:
            errors.append("not ok but assignments returned")
        return errors
    props = {p.id: p for p in problem.proposals}
    revs = {r.id: r for r in problem.reviewers}
    pairs = list(result.assignments)
    if len(set(pairs)) != len(pairs):
        errors.append("duplicate (proposal, reviewer) pairs")
    per_p: Counter = Counter()
    per_r: Counter = Counter()
    total = 0
    for pid, rid in set(pairs):
        p, r = props.get(pid), revs.get(rid)
        if p is None or r is None:
            errors.append(f"unknown pair {(pid, rid)!r}")
            continue
        if conflict_reasons(p, r, problem.declared_conflicts):
            errors.append(f"conflicted pair assigned: proposal {pid!r}, reviewer {rid!r}")
        per_p[pid] += 1
        per_r[rid] += 1
        total += affinity(problem, p, r)
    for p in problem.proposals:
        if per_p[p.id] != problem.k_for(p):
            errors.append(f"proposal {p.id!r} has {per_p[p.id]} reviewers, needs {problem.k_for(p)}")
    for r in problem.reviewers:
        if not r.min_load <= per_r[r.id] <= r.max_load:
            errors.append(f"reviewer {r.id!r} load {per_r[r.id]} outside [{r.min_load}, {r.max_load}]")
        if result.loads.get(r.id) != per_r[r.id]:
            errors.append(f"reported load of reviewer {r.id!r} is {result.loads.get(r.id)}, real {per_r[r.id]}")
    if total != result.objective:
        errors.append(f"reported objective {result.objective} != recomputed {total}")
    assigned = set(pairs)
    for pid, rid in problem.keep:
        p, r = props.get(pid), revs.get(rid)
        conflicted = p is not None and r is not None and conflict_reasons(p, r, problem.declared_conflicts)
        if (pid, rid) in result.released:
            if not conflicted:
                errors.append(f"kept pair {(pid, rid)!r} released without a conflict")
        elif (pid, rid) not in assigned:
            errors.append(f"kept pair {(pid, rid)!r} missing")
    if set(result.new) | set(result.kept) != assigned or set(result.new) & set(result.kept):
        errors.append("new + kept do not partition the assignments")
    return errors
