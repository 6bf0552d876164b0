"""The roadshow (路演): shortlist (入圍), the draw by lot (抽籤), the judge panel, the host's controls.

The draw (documented so that anyone can re-draw it by hand or with a few lines of code)
-----------------------------------------------------------------------------------
Inputs: the round's recorded seed (``Round.roadshow_seed``, 16 hex characters from
``secrets.token_hex(8)``) and the proposal numbers of the shortlisted projects.
For each project compute ``sha256(seed + ":" + number)`` over UTF-8 and write it in
lowercase hex; the presentation order is the projects sorted by that hex string,
ascending (ties, which never happen in practice, by number).  Position 1 presents first.
``expected_order(seed, numbers)`` is that algorithm; ``verify_draw(rnd)`` recomputes it
and compares with the stored positions.  The result depends only on the seed and the
set of numbers, not on the order in which projects were shortlisted.

All functions flush, write the audit log, and never commit. What they refuse they refuse with
a ``Refusal`` (codes ``roadshow_*``; messages in grants/platform/refusals.py, section "roadshow").
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from grants.extensions import db
from grants.models import (
    Assignment,
    Proposal,
    ProposalStatus,
    Review,
    ReviewStatus,
    RoadshowSlot,
    Role,
    RubricVersion,
    Stage,
    User,
    utcnow,
)
from grants.platform import audit
from grants.ranking import operations as ranking_ops
from grants.rules import rubric as rubric_mod
from grants.rules import scoring
from grants.rules.refusal import Refusal

# --------------------------------------------------------------------------- the draw


def new_seed() -> str:
    return secrets.token_hex(8)


def draw_key(seed: str, number: str) -> str:
    return hashlib.sha256(f"{seed}:{number}".encode()).hexdigest()


def expected_order(seed: str, numbers: Iterable[str]) -> list[str]:
    """The presentation order for ``seed`` (see the module docstring)."""
    return sorted(numbers, key=lambda n: (draw_key(seed, n), n))


def _slot_number(number: str | None, proposal_id: int) -> str:
    return number or f"#{proposal_id}"


def slots(round_id: int) -> list[dict]:
    """The shortlisted projects as plain dicts, in presentation order (undrawn last, by number)."""
    from grants.models import Category, Organization

    rows = db.session.execute(
        select(RoadshowSlot.id, RoadshowSlot.position, RoadshowSlot.started_at, Proposal.id, Proposal.number,
               Proposal.name, Organization.name, Category.name, Proposal.blind_code)
        .join(Proposal, Proposal.id == RoadshowSlot.proposal_id)
        .join(Organization, Organization.id == Proposal.organization_id)
        .outerjoin(Category, Category.id == Proposal.category_id)
        .where(RoadshowSlot.round_id == round_id)
    ).all()
    out = [
        {"slot_id": sid, "position": pos, "started_at": started, "proposal_id": pid,
         "number": _slot_number(number, pid), "name": name, "organization": org, "category": cat or "",
         "blind_code": blind or ""}
        for sid, pos, started, pid, number, name, org, cat, blind in rows
    ]
    out.sort(key=lambda s: (s["position"] is None, s["position"] or 0, s["number"]))
    return out


def draw(rnd, seed: str | None = None) -> list[dict]:
    """Draw (or re-draw) the presentation order with ``seed`` (a fresh one when None)."""
    current = slots(rnd.id)
    if not current:
        raise Refusal("roadshow_nothing_shortlisted")
    if any(s["started_at"] for s in current):
        raise Refusal("roadshow_started_no_redraw")
    seed = (seed or new_seed()).strip()
    if not seed or len(seed) > 64:
        raise Refusal("roadshow_seed_length", field="seed")
    order = expected_order(seed, [s["number"] for s in current])
    position = {number: i for i, number in enumerate(order, start=1)}
    by_id = {s.id: s for s in db.session.scalars(select(RoadshowSlot).where(RoadshowSlot.round_id == rnd.id))}
    for s in current:
        by_id[s["slot_id"]].position = position[s["number"]]
    rnd.roadshow_seed = seed
    db.session.flush()
    audit.record("roadshow_draw", rnd, seed=seed, order=order)
    return slots(rnd.id)


@dataclass(frozen=True)
class DrawCheck:
    ok: bool
    seed: str | None
    expected: list[str]
    actual: list[str]


def verify_draw(rnd) -> DrawCheck:
    current = slots(rnd.id)
    actual = [s["number"] for s in current if s["position"] is not None]
    if not rnd.roadshow_seed:
        return DrawCheck(False, None, [], actual)
    expected = expected_order(rnd.roadshow_seed, [s["number"] for s in current])
    return DrawCheck(expected == actual and len(actual) == len(current), rnd.roadshow_seed, expected, actual)


# --------------------------------------------------------------------------- shortlist


def shortlist_ids_by_rank(ranking: ranking_ops.Ranking, top_n: int, per_category: bool) -> list[int]:
    """The top ``top_n`` qualified proposals overall, or in each category."""
    qualified = [r for r in ranking.rows if r.ranked and not r.disqualified]
    if not per_category:
        return [r.id for r in qualified[:top_n]]
    out = []
    for _cid, name in ranking.categories:
        out += [r.id for r in ranking.category_rows(name) if not r.disqualified][:top_n]
    return out


def shortlist(rnd, proposal_ids: Sequence[int], *, replace: bool = False) -> int:
    """Mark proposals 入圍 and give each a roadshow slot; returns how many were added."""
    existing = {s.proposal_id: s for s in db.session.scalars(select(RoadshowSlot).where(RoadshowSlot.round_id == rnd.id))}
    if existing and any(s.started_at for s in existing.values()) and replace:
        raise Refusal("roadshow_started_no_replace")
    wanted = list(dict.fromkeys(int(p) for p in proposal_ids))
    proposals = {p.id: p for p in db.session.scalars(
        select(Proposal).where(Proposal.round_id == rnd.id, Proposal.id.in_(wanted)))}
    if replace:
        for pid, slot in existing.items():
            if pid not in proposals:
                _unshortlist(slot)
    added = 0
    for pid in wanted:
        p = proposals.get(pid)
        if p is None or p.status not in (ProposalStatus.eligible, ProposalStatus.shortlisted):
            continue
        p.status = ProposalStatus.shortlisted
        if pid not in existing:
            db.session.add(RoadshowSlot(round_id=rnd.id, proposal_id=pid))
            added += 1
    if added:  # new projects: the drawn order no longer covers them
        for slot in existing.values():
            slot.position = None
        rnd.roadshow_seed = None
    db.session.flush()
    _sync_panel(rnd)
    audit.record("roadshow_shortlist", rnd, proposals=sorted(proposals), added=added, replace=replace)
    return added


def _unshortlist(slot: RoadshowSlot) -> None:
    p = db.session.get(Proposal, slot.proposal_id)
    if p is not None and p.status == ProposalStatus.shortlisted:
        p.status = ProposalStatus.eligible
    db.session.execute(delete(Assignment).where(Assignment.proposal_id == slot.proposal_id,
                                                Assignment.stage == Stage.roadshow))
    db.session.delete(slot)


def remove_from_shortlist(rnd, proposal_id: int) -> None:
    slot = db.session.scalar(select(RoadshowSlot).where(RoadshowSlot.round_id == rnd.id,
                                                        RoadshowSlot.proposal_id == proposal_id))
    if slot is None:
        raise Refusal("roadshow_not_shortlisted")
    if slot.started_at:
        raise Refusal("roadshow_already_presented")
    _unshortlist(slot)
    for other in db.session.scalars(select(RoadshowSlot).where(RoadshowSlot.round_id == rnd.id)):
        other.position = None
    rnd.roadshow_seed = None
    db.session.flush()
    audit.record("roadshow_unshortlist", rnd, proposal_id=proposal_id)


# --------------------------------------------------------------------------- judges


def panel_ids(round_id: int) -> list[int]:
    return list(db.session.scalars(
        select(Assignment.reviewer_id).where(Assignment.round_id == round_id, Assignment.stage == Stage.roadshow)
        .distinct()
    ))


def panel(round_id: int) -> list[tuple[int, str]]:
    ids = panel_ids(round_id)
    if not ids:
        return []
    return [(uid, name) for uid, name in db.session.execute(
        select(User.id, User.name).where(User.id.in_(ids)).order_by(User.name, User.id))]


def on_panel(round_id: int, user_id: int) -> bool:
    return db.session.scalar(select(Assignment.id).where(
        Assignment.round_id == round_id, Assignment.stage == Stage.roadshow, Assignment.reviewer_id == user_id
    ).limit(1)) is not None


def set_panel(rnd, reviewer_ids: Iterable[int], actor_id: int | None = None) -> list[int]:
    """The roadshow judges: one roadshow Assignment per judge and shortlisted project."""
    ids = sorted({int(i) for i in reviewer_ids})
    valid = set(db.session.scalars(select(User.id).where(User.id.in_(ids), User.role == Role.reviewer,
                                                         User.active.is_(True))) if ids else [])
    if set(ids) - valid:
        raise Refusal("roadshow_judges_not_reviewers", field="judges")
    db.session.execute(delete(Assignment).where(
        Assignment.round_id == rnd.id, Assignment.stage == Stage.roadshow, Assignment.reviewer_id.not_in(ids or [0])))
    db.session.flush()
    _sync_panel(rnd, ids, actor_id)
    audit.record("roadshow_panel", rnd, judges=ids)
    return ids


def _sync_panel(rnd, ids: list[int] | None = None, actor_id: int | None = None) -> None:
    """Every judge assigned to every shortlisted project (after the shortlist or the panel changed)."""
    if ids is None:
        ids = panel_ids(rnd.id)
    if not ids:
        return
    pids = list(db.session.scalars(select(RoadshowSlot.proposal_id).where(RoadshowSlot.round_id == rnd.id)))
    have = {tuple(r) for r in db.session.execute(select(Assignment.proposal_id, Assignment.reviewer_id).where(
        Assignment.round_id == rnd.id, Assignment.stage == Stage.roadshow))}
    for pid in pids:
        for rid in ids:
            if (pid, rid) not in have:
                db.session.add(Assignment(round_id=rnd.id, proposal_id=pid, reviewer_id=rid, stage=Stage.roadshow,
                                          source="manual", created_by_id=actor_id))
    db.session.flush()


# --------------------------------------------------------------------------- rubric


def roadshow_rubric(rnd, *, store: bool = True) -> tuple[RubricVersion, rubric_mod.Rubric]:
    """The latest roadshow rubric of the round, stored from the default on first use by a write
    (``store=False``, for a page that only reads: the default is returned unsaved). The same rule
    as the written stage's rubrics, with the same guard against simultaneous first writes."""
    from grants.review import rubrics as rubric_versions

    if store:
        rv = rubric_versions.current_version(rnd.id, Stage.roadshow)
    else:
        rv = rubric_versions.shown_version(rnd.id, Stage.roadshow)
    return rv, rubric_mod.rubric_from_dict(rv.definition)


