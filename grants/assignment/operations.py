"""Reviewer assignment in the app: manual, bulk, CSV and automatic (grants.rules.assignment).

Glue between the ORM and the pure solver. Every function here changes models and writes the
audit log, flushes, and never commits (the caller commits once). All reads are bulk: building
the problem for 5,000 proposals × 300 reviewers costs a fixed handful of queries.

Pair orders follow grants.rules.assignment: ``declared_conflicts`` / ``preferences`` are
``(reviewer_id, proposal_id)``; ``keep`` / ``assignments`` are ``(proposal_id, reviewer_id)``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, or_, select

from grants.extensions import db
from grants.models import (
    Assignment,
    Category,
    ConflictDeclaration,
    Proposal,
    ProposalStatus,
    Review,
    ReviewerAffiliation,
    ReviewStatus,
    Role,
    Round,
    Stage,
    User,
    utcnow,
)
from grants.platform import audit, mail
from grants.rules import assignment as solver

STAGE = Stage.written
DEFAULT_SLACK = 2
EXPERTISE_WEIGHT = 10
SOURCES = ("manual", "auto", "import")


class AssignmentRefused(Exception):
    """A change the admin asked for that the rules refuse; ``str(exc)`` is a translated sentence."""


# ---------------------------------------------------------------------------------------------
# Conflicts, loaded in bulk
# ---------------------------------------------------------------------------------------------
@dataclass
class ConflictIndex:
    """The three kinds of hard conflict for one round, answered without further queries."""

    reviewer_org: dict[int, int | None] = field(default_factory=dict)
    affiliations: set[tuple[int, int]] = field(default_factory=set)  # (reviewer_id, organization_id)
    declared: set[tuple[int, int]] = field(default_factory=set)  # (reviewer_id, proposal_id)

    def reasons(self, proposal_id: int, proposal_org: int | None, reviewer_id: int) -> list[str]:
        out = []
        if proposal_org is not None and self.reviewer_org.get(reviewer_id) == proposal_org:
            out.append("same_organization")
        if proposal_org is not None and (reviewer_id, proposal_org) in self.affiliations:
            out.append("affiliation")
        if (reviewer_id, proposal_id) in self.declared:
            out.append("declared")
        return out


def load_conflicts(round_id: int, proposal_ids: list[int] | None = None) -> ConflictIndex:
    """Three queries, whatever the number of proposals (``proposal_ids`` narrows the declarations)."""
    index = ConflictIndex()
    index.reviewer_org = dict(db.session.execute(
        select(User.id, User.organization_id).where(User.role == Role.reviewer)).all())
    index.affiliations = {tuple(r) for r in db.session.execute(
        select(ReviewerAffiliation.reviewer_id, ReviewerAffiliation.organization_id))}
    query = (select(ConflictDeclaration.reviewer_id, ConflictDeclaration.proposal_id)
             .where(ConflictDeclaration.has_conflict.is_(True)))
    if proposal_ids is not None:
        query = query.where(ConflictDeclaration.proposal_id.in_(proposal_ids))
    else:
        query = query.join(Proposal, Proposal.id == ConflictDeclaration.proposal_id).where(Proposal.round_id == round_id)
    index.declared = {tuple(r) for r in db.session.execute(query)}
    return index


def conflict_message(reason: str, reviewer_name: str, proposal_label: str) -> str:
    params = {"reviewer": reviewer_name, "proposal": proposal_label}
    if reason == "same_organization":
        return _("%(reviewer)s works for the organization that submitted %(proposal)s: conflict of interest.", **params)
    if reason == "affiliation":
        return _("%(reviewer)s has a declared tie with the organization that submitted %(proposal)s: "
                 "conflict of interest.", **params)
    return _("%(reviewer)s has declared a conflict of interest with %(proposal)s.", **params)


def conflict_label(reason: str) -> str:
    return {"same_organization": _("same organization"), "affiliation": _("declared tie"),
            "declared": _("declared conflict")}.get(reason, reason)


def proposal_label(proposal: Proposal) -> str:
    return proposal.number or proposal.blind_code or f"#{proposal.id}"


def _lock_round(round_id: int) -> None:
    """Serialise assignment changes of one round (PostgreSQL row lock; SQLite locks on write)."""
    if db.session.get_bind().dialect.name == "postgresql":
        # NO KEY UPDATE: still serialises assignment runs, but does not conflict with the key-share locks that
        # foreign keys to the round take (FOR UPDATE deadlocked against them in the deadline-rush test).
        db.session.execute(select(Round.id).where(Round.id == round_id).with_for_update(key_share=True))


def _submitted_pairs(round_id: int, proposal_ids: list[int] | None = None) -> set[tuple[int, int]]:
    query = (select(Review.proposal_id, Review.reviewer_id)
             .join(Proposal, Proposal.id == Review.proposal_id)
             .where(Proposal.round_id == round_id, Review.stage == STAGE, Review.status == ReviewStatus.submitted))
    if proposal_ids is not None:
        query = query.where(Review.proposal_id.in_(proposal_ids))
    return {tuple(r) for r in db.session.execute(query)}


def review_status_map(round_id: int, proposal_ids: list[int]) -> dict[tuple[int, int], ReviewStatus]:
    """(proposal_id, reviewer_id) -> status of the written review, one query."""
    rows = db.session.execute(
        select(Review.proposal_id, Review.reviewer_id, Review.status)
        .where(Review.stage == STAGE, Review.proposal_id.in_(proposal_ids)))
    return {(p, r): s for p, r, s in rows}


# ---------------------------------------------------------------------------------------------
# Manual assignment
# ---------------------------------------------------------------------------------------------
def assign(proposal: Proposal, reviewer: User, *, source: str = "manual", conflicts: ConflictIndex | None = None,
           audit_it: bool = True) -> Assignment:
    """Put ``reviewer`` on ``proposal`` (written stage); refuses conflicts and wrong states."""
    if reviewer.role != Role.reviewer:
        raise AssignmentRefused(_("%(name)s is not a reviewer.", name=reviewer.name))
    if not reviewer.active:
        raise AssignmentRefused(_("%(name)s's account is deactivated.", name=reviewer.name))
    if proposal.status != ProposalStatus.eligible:
        raise AssignmentRefused(_("%(proposal)s has not passed screening (or is past the review stage): "
                                  "it cannot get new reviewers.", proposal=proposal_label(proposal)))
    if conflicts is None:
        conflicts = load_conflicts(proposal.round_id, [proposal.id])
    reasons = conflicts.reasons(proposal.id, proposal.organization_id, reviewer.id)
    if reasons:
        raise AssignmentRefused(conflict_message(reasons[0], reviewer.name, proposal_label(proposal)))
    exists = db.session.scalar(select(Assignment.id).where(
        Assignment.proposal_id == proposal.id, Assignment.reviewer_id == reviewer.id, Assignment.stage == STAGE))
    if exists:
        raise AssignmentRefused(_("%(reviewer)s is already assigned to %(proposal)s.",
                                  reviewer=reviewer.name, proposal=proposal_label(proposal)))
    _lock_round(proposal.round_id)
    row = Assignment(round_id=proposal.round_id, proposal_id=proposal.id, reviewer_id=reviewer.id, stage=STAGE,
                     source=source, created_by_id=_actor_id())
    db.session.add(row)
    db.session.flush()
    if audit_it:
        audit.record("assign_reviewer", row, proposal_id=proposal.id, reviewer_id=reviewer.id, source=source)
    return row


def unassign(row: Assignment) -> None:
    """Remove one assignment; refused once the reviewer has submitted the review."""
    if (row.proposal_id, row.reviewer_id) in _submitted_pairs(row.round_id, [row.proposal_id]):
        raise AssignmentRefused(_("This reviewer has already submitted the review: the assignment cannot be removed."))
    _lock_round(row.round_id)
    audit.record("unassign_reviewer", row, proposal_id=row.proposal_id, reviewer_id=row.reviewer_id)
    db.session.delete(row)
    db.session.flush()


@dataclass
class BulkResult:
    assigned: list[str] = field(default_factory=list)  # proposal labels
    already: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (label, reason sentence)


def assign_category(rnd: Round, category_id: int, reviewer: User) -> BulkResult:
    """Assign ``reviewer`` to every eligible proposal of a category, skipping conflicts."""
    if reviewer.role != Role.reviewer or not reviewer.active:
        raise AssignmentRefused(_("%(name)s is not an active reviewer.", name=reviewer.name))
    proposals = db.session.scalars(select(Proposal).where(
        Proposal.round_id == rnd.id, Proposal.category_id == category_id,
        Proposal.status == ProposalStatus.eligible).order_by(Proposal.number, Proposal.id)).all()
    ids = [p.id for p in proposals]
    conflicts = load_conflicts(rnd.id, ids)
    existing = set(db.session.scalars(select(Assignment.proposal_id).where(
        Assignment.reviewer_id == reviewer.id, Assignment.stage == STAGE, Assignment.proposal_id.in_(ids))))
    result = BulkResult()
    rows = []
    now, actor = utcnow(), _actor_id()
    for p in proposals:
        label = proposal_label(p)
        reasons = conflicts.reasons(p.id, p.organization_id, reviewer.id)
        if reasons:
            result.skipped.append((label, conflict_message(reasons[0], reviewer.name, label)))
        elif p.id in existing:
            result.already.append(label)
        else:
            rows.append({"round_id": rnd.id, "proposal_id": p.id, "reviewer_id": reviewer.id, "stage": STAGE,
                         "source": "manual", "created_at": now, "created_by_id": actor})
            result.assigned.append(label)
    if rows:
        _lock_round(rnd.id)
        db.session.execute(insert(Assignment), rows)
    audit.record("assign_category", rnd, category_id=category_id, reviewer_id=reviewer.id,
                 assigned=len(result.assigned), skipped=[s[0] for s in result.skipped])
    return result


def _actor_id() -> int | None:
    from flask_login import current_user

    try:
        return current_user.id if current_user and current_user.is_authenticated else None
    except Exception:  # no request (CLI): no actor
        return None


# ---------------------------------------------------------------------------------------------
# Automatic assignment
# ---------------------------------------------------------------------------------------------
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
    * affinity: expertise tag equal to the category name → ``EXPERTISE_WEIGHT``;
    * keep: in incremental mode every existing assignment in scope; otherwise only those with a
      submitted review (which are never removed).
    """
    import time

    t0 = time.perf_counter()
    k = int(k or rnd.reviewers_per_proposal or 3)
    categories = dict(db.session.execute(select(Category.id, Category.name).where(Category.round_id == rnd.id)).all())
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
    locked = {pair for pair in _submitted_pairs(rnd.id) if pair in existing}

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
        tags = frozenset(t.strip() for t in (u.expertise or "").replace("，", ",").split(",") if t.strip())
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
        "declared": sorted(p.declared_conflicts),
        "existing": sorted(built.existing),
        "locked": sorted(built.locked),
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


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


