"""Stored score aggregates: what each proposal's reviews add up to, kept current in the SAME transaction.

The ranking page and the dashboards read one ``score_aggregate`` row per proposal and stage
(:class:`grants.rules.scoring.ProposalParts`: sums, exact mean / median / trimmed mean / range /
sd, the sum of the reviews' z-scores, veto count, criterion means, each review's total) instead of
every review, and finish the figures with the round's settings at view time
(:func:`grants.rules.scoring.finish`, :func:`grants.rules.scoring.rank_aggregates`).  The
z-scores need each reviewer's scale, kept in ``reviewer_scale`` (count, sum, sum of squares).

What changes them -- and how they stay current
-----------------------------------------------
The inputs are the submitted reviews (with a total) of the received proposals (status neither
draft nor withdrawn): a review submitted, revised, returned to draft or deleted (a conflict
declaration drops it; so may an assignment removal), and a proposal entering or leaving the
received set (withdrawal, a status change).  Round settings (basis, trim threshold, veto policy,
disagreement threshold, stage weights, tie-breaks, rubric maxima) are NOT baked in: they are
applied when the page is read.

Rather than trusting every one of those call sites to remember, a session hook watches the ORM
unit of work: :func:`_collect` (``before_flush``) notes every ``Review`` and ``Proposal`` change
that can matter, and :func:`_refresh_pending` (``before_commit``) brings the rows of the touched
reviewers and proposals up to date in the same transaction, under the round's row lock (so two
concurrent submissions never compute from each other's stale rows on PostgreSQL).  An
``insert()``/``update()``/``delete()`` statement on ``review`` or ``proposal`` run through the
session (:func:`_bulk`) cannot be traced to rows: every built round is rebuilt before that commit.
SQL sent past the session (a raw connection) is not seen: none exists in the code.

A round gets its rows on the first change after this table appeared (:func:`rebuild`, a
:class:`ScoreState` row says it is complete); until then a read computes from the raw reviews
(read-only).  Figures equal :func:`grants.rules.scoring.score_round` over the raw reviews exactly:
the same functions compute them, and sums of 2-decimal points and of fixed-point z-scores are
exact whatever order they are taken in.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, event, insert, inspect, select, update
from sqlalchemy.orm import Session

from grants.models import (
    Proposal,
    ProposalStatus,
    Review,
    ReviewerScale,
    ReviewStatus,
    Round,
    ScoreAggregate,
    ScoreState,
    Stage,
)
from grants.rules import scoring

NOT_RECEIVED = (ProposalStatus.draft, ProposalStatus.withdrawn)
_PENDING = "score_inputs"
_REVIEW_INPUTS = ("status", "total", "vetoed", "scores", "proposal_id", "reviewer_id", "stage")


# ------------------------------------------------------------------ reading


@dataclass(slots=True)
class Stored:
    """A round's stored aggregates: stage -> proposal id -> parts / review marks, and per stage the
    global (mean, sd) of every review's points."""

    parts: dict  # stage -> {pid: scoring.ProposalParts}
    marks: dict  # stage -> {pid: {reviewer_id: (total as text, 2 decimals; vetoed)}}
    spread: dict  # stage -> (mean, sd)


_NO_CRITERIA: dict = {}


def load(session: Session, round_id: int, *, criteria: bool = True) -> Stored:
    """The round's aggregates (2 queries), computed from the raw reviews when the round has no rows yet.
    ``criteria=False`` leaves the criterion means out (only a criterion tie-break needs them)."""
    if session.get(ScoreState, round_id) is None:
        return _from_reviews(session, round_id)
    sa = ScoreAggregate.__table__.c
    cols = [sa.proposal_id, sa.stage, sa.n, sa.veto_count, sa.points_sum, sa.points_sum2, sa.mean, sa.median,
            sa.trimmed_mean, sa.score_range, sa.sd, sa.zsum, sa.marks]
    if criteria:
        cols.append(sa.criteria_mean)
    rows = session.execute(select(*cols).where(sa.round_id == round_id)).all()
    parts: dict = defaultdict(dict)
    marks: dict = defaultdict(dict)
    totals: dict = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    d = Decimal
    parts_cls = scoring.ProposalParts
    stage_names = {s: str(s) for s in Stage}
    for r in rows:
        stage = stage_names.get(r[1]) or str(r[1])
        crit = {k: d(v) for k, v in (r[13] or {}).items()} if criteria else _NO_CRITERIA
        p = parts_cls(r[2], d(r[4]), d(r[5]), d(r[6]), d(r[7]), None if r[8] is None else d(r[8]), d(r[9]),
                      d(r[10]), d(r[11]), r[3], crit)
        parts[stage][r[0]] = p
        marks[stage][r[0]] = _unpack_marks(r[12])
        t = totals[stage]
        t[0] += p.n
        t[1] += p.points_sum
        t[2] += p.points_sum2
    return Stored(dict(parts), dict(marks), {stage: scoring.spread(*t) for stage, t in totals.items()})


