"""Ranking: submitted reviews from the database -> grants.rules.scoring -> plain rows for pages and exports.

``round_scores(rnd)`` reads the round in a fixed number of queries whatever its size (rubrics,
proposals, the stored score aggregates of ``grants.ranking.aggregates``, reviewer names), never
hydrates ORM objects for reviews, finishes and ranks them with the round's settings
(:func:`grants.rules.scoring.finish`, :func:`grants.rules.scoring.rank_aggregates`: the same result as
:func:`grants.rules.scoring.score_round` over the raw reviews) and returns :class:`Ranking`: one plain
:class:`Row` per proposal, in overall rank order.

Review points: ``Review.total`` already includes the capped bonus, so it is passed as
``ReviewScore.total`` with ``bonus=0``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Category,
    Organization,
    Proposal,
    ProposalStatus,
    Review,
    ReviewStatus,
    RubricVersion,
    Stage,
    User,
)
from grants.ranking import aggregates
from grants.rules import rubric as rubric_mod
from grants.rules import scoring

BASES = ("trimmed", "mean", "median", "standardised")
STAGES = ("written", "roadshow")
# Proposals that may appear unscored in the ranking (others show up only when they have reviews).
ACTIVE_STATUSES = (ProposalStatus.eligible, ProposalStatus.shortlisted, ProposalStatus.awarded,
                   ProposalStatus.not_awarded)


@dataclass(slots=True)
class Row:
    id: int
    number: str
    blind_code: str
    name: str
    organization: str
    category: str
    category_id: int | None
    status: str
    requested: Decimal
    submitted_at: datetime | None
    stats: dict = field(default_factory=dict)  # stage -> scoring.ProposalAggregate
    totals: dict = field(default_factory=dict)  # stage -> {reviewer_id: (total as stored: 2 decimals, vetoed)}
    written: Decimal | None = None
    roadshow: Decimal | None = None
    score: Decimal | None = None  # blended
    complete: bool = False
    disqualified: bool = False
    vetoed: bool = False  # any vetoing review (even when the policy does not disqualify)
    rank: int | None = None
    category_rank: int | None = None
    decided_by: str | None = None
    category_decided_by: str | None = None
    ranked: bool = False


@dataclass
class Ranking:
    config: scoring.RoundConfig
    result: scoring.RoundResult
    rows: list[Row]  # ranked rows in overall order, then unscored rows
    reviewers: dict  # stage -> [(reviewer_id, name)] in name order
    categories: list[tuple[int, str]]
    rubrics: dict  # stage -> grants.rules.rubric.Rubric (latest version)
    basis: str

    def category_rows(self, category: str) -> list[Row]:
        rows = [r for r in self.rows if r.category == category and r.ranked]
        rows.sort(key=lambda r: self._cat_pos.get(r.id, 0))
        return rows

    def __post_init__(self) -> None:
        self._cat_pos = {}
        for ranked in self.result.by_category.values():
            for i, rr in enumerate(ranked):
                self._cat_pos[rr.proposal_id] = i

    @property
    def by_id(self) -> dict[int, Row]:
        return {r.id: r for r in self.rows}


def latest_rubrics(round_id: int) -> dict[str, rubric_mod.Rubric]:
    rows = db.session.execute(
        select(RubricVersion.stage, RubricVersion.version, RubricVersion.definition)
        .where(RubricVersion.round_id == round_id)
        .order_by(RubricVersion.stage, RubricVersion.version)
    ).all()
    out: dict[str, rubric_mod.Rubric] = {}
    for stage, _version, definition in rows:
        try:
            out[str(stage)] = rubric_mod.rubric_from_dict(definition)
        except rubric_mod.RubricError:
            continue
    return out


def stage_weights(rnd) -> dict[str, int | Decimal]:
    weights = dict(rnd.stage_weights or {"written": 100})
    return {str(k): (Decimal(str(v)) if not isinstance(v, int) else v) for k, v in weights.items()}


def round_config(rnd, basis: str | None = None, rubrics: dict | None = None) -> scoring.RoundConfig:
    weights = stage_weights(rnd)
    rubrics = rubrics if rubrics is not None else latest_rubrics(rnd.id)
    max_points = max((rubric_mod.max_total(r, with_bonus=True) for r in rubrics.values()), default=Decimal(100))
    basis = basis if basis in BASES else (rnd.score_basis if rnd.score_basis in BASES else "trimmed")
    return scoring.RoundConfig(
        stage_weights=weights,
        min_for_trim=max(3, rnd.trim_min_reviews or 5),
        max_points=max_points,
        veto_policy=rnd.veto_policy if rnd.veto_policy in ("any", "majority") else "any",
        basis=basis,
        disagreement_measure="range",
        disagreement_threshold=rnd.disagreement_threshold,
        tiebreak_stage="roadshow" if "roadshow" in weights else None,
        tiebreak_criterion=rnd.tiebreak_criterion or None,
    )


def review_rows(round_id: int, *, with_scores: bool = False):
    """Columns of every submitted review of the round (one query on the tables: no ORM objects, no ORM
    row loading; rows are read on every ranking view, so this is the page's largest read)."""
    rv, pr = Review.__table__.c, Proposal.__table__.c
    cols = [rv.proposal_id, rv.reviewer_id, rv.stage, rv.total, rv.vetoed]
    if with_scores:
        cols += [rv.scores, rv.bonus, rv.veto_answers, rv.submitted_at]
    return db.session.execute(
        select(*cols)
        .join(Proposal.__table__, pr.id == rv.proposal_id)
        .where(pr.round_id == round_id, rv.status == ReviewStatus.submitted, rv.total.is_not(None))
        .order_by(rv.proposal_id, rv.reviewer_id)
    ).all()


def reviewer_names(round_id: int) -> dict[int, str]:
    ids = (
        select(Review.reviewer_id)
        .join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.round_id == round_id, Review.status == ReviewStatus.submitted)
        .distinct()
    )
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