def summary(pl: Plan, lang: str = "zh_Hant") -> dict[str, Any]:
    """Plain data for the preview page and the CLI."""
    b, res = pl.built, pl.result
    problems = [solver.describe(p, lang) for p in res.problems]
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


def preview(rnd: Round, *, lang: str = "zh_Hant", **options) -> tuple[Plan, dict[str, Any]]:
    pl = plan(build_problem(rnd, **options))
    return pl, summary(pl, lang)


class StalePreview(AssignmentRefused):
    pass


def apply(rnd: Round, *, expected_fingerprint: str | None = None, notify: bool = True, **options) -> Plan:
    """Rebuild, check the preview's fingerprint, solve and write: bulk insert the new rows
    (source="auto"), delete released rows without a submitted review, audit, queue e-mails."""
    _lock_round(rnd.id)
    built = build_problem(rnd, **options)
    if expected_fingerprint is not None and built.fingerprint != expected_fingerprint:
        raise StalePreview(_("The assignments, reviewers or conflicts changed after this preview was made, so it was "
                             "not applied. Run the preview again and check it before confirming."))
    pl = plan(built)
    if not pl.result.ok:
        raise AssignmentRefused(_("No assignment satisfies every rule; nothing was changed."))
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
        now, actor = utcnow(), _actor_id()
        rows = [{"round_id": b.round_id, "proposal_id": pid, "reviewer_id": rid, "stage": STAGE, "source": "auto",
                 "created_at": now, "created_by_id": actor} for pid, rid in pl.insert]
        db.session.execute(insert(Assignment), rows)
    audit.record("auto_assign", object_type="competition_round", object_id=b.round_id, category_id=b.category_id,
                 k=b.k, max_load=b.max_load, incremental=b.incremental, added=len(pl.insert),
                 removed=[list(p) for p in pl.remove], kept_conflicted=[list(p) for p in pl.kept_conflicted],
                 objective=pl.result.objective, fingerprint=b.fingerprint)
    db.session.flush()


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
                     name=info["name"], count=len(pids), round=rnd.name, list="\n".join(lines), link=link)
        mail.queue(info["email"], subject, body)
    return len(by_reviewer)


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------
NUMBER_HEADERS = {"proposal_number", "proposal number", "number", "申報編號", "申报编号", "項目編號", "项目编号"}
EMAIL_HEADERS = {"reviewer_email", "reviewer email", "email", "評審專家電郵", "评审专家邮箱", "電郵", "邮箱"}


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK, what Excel in China writes)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise AssignmentRefused(_("The file is neither UTF-8 nor GBK text. Save it as \"CSV UTF-8\" and try again.")) from exc