def _pack_marks(marks) -> str:
    return " ".join(f"{rid}:{total}:{1 if vetoed else 0}" for rid, total, vetoed in marks)


def _unpack_marks(text: str) -> dict[int, tuple[str, bool]]:
    """reviewer id -> (total as stored, 2 decimals; vetoed), in reviewer id order."""
    out = {}
    for item in text.split():
        rid, total, vetoed = item.split(":")
        out[int(rid)] = (total, vetoed == "1")
    return out


def _from_reviews(session: Session, round_id: int) -> Stored:
    computed = _compute(_review_rows(session, round_id))
    return Stored({s: c[0] for s, c in computed.items()},
                  {s: {pid: _unpack_marks(_pack_marks(m)) for pid, m in c[1].items()} for s, c in computed.items()},
                  {s: c[2] for s, c in computed.items()})


# ------------------------------------------------------------------ computing


def criteria(scores: dict | None) -> dict[str, Decimal]:
    """A review's stored per-criterion values as Decimals (a value that is not a number is left out)."""
    out = {}
    for k, v in (scores or {}).items():
        try:
            out[k] = Decimal(str(v))
        except ArithmeticError:
            continue
    return out


def _review_rows(session: Session, round_id: int, *, stage=None, proposal_ids=None, reviewer_ids=None):
    """(proposal, reviewer, stage, total, vetoed, scores) of the submitted reviews that count."""
    rv, pr = Review.__table__.c, Proposal.__table__.c
    q = (select(rv.proposal_id, rv.reviewer_id, rv.stage, rv.total, rv.vetoed, rv.scores)
         .join(Proposal.__table__, pr.id == rv.proposal_id)
         .where(pr.round_id == round_id, pr.status.not_in(NOT_RECEIVED), rv.status == ReviewStatus.submitted,
                rv.total.is_not(None)))
    if stage is not None:
        q = q.where(rv.stage == stage)
    if proposal_ids is not None:
        q = q.where(rv.proposal_id.in_(proposal_ids))
    if reviewer_ids is not None:
        q = q.where(rv.reviewer_id.in_(reviewer_ids))
    return session.execute(q.order_by(rv.proposal_id, rv.reviewer_id)).all()


def _parts_of(rows, scales: dict) -> tuple[dict, dict]:
    """ProposalParts and review marks per proposal from review rows of ONE stage (sorted by proposal, reviewer)."""
    by_pid: dict = defaultdict(list)
    for r in rows:
        by_pid[r[0]].append(r)
    parts, marks = {}, {}
    for pid, rs in by_pid.items():
        pts = [r[3] for r in rs]
        zs = [scoring.z_score(r[3], scales.get(r[1])) for r in rs]
        parts[pid] = scoring.parts(pts, zs, sum(1 for r in rs if r[4]), [criteria(r[5]) for r in rs])
        marks[pid] = [(r[1], r[3], bool(r[4])) for r in rs]
    return parts, marks


def _compute(rows) -> dict:
    """stage -> (parts, marks, (mean, sd), reviewer sums) for a whole round's review rows."""
    by_stage: dict = defaultdict(list)
    for r in rows:
        by_stage[str(r[2])].append(r)
    out = {}
    for stage, rs in by_stage.items():
        per_reviewer: dict = defaultdict(list)
        for r in rs:
            per_reviewer[r[1]].append(r[3])
        sums = {rid: scoring.sums(pts) for rid, pts in per_reviewer.items()}
        scales = {rid: scoring.reviewer_scale(*s) for rid, s in sums.items()}
        parts, marks = _parts_of(rs, scales)
        out[stage] = (parts, marks, scoring.spread(*scoring.sums(r[3] for r in rs)), sums)
    return out


# ------------------------------------------------------------------ writing


def _agg_rows(round_id: int, stage, parts: dict, marks: dict) -> list[dict]:
    return [{
        "proposal_id": pid, "stage": stage, "round_id": round_id, "n": p.n, "veto_count": p.veto_count,
        "points_sum": str(p.points_sum), "points_sum2": str(p.points_sum2), "mean": str(p.mean),
        "median": str(p.median), "trimmed_mean": None if p.trimmed_mean is None else str(p.trimmed_mean),
        "score_range": str(p.score_range), "sd": str(p.sd), "zsum": str(p.zsum),
        "criteria_mean": {k: str(v) for k, v in p.criteria_mean.items()},
        "marks": _pack_marks(marks[pid]),
    } for pid, p in parts.items()]