# --------------------------------------------------------------------------- the host


def current_slot(rnd) -> RoadshowSlot | None:
    if rnd.roadshow_current_id is None:
        return None
    return db.session.scalar(select(RoadshowSlot).where(RoadshowSlot.round_id == rnd.id,
                                                        RoadshowSlot.proposal_id == rnd.roadshow_current_id))


def next_project(rnd) -> RoadshowSlot | None:
    """Put the next project in the drawn order on screen (None after the last one)."""
    ordered = [s for s in db.session.scalars(
        select(RoadshowSlot).where(RoadshowSlot.round_id == rnd.id, RoadshowSlot.position.is_not(None))
        .order_by(RoadshowSlot.position))]
    if not ordered:
        raise Refusal("roadshow_not_drawn")
    current = current_slot(rnd)
    if current is None or current.position is None:
        nxt = ordered[0] if current is None else None
    else:
        later = [s for s in ordered if s.position > current.position]
        nxt = later[0] if later else None
    rnd.roadshow_current_id = nxt.proposal_id if nxt else None
    if nxt is not None and nxt.started_at is None:
        nxt.started_at = utcnow()
    db.session.flush()
    audit.record("roadshow_next", rnd, proposal_id=rnd.roadshow_current_id)
    return nxt


def reviews_for(proposal_id: int):
    return db.session.execute(
        select(Review.reviewer_id, Review.status, Review.total, Review.vetoed, Review.submitted_at)
        .where(Review.proposal_id == proposal_id, Review.stage == Stage.roadshow)
    ).all()


