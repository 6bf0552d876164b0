"""The automatic assignment (grants.rules.assignment) in the app: build the problem from the
round's rows in a fixed number of queries, solve it, show a preview, and apply it only if its
inputs have not changed since (the fingerprint); then e-mail the reviewers who got new proposals.

``apply`` and ``write`` change rows, flush and audit; they never commit. The e-mails are queued
(grants.platform.mail) and leave only after the caller commits.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Integer, delete, func, insert, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY

from grants.assignment.common import STAGE, actor_id, lock_round, submitted_pairs
from grants.extensions import db
from grants.models import (
    Assignment,
    Category,
    ConflictDeclaration,
    Proposal,
    ProposalStatus,
    ReviewerAffiliation,
    Role,
    Round,
    User,
    utcnow,
)
from grants.platform import audit, i18n, mail
from grants.rules import assignment as solver
from grants.rules.refusal import Problem, Refusal

DEFAULT_SLACK = 2
EXPERTISE_WEIGHT = 10
#: a problem names at most this many proposals or reviewers; "…" stands for the rest
LISTED = 10


@dataclass
class Built:
    """The pure problem plus what the app needs to show and write its result."""

    problem: solver.AssignmentProblem
    round_id: int
    category_id: int | None
    k: int
    max_load: int
    default_max_load: int
    incremental: bool
    proposals: dict[int, dict[str, Any]]  # id -> number, blind_code, name, category
    reviewers: dict[int, dict[str, Any]]  # id -> name, email, locale, active
    existing: dict[tuple[int, int], int]  # (proposal_id, reviewer_id) -> assignment id, in scope
    locked: set[tuple[int, int]]  # in-scope pairs with a submitted review
    fingerprint: str = ""
    seconds: float = 0.0


def default_max_load(demand: int, reviewers: int, slack: int = DEFAULT_SLACK) -> int:
    return math.ceil(demand / reviewers) + slack if reviewers else 0


def build_problem(rnd: Round, *, category_id: int | None = None, k: int | None = None, max_load: int | None = None,
                  incremental: bool = True, slack: int = DEFAULT_SLACK) -> Built:
    """ORM rows → :class:`grants.rules.assignment.AssignmentProblem`, in eight queries.

    * proposals: the round's eligible ones (optionally one category);
    * reviewers: every active reviewer (password set or not) plus inactive ones that still hold
      an assignment in scope (kept, never given new ones);
    * loads: ``max_load`` defaults to ceil(round demand / reviewers) + slack and counts the
      reviewer's assignments outside the scope (other categories); it is never below what the
      reviewer already holds in scope; min load 0;
    * conflicts: same organization, declared ties (ReviewerAffiliation), declared COI;
    * affinity: expertise tag equal to the category name (in any of its languages) → ``EXPERTISE_WEIGHT``;
    * keep: in incremental mode every existing assignment in scope; otherwise only those with a
      submitted review (which are never removed).
    """
    import time

    t0 = time.perf_counter()
    k = int(k or rnd.reviewers_per_proposal or 3)
    round_categories = db.session.scalars(select(Category).where(Category.round_id == rnd.id)).all()
    categories = {c.id: c.name for c in round_categories}
    # an expertise tag may name a category in any of its languages (婦女發展, 妇女发展, Women's development)
    aliases = {text: c.name for c in round_categories for text in c.all_labels()}
    pq = select(Proposal.id, Proposal.organization_id, Proposal.category_id, Proposal.number, Proposal.blind_code,
                Proposal.name).where(Proposal.round_id == rnd.id, Proposal.status == ProposalStatus.eligible)
    if category_id is not None:
        pq = pq.where(Proposal.category_id == category_id)
    prows = db.session.execute(pq).all()
    proposals = {p.id: {"number": p.number, "blind_code": p.blind_code, "name": p.name,
                        "category": categories.get(p.category_id, ""), "organization_id": p.organization_id}
                 for p in prows}
    in_scope = set(proposals)

    # every written-stage assignment of the round: in scope (keep) and outside it (load already used)
    arows = db.session.execute(select(Assignment.id, Assignment.proposal_id, Assignment.reviewer_id)
                               .where(Assignment.round_id == rnd.id, Assignment.stage == STAGE)).all()
    existing = {(a.proposal_id, a.reviewer_id): a.id for a in arows if a.proposal_id in in_scope}
    outside = Counter(a.reviewer_id for a in arows if a.proposal_id not in in_scope)
    kept_count = Counter(r for (_p, r) in existing)

    urows = db.session.execute(
        select(User.id, User.name, User.email, User.organization_id, User.expertise, User.locale, User.active)
        .where(User.role == Role.reviewer, or_(User.active.is_(True), User.id.in_(sorted(kept_count) or [-1])))).all()
    affil: dict[int, set[int]] = defaultdict(set)
    for rid, org in db.session.execute(
            select(ReviewerAffiliation.reviewer_id, ReviewerAffiliation.organization_id)):
        affil[rid].add(org)
    declared = {(r, p) for r, p in db.session.execute(
        select(ConflictDeclaration.reviewer_id, ConflictDeclaration.proposal_id)
        .join(Proposal, Proposal.id == ConflictDeclaration.proposal_id)
        .where(Proposal.round_id == rnd.id, ConflictDeclaration.has_conflict.is_(True))) if p in in_scope}
    locked = {pair for pair in submitted_pairs(rnd.id) if pair in existing}

    active_count = sum(1 for u in urows if u.active)
    if category_id is None:
        round_demand = k * len(proposals)
    else:
        n_round = db.session.scalar(select(func.count(Proposal.id)).where(
            Proposal.round_id == rnd.id, Proposal.status == ProposalStatus.eligible))
        round_demand = k * int(n_round or 0)
    computed = default_max_load(round_demand, active_count, slack)
    limit = computed if max_load is None else int(max_load)

    reviewers: dict[int, dict[str, Any]] = {}
    solver_reviewers = []
    for u in urows:
        tags = frozenset(aliases.get(t.strip(), t.strip())
                         for t in (u.expertise or "").replace("，", ",").split(",") if t.strip())
        cap = max(limit - outside[u.id], 0) if u.active else 0
        cap = max(cap, kept_count[u.id])
        reviewers[u.id] = {"name": u.name, "email": u.email, "locale": u.locale, "active": u.active,
                           "max_load": cap, "outside": outside[u.id], "expertise": tags}
        solver_reviewers.append(solver.Reviewer(id=u.id, max_load=cap, min_load=0, expertise=tags,
                                                organization_id=u.organization_id,
                                                affiliations=frozenset(affil.get(u.id, ())), name=u.name))
    solver_proposals = [solver.Proposal(id=pid, category=info["category"], organization_id=info["organization_id"],
                                        code=info["number"] or info["blind_code"] or f"#{pid}")
                        for pid, info in proposals.items()]
    keep = frozenset(existing) if incremental else frozenset(locked)
    problem = solver.AssignmentProblem(proposals=tuple(solver_proposals), reviewers=tuple(solver_reviewers), k=k,
                                       declared_conflicts=frozenset(declared), expertise_weight=EXPERTISE_WEIGHT,
                                       keep=keep)
    built = Built(problem=problem, round_id=rnd.id, category_id=category_id, k=k, max_load=limit,
                  default_max_load=computed, incremental=incremental, proposals=proposals, reviewers=reviewers,
                  existing=existing, locked=locked)
    built.fingerprint = fingerprint(built)
    built.seconds = time.perf_counter() - t0
    return built


def fingerprint(built: Built) -> str:
    """A digest of every input of the run: a preview is only applied to the same inputs."""
    p = built.problem
    payload = {
        "round": built.round_id, "category": built.category_id, "k": built.k, "max_load": built.max_load,
        "incremental": built.incremental,
        "proposals": sorted((x.id, x.category, x.organization_id) for x in p.proposals),
        "reviewers": sorted((r.id, r.max_load, sorted(r.expertise), r.organization_id, sorted(r.affiliations))
                            for r in p.reviewers),
    }
    digest = hashlib.sha256(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    # the pair sets (400,000 declarations in a province-size round) as sorted int64 arrays, not JSON
    for name, pairs in (("declared", p.declared_conflicts), ("existing", built.existing), ("locked", built.locked)):
        digest.update(f"|{name}:{len(pairs)}|".encode())
        digest.update(_sorted_pairs(pairs))
    return digest.hexdigest()


def _sorted_pairs(pairs) -> bytes:
    """The integer pairs, sorted, as bytes (the same set gives the same bytes in any order)."""
    n = len(pairs)
    arr = np.fromiter(chain.from_iterable(pairs), dtype=np.int64, count=2 * n).reshape(n, 2)
    return arr[np.lexsort((arr[:, 1], arr[:, 0]))].tobytes()


@dataclass
class Plan:
    built: Built
    result: solver.AssignmentResult
    insert: list[tuple[int, int]]  # (proposal_id, reviewer_id) to add
    remove: list[tuple[int, int]]  # to delete (no submitted review)
    kept_conflicted: list[tuple[int, int]]  # conflicted but kept: the review is already submitted


def plan(built: Built) -> Plan:
    result = solver.solve(built.problem)
    if not result.ok:
        return Plan(built, result, [], [], [])
    final = set(result.assignments)
    existing = set(built.existing)
    insert_pairs = sorted(final - existing)
    leaving = existing - final
    remove = sorted(leaving - built.locked)
    kept_conflicted = sorted(leaving & built.locked)
    return Plan(built, result, insert_pairs, remove, kept_conflicted)


def summary(pl: Plan) -> dict[str, Any]:
    """Plain data for the preview page and the CLI (``problems``: refusal problems, made into
    sentences at the edge with grants.platform.refusals)."""
    b, res = pl.built, pl.result
    problems = [shorten(p) for p in res.problems]
    out: dict[str, Any] = {
        "ok": res.ok, "problems": problems, "fingerprint": b.fingerprint, "k": b.k, "max_load": b.max_load,
        "default_max_load": b.default_max_load, "incremental": b.incremental, "category_id": b.category_id,
        "proposals": len(b.proposals), "reviewers": len(b.reviewers),
        "new": len(pl.insert), "removed": len(pl.remove), "kept": len(b.existing) - len(pl.remove) - len(pl.kept_conflicted),
        "kept_conflicted": [_pair_label(b, p) for p in pl.kept_conflicted],
        "removed_pairs": [_pair_label(b, p) for p in pl.remove[:50]],
        "objective": res.objective, "build_seconds": round(b.seconds, 3),
        "solve_seconds": round(float(res.stats.get("seconds", 0.0)), 3),
    }
    if not res.ok:
        out.update(loads=[], total=0, expertise_pairs=0, expertise_share=0.0, max_seen=0)
        return out
    final = list(res.assignments) + [p for p in pl.kept_conflicted]
    new_by_r = Counter(r for _p, r in pl.insert)
    load_by_r = Counter(r for _p, r in final)
    matched = sum(1 for pid, rid in final if b.proposals[pid]["category"] in b.reviewers[rid]["expertise"])
    loads = [{"id": rid, "name": info["name"], "email": info["email"], "load": load_by_r[rid],
              "new": new_by_r[rid], "max_load": info["max_load"], "outside": info["outside"]}
             for rid, info in sorted(b.reviewers.items(), key=lambda kv: (-load_by_r[kv[0]], kv[1]["name"]))]
    out.update(loads=loads, total=len(final), expertise_pairs=matched,
               expertise_share=(matched / len(final)) if final else 0.0,
               max_seen=max((x["load"] for x in loads), default=0))
    return out


def _pair_label(b: Built, pair: tuple[int, int]) -> str:
    pid, rid = pair
    info = b.proposals.get(pid, {})
    return f"{info.get('number') or info.get('blind_code') or pid} — {b.reviewers.get(rid, {}).get('name', rid)}"


def shorten(problem: Problem) -> Problem:
    """A problem naming a whole group lists its first ``LISTED`` members, then "…" (the
    message gives the count)."""
    params = dict(problem.params)
    for key in ("proposals", "reviewers"):
        if key in params and len(params[key]) > LISTED:
            params[key] = [*params[key][:LISTED], "…"]
    return Problem(problem.field, problem.code, params)


def preview(rnd: Round, **options) -> tuple[Plan, dict[str, Any]]:
    pl = plan(build_problem(rnd, **options))
    return pl, summary(pl)


def apply(rnd: Round, *, expected_fingerprint: str | None = None, notify: bool = True, **options) -> Plan:
    """Rebuild, check the preview's fingerprint, solve and write: bulk insert the new rows
    (source="auto"), delete released rows without a submitted review, audit, queue e-mails."""
    lock_round(rnd.id)
    built = build_problem(rnd, **options)
    if expected_fingerprint is not None and built.fingerprint != expected_fingerprint:
        raise Refusal("stale_preview")
    pl = plan(built)
    if not pl.result.ok:
        raise Refusal.of([Problem(None, "no_feasible_assignment"), *(shorten(p) for p in pl.result.problems)])
    write(pl)
    if notify:
        notify_reviewers(rnd, pl)
    return pl


def write(pl: Plan) -> None:
    b = pl.built
    if pl.remove:
        ids = [b.existing[pair] for pair in pl.remove]
        for start in range(0, len(ids), 500):
            db.session.execute(delete(Assignment).where(Assignment.id.in_(ids[start:start + 500])))
    if pl.insert:
        _insert_rows(b.round_id, pl.insert, utcnow(), actor_id())
    audit.record("auto_assign", object_type="competition_round", object_id=b.round_id, category_id=b.category_id,
                 k=b.k, max_load=b.max_load, incremental=b.incremental, added=len(pl.insert),
                 removed=[list(p) for p in pl.remove], kept_conflicted=[list(p) for p in pl.kept_conflicted],
                 objective=pl.result.objective, fingerprint=b.fingerprint)
    db.session.flush()


def _insert_rows(round_id: int, pairs: list[tuple[int, int]], now, actor: int | None) -> None:
    """The new assignment rows, source "auto".  Assignments are no input of the stored score aggregates
    (grants.ranking.aggregates watches reviews and proposals only), so a statement needs no ORM unit of work.
    PostgreSQL: ONE ``INSERT ... SELECT unnest(proposal ids), unnest(reviewer ids)`` (100,000 rows of a
    province-size round in one round trip); elsewhere a Core executemany on the table."""
    table = Assignment.__table__
    c = table.c
    if db.session.get_bind().dialect.name == "postgresql":
        ids = ARRAY(Integer)
        source = select(literal(round_id, c.round_id.type), func.unnest(literal([p for p, _r in pairs], ids)),
                        func.unnest(literal([r for _p, r in pairs], ids)), literal(STAGE, c.stage.type),
                        literal("auto", c.source.type), literal(now, c.created_at.type),
                        literal(actor, c.created_by_id.type))
        db.session.execute(insert(table).from_select(
            [c.round_id, c.proposal_id, c.reviewer_id, c.stage, c.source, c.created_at, c.created_by_id], source))
        return
    db.session.execute(insert(table), [
        {"round_id": round_id, "proposal_id": pid, "reviewer_id": rid, "stage": STAGE, "source": "auto",
         "created_at": now, "created_by_id": actor} for pid, rid in pairs])


def _dashboard_url() -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + current_app.url_map.bind("localhost").build("reviewer.dashboard")


def notify_reviewers(rnd: Round, pl: Plan) -> int:
    """One e-mail per reviewer who got new proposals: how many, which (blind codes in a blind
    round, number and name otherwise), and the link to their dashboard."""
    by_reviewer: dict[int, list[int]] = defaultdict(list)
    for pid, rid in pl.insert:
        by_reviewer[rid].append(pid)
    link = _dashboard_url()
    default_locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    messages = []
    for rid, pids in sorted(by_reviewer.items()):
        info = pl.built.reviewers[rid]
        lines = []
        for pid in sorted(pids, key=lambda x: pl.built.proposals[x]["blind_code"] or ""):
            p = pl.built.proposals[pid]
            lines.append(f"- {p['blind_code'] or pid}" if rnd.blind_review else f"- {p['number'] or pid} {p['name']}")
        with force_locale(info["locale"] or default_locale):
            subject = _("%(count)d new proposals to review", count=len(pids))
            body = _("Dear %(name)s,\n\nYou have been assigned %(count)d new proposals to review in %(round)s:\n"
                     "%(list)s\n\nOpen your reviewer dashboard to start: %(link)s",
                     name=info["name"], count=len(pids), round=i18n.label(rnd), list="\n".join(lines), link=link)
        messages.append((info["email"], subject, body))
    mail.queue_many(messages)  # one flush for the outbox rows, one for their jobs
    return len(by_reviewer)