def _lock(session: Session, round_id: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Round.id).where(Round.id == round_id).with_for_update(key_share=True))


def rebuild(session: Session, round_id: int) -> None:
    """Recompute every stored aggregate of the round from its reviews (and mark the round complete)."""
    _lock(session, round_id)
    session.execute(delete(ScoreAggregate).where(ScoreAggregate.round_id == round_id))
    session.execute(delete(ReviewerScale).where(ReviewerScale.round_id == round_id))
    session.execute(delete(ScoreState).where(ScoreState.round_id == round_id))
    computed = _compute(_review_rows(session, round_id))
    for stage, (parts, marks, _spread, sums) in computed.items():
        st = Stage(stage)
        if parts:
            session.execute(insert(ScoreAggregate), _agg_rows(round_id, st, parts, marks))
        if sums:
            session.execute(insert(ReviewerScale), [
                {"round_id": round_id, "stage": st, "reviewer_id": rid, "n": n, "points_sum": str(s),
                 "points_sum2": str(s2)} for rid, (n, s, s2) in sums.items()])
    session.execute(insert(ScoreState), [{"round_id": round_id, "version": new_version()}])


def new_version() -> str:
    """The token ``ScoreState.version`` takes on every change of a round's rows (the ranking page's cache key)."""
    return uuid.uuid4().hex


def _bump(session: Session, round_id: int) -> None:
    session.execute(update(ScoreState).where(ScoreState.round_id == round_id).values(version=new_version()))


def refresh(session: Session, round_id: int, stage: Stage, reviewer_ids: Iterable[int],
            proposal_ids: Iterable[int]) -> None:
    """Bring up to date the scales of ``reviewer_ids`` and the rows of ``proposal_ids`` and of every
    proposal those reviewers scored in the stage (their z-scores moved with the scale)."""
    _lock(session, round_id)
    if session.get(ScoreState, round_id) is None:
        rebuild(session, round_id)
        return
    _bump(session, round_id)  # whatever follows changes the round's rows: no cached page may be served again
    reviewer_ids, proposal_ids = sorted(set(reviewer_ids)), set(proposal_ids)
    if reviewer_ids:
        theirs = _review_rows(session, round_id, stage=stage, reviewer_ids=reviewer_ids)
        per_reviewer: dict = defaultdict(list)
        for r in theirs:
            per_reviewer[r[1]].append(r[3])
            proposal_ids.add(r[0])
        rs = ReviewerScale.__table__.c
        session.execute(delete(ReviewerScale).where(rs.round_id == round_id, rs.stage == stage,
                                                    rs.reviewer_id.in_(reviewer_ids)))
        rows = []
        for rid, pts in per_reviewer.items():
            n, s, s2 = scoring.sums(pts)
            rows.append({"round_id": round_id, "stage": stage, "reviewer_id": rid, "n": n, "points_sum": str(s),
                         "points_sum2": str(s2)})
        if rows:
            session.execute(insert(ReviewerScale), rows)
    if not proposal_ids:
        return
    pids = sorted(proposal_ids)
    reviews = _review_rows(session, round_id, stage=stage, proposal_ids=pids)
    involved = sorted({r[1] for r in reviews})
    scales = {}
    if involved:
        rs = ReviewerScale.__table__.c
        for rid, n, s, s2 in session.execute(
                select(rs.reviewer_id, rs.n, rs.points_sum, rs.points_sum2)
                .where(rs.round_id == round_id, rs.stage == stage, rs.reviewer_id.in_(involved))):
            scales[rid] = scoring.reviewer_scale(n, Decimal(s), Decimal(s2))
    parts, marks = _parts_of(reviews, scales)
    sa = ScoreAggregate.__table__.c
    session.execute(delete(ScoreAggregate).where(sa.stage == stage, sa.proposal_id.in_(pids)))
    if parts:
        session.execute(insert(ScoreAggregate), _agg_rows(round_id, stage, parts, marks))


# ------------------------------------------------------------------ the unit-of-work hook


def mark(session: Session, proposal_id: int, reviewer_id: int | None = None, stage: Stage | None = None) -> None:
    """Note that a proposal's (or one of its reviews') scoring inputs changed: refreshed before commit."""
    session.info.setdefault(_PENDING, set()).add((proposal_id, reviewer_id, None if stage is None else Stage(stage)))


def _changed(obj, attrs) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


def _was_submitted(obj) -> bool:
    """Submitted before or after this change -- or unknown (status not loaded, e.g. expired by a commit): a
    mark too many costs one refresh, a mark too few would leave the figures stale."""
    hist = inspect(obj).attrs.status.history
    values = (*hist.added, *hist.unchanged, *hist.deleted)
    return not values or ReviewStatus.submitted in values