def host_status(rnd) -> dict:
    """What the host's screen shows: the current project, who has submitted, the announced score.

    The score (trimmed mean by the round's rule: trimmed from ``trim_min_reviews`` judges,
    else the mean) is given only once every judge on the panel has submitted.
    """
    judges = panel(rnd.id)
    slot = current_slot(rnd)
    out: dict = {"round_id": rnd.id, "current": None, "judges": [], "submitted": 0, "total_judges": len(judges),
                 "all_submitted": False, "score": None, "trimmed": None, "n": 0}
    if slot is None:
        out["judges"] = [{"id": uid, "name": name, "submitted": False} for uid, name in judges]
        return out
    p = db.session.get(Proposal, slot.proposal_id)
    out["current"] = {"proposal_id": p.id, "number": _slot_number(p.number, p.id), "name": p.name,
                      "organization": p.organization.name, "position": slot.position,
                      "started_at": slot.started_at.isoformat() if slot.started_at else None}
    reviews = {rid: (status, total, vetoed) for rid, status, total, vetoed, _at in reviews_for(p.id)}
    done = [uid for uid, _ in judges if uid in reviews and reviews[uid][0] == ReviewStatus.submitted]
    out["judges"] = [{"id": uid, "name": name, "submitted": uid in done} for uid, name in judges]
    out["submitted"] = len(done)
    out["all_submitted"] = bool(judges) and len(done) == len(judges)
    if out["all_submitted"]:
        config = scoring.RoundConfig(min_for_trim=max(3, rnd.trim_min_reviews or 5))
        scores = [scoring.ReviewScore(p.id, uid, reviews[uid][1], reviews[uid][2], stage="roadshow") for uid in done]
        agg = scoring.aggregate(scores, config)[p.id]
        out["score"] = str(agg.trimmed_mean)
        out["trimmed"] = agg.trimmed
        out["n"] = agg.n
        out["mean"] = str(agg.mean)
    return out