@dataclass(frozen=True, slots=True)
class ReviewLine:
    """One submitted review as the score matrix shows it.

    ``bonus`` is the bonus that counts: min(Σ bonus values, the bonus cap of the rubric version the
    review was scored with), i.e. exactly what ``Review.total`` (the ranking page's per-reviewer
    total) contains; ``bonus_claimed`` is the plain sum the reviewer entered."""

    proposal_id: int
    reviewer_id: int
    reviewer: str
    stage: str
    scores: dict  # criterion key -> Decimal (as entered, unweighted)
    bonus: Decimal
    bonus_claimed: Decimal
    total: Decimal
    vetoed: bool
    submitted_at: datetime | None


def review_lines(round_id: int) -> list[ReviewLine]:
    """Every submitted review of the round with its counted bonus (3 queries, no ORM objects)."""
    rubrics: dict[int, rubric_mod.Rubric | None] = {}
    for version_id, definition in db.session.execute(
            select(RubricVersion.id, RubricVersion.definition).where(RubricVersion.round_id == round_id)):
        try:
            rubrics[version_id] = rubric_mod.rubric_from_dict(definition)
        except rubric_mod.RubricError:
            rubrics[version_id] = None
    names = reviewer_names(round_id)
    rows = db.session.execute(
        select(Review.proposal_id, Review.reviewer_id, Review.stage, Review.total, Review.vetoed, Review.scores,
               Review.bonus, Review.submitted_at, Review.rubric_version_id)
        .join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.round_id == round_id, Review.status == ReviewStatus.submitted, Review.total.is_not(None))
        .order_by(Review.proposal_id, Review.reviewer_id)
    ).all()
    out = []
    for r in rows:
        claimed = sum(aggregates.criteria(r.bonus).values(), Decimal(0))
        out.append(ReviewLine(
            proposal_id=r.proposal_id, reviewer_id=r.reviewer_id, reviewer=names.get(r.reviewer_id, str(r.reviewer_id)),
            stage=str(r.stage), scores=aggregates.criteria(r.scores), bonus=_counted_bonus(rubrics.get(r.rubric_version_id),
                                                                                 r.bonus, claimed),
            bonus_claimed=claimed, total=r.total, vetoed=bool(r.vetoed), submitted_at=r.submitted_at))
    return out


def _counted_bonus(rubric: rubric_mod.Rubric | None, bonus: dict | None, claimed: Decimal) -> Decimal:
    """As ``grants.rules.rubric.total`` counts it when the review is submitted."""
    if rubric is None:
        return claimed
    try:
        return rubric_mod.bonus_total(rubric, bonus or {})
    except rubric_mod.ScoreError:  # a value the current rules refuse: the cap still applies
        return min(claimed, rubric.bonus_cap)