def _collect(session: Session, _flush_context, _instances) -> None:
    for obj in session.new:
        if isinstance(obj, Review) and obj.status == ReviewStatus.submitted:
            mark(session, obj.proposal_id, obj.reviewer_id, obj.stage or Stage.written)
    for obj in session.dirty:
        if isinstance(obj, Review):
            if _was_submitted(obj) and _changed(obj, _REVIEW_INPUTS):
                for a in ("proposal_id", "reviewer_id", "stage"):  # the row it left as well
                    hist = inspect(obj).attrs[a].history
                    if hist.deleted:
                        old = {x: getattr(obj, x) for x in ("proposal_id", "reviewer_id", "stage")}
                        old[a] = hist.deleted[0]
                        mark(session, old["proposal_id"], old["reviewer_id"], old["stage"])
                mark(session, obj.proposal_id, obj.reviewer_id, obj.stage)
        elif isinstance(obj, Proposal) and _changed(obj, ("status",)):
            mark(session, obj.id)
    for obj in session.deleted:
        if isinstance(obj, Review) and _was_submitted(obj):
            mark(session, obj.proposal_id, obj.reviewer_id, obj.stage)
        elif isinstance(obj, Proposal):
            # its reviews go with it (ON DELETE CASCADE): their reviewers' scales change
            for rid, stage in session.execute(select(Review.reviewer_id, Review.stage).where(
                    Review.proposal_id == obj.id, Review.status == ReviewStatus.submitted)).all():
                session.info.setdefault(_PENDING, set()).add(("round", obj.round_id, (rid, Stage(stage))))


def _refresh_pending(session: Session) -> None:
    if session._is_clean() and not session.info.get(_PENDING):  # noqa: SLF001
        return
    session.flush()  # before_commit runs before commit's own flush: collect what it would write
    pending = session.info.pop(_PENDING, set())
    if not pending:
        return
    if ("bulk",) in pending:  # a statement changed rows the unit of work does not see: rebuild every built round
        for round_id in session.scalars(select(ScoreState.round_id)).all():
            rebuild(session, round_id)
        return
    rounds_of: dict = {}
    work: dict = defaultdict(lambda: (set(), set()))  # (round, stage) -> (reviewers, proposals)
    whole: list = []
    for item in pending:
        if item[0] == "round":
            _tag, round_id, (rid, stage) = item
            work[(round_id, stage)][0].add(rid)
        else:
            whole.append(item)
    pids = sorted({item[0] for item in whole if item[0] is not None})
    if pids:
        rounds_of = dict(session.execute(select(Proposal.id, Proposal.round_id).where(Proposal.id.in_(pids))).all())
        everyone = [pid for pid, rid, _stage in whole if rid is None]
        reviewers_of: dict = defaultdict(set)
        if everyone:
            for pid, rid, stage in session.execute(select(Review.proposal_id, Review.reviewer_id, Review.stage).where(
                    Review.proposal_id.in_(sorted(set(everyone))), Review.status == ReviewStatus.submitted)).all():
                reviewers_of[pid].add((rid, Stage(stage)))
        for pid, rid, stage in whole:
            round_id = rounds_of.get(pid)
            if round_id is None:
                continue  # the proposal is gone (its rows went with it)
            if rid is None:
                for r, s in reviewers_of.get(pid, ()):
                    reviewers, proposals = work[(round_id, s)]
                    reviewers.add(r)
                    proposals.add(pid)
                for s in Stage:
                    work[(round_id, s)][1].add(pid)
            else:
                reviewers, proposals = work[(round_id, stage)]
                reviewers.add(rid)
                proposals.add(pid)
    built: set = set()
    for (round_id, stage), (reviewers, proposals) in sorted(work.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        if round_id in built:
            continue
        if session.get(ScoreState, round_id) is None:
            rebuild(session, round_id)
            built.add(round_id)
            continue
        refresh(session, round_id, stage, reviewers, proposals)


_INPUT_TABLES = frozenset({"review", "proposal"})


def _bulk(state) -> None:
    """An insert/update/delete statement on reviews or proposals run through the session (not the unit of work)."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _INPUT_TABLES:
            state.session.info.setdefault(_PENDING, set()).add(("bulk",))


def _forget(session: Session, transaction) -> None:
    # only when the whole transaction ends: a savepoint rolled back inside it leaves marks that are at worst
    # extra (a refresh recomputes from what the database holds), never missing
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


event.listen(Session, "before_flush", _collect)
event.listen(Session, "before_commit", _refresh_pending)
event.listen(Session, "after_transaction_end", _forget)
event.listen(Session, "do_orm_execute", _bulk)