@dataclass
class ImportResult:
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, sentence)
    added: int = 0
    unchanged: int = 0


def import_csv(rnd: Round, data: bytes) -> ImportResult:
    """Validate every row first (row numbers as in a spreadsheet: the header is row 1); write
    only when no row has a problem. Rows already assigned are left as they are."""
    result = ImportResult()
    try:
        text = decode_csv(data)
    except AssignmentRefused as exc:
        result.errors.append((0, str(exc)))
        return result
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        result.errors.append((0, _("The file is empty.")))
        return result
    header = [h.strip().lower() for h in rows[0]]
    try:
        n_col = next(i for i, h in enumerate(header) if h in NUMBER_HEADERS)
        e_col = next(i for i, h in enumerate(header) if h in EMAIL_HEADERS)
    except StopIteration:
        result.errors.append((1, _("The first row must name the columns, with at least \"proposal_number\" and "
                                   "\"reviewer_email\".")))
        return result

    proposals = {p.number: p for p in db.session.scalars(
        select(Proposal).where(Proposal.round_id == rnd.id, Proposal.number.is_not(None)))}
    reviewers = {u.email.lower(): u for u in db.session.scalars(select(User).where(User.role == Role.reviewer))}
    others = set(db.session.scalars(select(func.lower(User.email)).where(User.role != Role.reviewer)))
    conflicts = load_conflicts(rnd.id)
    existing = {tuple(r) for r in db.session.execute(select(Assignment.proposal_id, Assignment.reviewer_id).where(
        Assignment.round_id == rnd.id, Assignment.stage == STAGE))}
    seen: dict[tuple[int, int], int] = {}
    to_add: list[tuple[Proposal, User]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        cell_n = row[n_col].strip().lstrip("'") if n_col < len(row) else ""
        cell_e = row[e_col].strip().lower() if e_col < len(row) else ""
        if not cell_n or not cell_e:
            result.errors.append((number, _("The proposal number and the reviewer's email are both required.")))
            continue
        proposal = proposals.get(cell_n)
        reviewer = reviewers.get(cell_e)
        problems = []
        if proposal is None:
            problems.append(_("no proposal numbered %(number)s in this round", number=cell_n))
        elif proposal.status != ProposalStatus.eligible:
            problems.append(_("%(number)s has not passed screening", number=cell_n))
        if reviewer is None:
            problems.append(_("%(email)s is not a reviewer", email=cell_e) if cell_e in others
                            else _("no reviewer with the email %(email)s", email=cell_e))
        elif not reviewer.active:
            problems.append(_("%(email)s is deactivated", email=cell_e))
        if problems:
            result.errors.append((number, "; ".join(problems)))
            continue
        pair = (proposal.id, reviewer.id)
        reasons = conflicts.reasons(proposal.id, proposal.organization_id, reviewer.id)
        if reasons:
            result.errors.append((number, conflict_message(reasons[0], reviewer.name, cell_n)))
        elif pair in seen:
            result.errors.append((number, _("the same pair as row %(row)d", row=seen[pair])))
        elif pair in existing:
            seen[pair] = number
            result.unchanged += 1
        else:
            seen[pair] = number
            to_add.append((proposal, reviewer))
    if result.errors:
        return result
    if to_add:
        _lock_round(rnd.id)
        now, actor = utcnow(), _actor_id()
        db.session.execute(insert(Assignment), [
            {"round_id": rnd.id, "proposal_id": p.id, "reviewer_id": u.id, "stage": STAGE, "source": "import",
             "created_at": now, "created_by_id": actor} for p, u in to_add])
    result.added = len(to_add)
    audit.record("import_assignments", rnd, added=result.added, unchanged=result.unchanged)
    return result


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------
def table(rnd: Round, *, category_id: int | None = None, page: int = 1, per_page: int = 100) -> dict[str, Any]:
    """One page of proposal × reviewers, with conflict markers and review status, in a fixed
    number of queries (whatever the page size)."""
    shown = or_(Proposal.status == ProposalStatus.eligible,
                Proposal.id.in_(select(Assignment.proposal_id).where(Assignment.round_id == rnd.id)))
    base = select(Proposal).where(Proposal.round_id == rnd.id, shown)
    if category_id is not None:
        base = base.where(Proposal.category_id == category_id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    proposals = db.session.scalars(base.order_by(Proposal.number, Proposal.id)
                                   .limit(per_page).offset((page - 1) * per_page)).all()
    ids = [p.id for p in proposals]
    categories = dict(db.session.execute(select(Category.id, Category.name).where(Category.round_id == rnd.id)).all())
    arows = db.session.execute(
        select(Assignment.id, Assignment.proposal_id, Assignment.reviewer_id, Assignment.source, User.name, User.email)
        .join(User, User.id == Assignment.reviewer_id)
        .where(Assignment.stage == STAGE, Assignment.proposal_id.in_(ids))
        .order_by(User.name)).all()
    statuses = review_status_map(rnd.id, ids)
    conflicts = load_conflicts(rnd.id, ids)
    org_of = {p.id: p.organization_id for p in proposals}
    by_proposal: dict[int, list[dict]] = defaultdict(list)
    for a in arows:
        reasons = conflicts.reasons(a.proposal_id, org_of[a.proposal_id], a.reviewer_id)
        by_proposal[a.proposal_id].append({
            "id": a.id, "reviewer_id": a.reviewer_id, "name": a.name, "email": a.email, "source": a.source,
            "status": statuses.get((a.proposal_id, a.reviewer_id)),
            "conflicts": [conflict_label(r) for r in reasons]})
    k = rnd.reviewers_per_proposal or 3
    rows = [{"id": p.id, "number": p.number, "blind_code": p.blind_code, "name": p.name,
             "category": categories.get(p.category_id, ""), "status": p.status, "reviewers": by_proposal.get(p.id, []),
             "short": p.status == ProposalStatus.eligible and len(by_proposal.get(p.id, [])) < k}
            for p in proposals]
    return {"rows": rows, "total": total, "page": page, "pages": pages, "k": k}


# ---------------------------------------------------------------------------------------------
# Plain-text summary (CLI); its own labels so the shell output does not depend on a request
# ---------------------------------------------------------------------------------------------
_CLI_LABELS = {
    "zh_Hant": {"scope": "項目 {proposals} 個，評審專家 {reviewers} 位，每項目 {k} 位，評審上限 {max_load}（預設 {default}）",
                "result": "新增 {new}，保留 {kept}，移除 {removed}；總匹配度 {objective}，專長匹配 {share:.0%}",
                "loads": "評審量：", "problems": "無法完成分配：", "times": "建模 {build:.2f} 秒，求解 {solve:.2f} 秒",
                "kept_conflicted": "已提交評審而保留（現有利益衝突）：{list}"},
    "zh_Hans": {"scope": "项目 {proposals} 个，评审专家 {reviewers} 位，每项目 {k} 位，评审上限 {max_load}（默认 {default}）",
                "result": "新增 {new}，保留 {kept}，移除 {removed}；总匹配度 {objective}，专长匹配 {share:.0%}",
                "loads": "评审量：", "problems": "无法完成分配：", "times": "建模 {build:.2f} 秒，求解 {solve:.2f} 秒",
                "kept_conflicted": "已提交评审而保留（现有利益冲突）：{list}"},
    "en": {"scope": "{proposals} proposals, {reviewers} reviewers, {k} per proposal, max load {max_load} (default {default})",
           "result": "{new} new, {kept} kept, {removed} removed; total affinity {objective}, expertise match {share:.0%}",
           "loads": "Loads:", "problems": "No feasible assignment:", "times": "build {build:.2f} s, solve {solve:.2f} s",
           "kept_conflicted": "Kept because the review was submitted (now conflicted): {list}"},
}


def format_summary(s: dict[str, Any], lang: str = "zh_Hant") -> str:
    t = _CLI_LABELS.get(lang, _CLI_LABELS["en"])
    lines = [t["scope"].format(proposals=s["proposals"], reviewers=s["reviewers"], k=s["k"], max_load=s["max_load"],
                               default=s["default_max_load"])]
    if not s["ok"]:
        lines.append(t["problems"])
        lines += [f"  - {p}" for p in s["problems"]]
    else:
        lines.append(t["result"].format(new=s["new"], kept=s["kept"], removed=s["removed"], objective=s["objective"],
                                        share=s["expertise_share"]))
        if s["kept_conflicted"]:
            lines.append(t["kept_conflicted"].format(list="; ".join(s["kept_conflicted"])))
        lines.append(t["loads"])
        lines += [f"  {x['name']:<12} {x['load']:>4}  (+{x['new']})  ≤ {x['max_load']}" for x in s["loads"]]
    lines.append(t["times"].format(build=s["build_seconds"], solve=s["solve_seconds"]))
    return "\n".join(lines)