def round_scores(rnd, basis: str | None = None) -> Ranking:
    """The round's ranking from the stored score aggregates (``grants.ranking.aggregates``: one row per
    proposal and stage, kept current in the transaction of every review change) finished with the
    round's settings by the pure scoring module: equal to ``scoring.score_round`` over the raw reviews.
    A fixed number of queries whatever the round's size; nothing is kept between requests."""
    rubrics = latest_rubrics(rnd.id)
    config = round_config(rnd, basis, rubrics)
    prows = db.session.execute(
        select(Proposal.id, Proposal.number, Proposal.blind_code, Proposal.name, Organization.name,
               Category.name, Proposal.category_id, Proposal.status, Proposal.requested, Proposal.submitted_at)
        .join(Organization, Organization.id == Proposal.organization_id)
        .outerjoin(Category, Category.id == Proposal.category_id)
        .where(Proposal.round_id == rnd.id, Proposal.status.not_in([ProposalStatus.draft, ProposalStatus.withdrawn]))
        .order_by(Proposal.id)
    ).all()
    rows: dict[int, Row] = {}
    infos = []
    for pid, number, blind, name, org, cat, cat_id, status, requested, submitted in prows:
        rows[pid] = Row(pid, number or "", blind or "", name, org, cat or "", cat_id, str(status),
                        requested or Decimal(0), submitted)
        infos.append(scoring.ProposalInfo(pid, cat or "", submitted))

    stored = aggregates.load(db.session, rnd.id, criteria=bool(config.tiebreak_criterion))
    aggs: dict[str, dict] = {}
    seen_reviewers: dict[str, set[int]] = {}
    for stage in config.stage_weights:
        parts = stored.parts.get(stage)
        if not parts:
            continue
        g_mean, g_sd = stored.spread[stage]
        aggs[stage] = scoring.finish_all(stage, parts, g_mean, g_sd, config, only=rows)
        seen = seen_reviewers[stage] = set()
        for pid, marks in stored.marks[stage].items():
            row = rows.get(pid)
            if row is None:
                continue
            row.totals[stage] = marks
            seen.update(marks)
            if any(vetoed for _total, vetoed in marks.values()):
                row.vetoed = True
    result = scoring.rank_aggregates(aggs, infos, config)
    names = reviewer_names(rnd.id) if seen_reviewers else {}
    for stage, stage_aggs in result.aggregates.items():
        for pid, agg in stage_aggs.items():
            rows[pid].stats[stage] = agg
    for pid, b in result.blended.items():
        row = rows[pid]
        row.written = b.stage_scores.get("written")
        row.roadshow = b.stage_scores.get("roadshow")
        row.score = b.score
        row.complete = b.complete
    ordered = []
    for rr in result.overall:
        row = rows[rr.proposal_id]
        row.rank = rr.rank
        row.decided_by = rr.decided_by
        row.disqualified = rr.disqualified
        row.ranked = True
        ordered.append(row)
    for ranked in result.by_category.values():
        for rr in ranked:
            rows[rr.proposal_id].category_rank = rr.rank
            rows[rr.proposal_id].category_decided_by = rr.decided_by
    active = {str(s) for s in ACTIVE_STATUSES}
    ordered += [rows[pid] for pid in result.unscored if rows[pid].status in active]

    reviewers = {
        stage: sorted(((rid, names.get(rid, str(rid))) for rid in ids), key=lambda t: (t[1], t[0]))
        for stage, ids in seen_reviewers.items()
    }
    cats = [(c.id, c.name) for c in sorted(rnd.categories, key=lambda c: c.position)]
    return Ranking(config, result, ordered, reviewers, cats, rubrics, config.basis)


def explain(decided_by: str | None, rubrics: dict | None = None, lang: str | None = None) -> str:
    """The tie-break that placed a row below the one above it, in words ("" when the score did)."""
    if decided_by in (None, "score"):
        return ""
    if decided_by == "veto":
        return _("Disqualified by a veto: listed after every qualified proposal.")
    if decided_by == "complete":
        return _("Not scored in every stage: ranked after the proposals scored in all stages.")
    if decided_by.startswith("stage:"):
        stage = decided_by.split(":", 1)[1]
        stage_name = _("roadshow") if stage == "roadshow" else _("written review")
        return _("Same total score; the %(stage)s score decides.", stage=stage_name)
    if decided_by.startswith("criterion:"):
        key = decided_by.split(":", 1)[1]
        label = key
        for rub in (rubrics or {}).values():
            try:
                label = rub.criterion(key).label.get(lang)
                break
            except KeyError:
                continue
        return _("Same score in every stage; the mean for \u201c%(criterion)s\u201d decides.", criterion=label)
    if decided_by == "submitted_at":
        return _("Tied on every score; the proposal submitted earlier comes first.")
    if decided_by == "proposal_id":
        return _("Tied on every score and submission time; the earlier registered proposal comes first.")
    return decided_by


def stage_scores_json(ranking: Ranking) -> list[dict]:
    """Plain rows (strings) for exports and tests."""
    out = []
    for r in ranking.rows:
        out.append({
            "id": r.id, "number": r.number, "rank": r.rank, "category_rank": r.category_rank,
            "score": None if r.score is None else str(r.score),
            "written": None if r.written is None else str(r.written),
            "roadshow": None if r.roadshow is None else str(r.roadshow),
            "disqualified": r.disqualified, "decided_by": r.decided_by,
        })
    return out


__all__ = ["BASES", "STAGES", "Ranking", "Row", "explain", "latest_rubrics", "review_rows", "round_config",
           "round_scores", "reviewer_names", "stage_weights", "Stage"]