def judge_submits(rnd, proposal_id: int | None, judge_id: int, rubric_version: RubricVersion,
                  rub: rubric_mod.Rubric, scores: dict[str, str], comments: dict[str, str]) -> Review:
    """A judge submits (or corrects) the score sheet of the project on stage, as typed.

    Refuses (``Refusal``, nothing changed) a sheet for a project that is no longer on stage
    (``roadshow_moved_on``: the host has moved on) and a sheet with problems, all of them at
    once (``rubric.validate``: veto items are not asked on stage, bonus items not given)."""
    if proposal_id is None or proposal_id != rnd.roadshow_current_id:
        raise Refusal("roadshow_moved_on", field="proposal_id")
    problems = rubric_mod.validate(rub, scores, comments, {v.key: False for v in rub.veto_items})
    if problems:
        raise Refusal.of(problems)
    parsed = {c.key: rubric_mod.parse_number(scores.get(c.key)) for c in rub.criteria}
    kept = {c.key: comments[c.key].strip() for c in rub.criteria if (comments.get(c.key) or "").strip()}
    return submit_judge_score(rnd, proposal_id, judge_id, rubric_version, rub, parsed, kept)


def submit_judge_score(rnd, proposal_id: int, judge_id: int, rubric_version: RubricVersion,
                       rub: rubric_mod.Rubric, scores: dict, comments: dict) -> Review:
    """Save a judge's roadshow score sheet (already checked: see ``judge_submits``; the demo
    data writes past sheets with it) as a submitted review."""
    review = db.session.scalar(select(Review).where(Review.proposal_id == proposal_id, Review.reviewer_id == judge_id,
                                                    Review.stage == Stage.roadshow))
    veto_answers = {v.key: False for v in rub.veto_items}
    total = rubric_mod.total(rub, scores, {})
    if review is None:
        review = Review(proposal_id=proposal_id, reviewer_id=judge_id, stage=Stage.roadshow)
        db.session.add(review)
    review.rubric_version_id = rubric_version.id
    review.scores = {k: str(v) for k, v in scores.items()}
    review.comments = {k: v for k, v in comments.items() if v}
    review.veto_answers = veto_answers
    review.bonus = {}
    review.total = total
    review.vetoed = False
    review.status = ReviewStatus.submitted
    review.submitted_at = utcnow()
    db.session.flush()
    audit.record("roadshow_score", review, proposal_id=proposal_id, total=str(total))
    return review
