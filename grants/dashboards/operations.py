"""Figures for the admin dashboards: READ-ONLY, plain data out, a constant number of queries.

Every figure is computed with GROUP BY in SQL (or, for the review statistics, from the stored score
aggregates of ``grants.ranking.aggregates``, one row per received proposal, finished by
``grants.rules.scoring.finish``), so a page costs the same number of queries for 5 proposals or 5,000.
The review statistics count received proposals only (not draft or withdrawn), as the ranking does.

Definitions (shown on the pages too):

* **received** proposal: ``submitted_at`` set and status neither draft nor withdrawn;
* **funded** proposal: it has an ``Award`` that is not withdrawn; funds granted = sum of
  ``Award.amount``; the outcomes (funds paid, projects completed, person-times served, matching
  funds) are sums of agreement payments, reports and evaluations: ``grants.dashboards.outcomes``;
* ``Proposal.districts`` is a list: a proposal serving several districts is COUNTED in each
  district, and its award is SPLIT EVENLY across its districts (so district amounts add up to
  the total granted, district counts may add up to more than the number of proposals);
* days are local calendar days (``grants.platform.localtime``: the configured zone, Asia/Shanghai).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Interval, String, and_, cast, func, literal, select

from grants.dashboards import outcomes
from grants.extensions import db
from grants.models import (
    Assignment,
    Award,
    Category,
    District,
    Proposal,
    ProposalStatus,
    Review,
    ReviewStatus,
    Round,
    Stage,
    User,
)
from grants.platform import i18n, localtime, numbers
from grants.ranking import aggregates
from grants.rules import scoring

NOT_RECEIVED = (ProposalStatus.draft, ProposalStatus.withdrawn)
BIN_WIDTH = 10


def _received():
    return and_(Proposal.submitted_at.is_not(None), Proposal.status.not_in(NOT_RECEIVED))


def _day_expression(rnd: Round):
    """The local calendar day of ``Proposal.submitted_at`` (stored as naive UTC), per dialect.

    SQL adds one fixed offset: the zone's offset at the round's deadline. Exact for Asia/Shanghai
    (no daylight saving since 1991); in a zone with daylight saving a submission within an hour of
    midnight on the other side of a clock change could be counted on the neighbouring day.
    """
    offset = localtime.utc_offset(rnd.call_closes_at)
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(Proposal.submitted_at, f"{int(offset.total_seconds()):+d} seconds")
    return cast(Proposal.submitted_at + literal(offset, Interval()), Date)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _districts_of(text) -> list[str]:
    """The district codes stored in a JSON list (as text); unknown or malformed entries are kept as-is."""
    try:
        codes = json.loads(text) if isinstance(text, str) else list(text or [])
    except ValueError:
        return []
    return [str(c) for c in codes if c] if isinstance(codes, list) else []


def _money(value) -> Decimal:
    """A SUM from SQL (None when there were no rows) as yuan, rounded half-up to the fen."""
    return numbers.quantize(value or 0)


# --------------------------------------------------------------------------- one round


@dataclass
class ReviewerProgress:
    reviewer_id: int
    name: str
    assigned: int
    submitted: int


@dataclass
class RoundFigures:
    round: Round
    categories: list[Category]
    received: int = 0
    cumulative: list[tuple[date, int]] = field(default_factory=list)  # Beijing day -> received so far
    daily: list[tuple[date, int]] = field(default_factory=list)
    deadline_day: date | None = None
    late: int = 0  # received after the deadline (e.g. resubmitted after a return)
    by_category: list[tuple[int | None, int]] = field(default_factory=list)  # category id -> proposals
    by_district: dict[str, int] = field(default_factory=dict)  # district code -> proposals serving it
    multi_district: int = 0  # proposals serving more than one district
    reviewers: list[ReviewerProgress] = field(default_factory=list)
    assigned_total: int = 0
    submitted_total: int = 0
    histogram: dict[int | None, list[int]] = field(default_factory=dict)  # category id -> counts per bin
    bin_edges: list[int] = field(default_factory=list)
    scored: int = 0  # proposals with at least one submitted written review
    flagged_range: int = 0
    flagged_sd: int = 0
    flagged_any: int = 0
    funded_by_category: list[tuple[int | None, int, Decimal]] = field(default_factory=list)  # id, projects, amount
    funded_by_district: dict[str, Decimal] = field(default_factory=dict)
    funded_total: Decimal = Decimal("0.00")
    funded_projects: int = 0
    outcomes: outcomes.Outcomes | None = None


def round_figures(round_id: int) -> RoundFigures | None:
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        return None
    categories = list(db.session.scalars(
        select(Category).where(Category.round_id == rnd.id).order_by(Category.position, Category.id)))
    fig = RoundFigures(round=rnd, categories=categories)
    _submissions(fig)
    _by_category_and_district(fig)
    _review_progress(fig)
    _score_statistics(fig)
    _funding(fig)
    fig.outcomes = outcomes.outcomes(rnd.id)
    return fig


def _submissions(fig: RoundFigures) -> None:
    rnd = fig.round
    day = _day_expression(rnd).label("day")
    rows = db.session.execute(
        select(day, func.count(Proposal.id)).where(Proposal.round_id == rnd.id, _received()).group_by(day).order_by(day)
    ).all()
    daily = [(_as_date(d), n) for d, n in rows if d is not None]
    fig.daily = daily
    fig.deadline_day = localtime.local_date(rnd.call_closes_at)
    running = 0
    for d, n in daily:
        running += n
        fig.cumulative.append((d, running))
        if d > fig.deadline_day:
            fig.late += n
    fig.received = running
    if fig.cumulative:
        # start the line on the day the call opened, at zero
        opens = localtime.local_date(rnd.call_opens_at)
        if opens < fig.cumulative[0][0]:
            fig.cumulative.insert(0, (opens, 0))


def _by_category_and_district(fig: RoundFigures) -> None:
    rid = fig.round.id
    counts = dict(db.session.execute(
        select(Proposal.category_id, func.count(Proposal.id))
        .where(Proposal.round_id == rid, _received()).group_by(Proposal.category_id)
    ).all())
    fig.by_category = [(c.id, counts.pop(c.id, 0)) for c in fig.categories]
    fig.by_category += [(cid, n) for cid, n in counts.items()]  # no category (or a foreign one)
    # GROUP BY the stored list (as text): one row per distinct combination of districts.
    combo = cast(Proposal.districts, String).label("combo")
    by_district: dict[str, int] = defaultdict(int)
    for text, n in db.session.execute(
        select(combo, func.count(Proposal.id)).where(Proposal.round_id == rid, _received()).group_by(combo)
    ).all():
        codes = list(dict.fromkeys(_districts_of(text)))
        for code in codes:
            by_district[code] += n
        if len(codes) > 1:
            fig.multi_district += n
    fig.by_district = _district_order(by_district)


def _district_order(values: dict) -> dict:
    known = [d.value for d in District]
    ordered = {code: values[code] for code in known if code in values}
    ordered.update({code: v for code, v in values.items() if code not in ordered})
    return ordered


def _review_progress(fig: RoundFigures) -> None:
    rid = fig.round.id
    submitted = func.count(Review.id)
    rows = db.session.execute(
        select(User.id, User.name, func.count(Assignment.id), submitted)
        .select_from(Assignment)
        .join(User, User.id == Assignment.reviewer_id)
        .outerjoin(Review, and_(Review.proposal_id == Assignment.proposal_id, Review.reviewer_id == Assignment.reviewer_id,
                                Review.stage == Stage.written, Review.status == ReviewStatus.submitted))
        .where(Assignment.round_id == rid, Assignment.stage == Stage.written)
        .group_by(User.id, User.name)
        .order_by(User.name, User.id)
    ).all()
    fig.reviewers = [ReviewerProgress(uid, name, assigned, done) for uid, name, assigned, done in rows]
    fig.assigned_total = sum(r.assigned for r in fig.reviewers)
    fig.submitted_total = sum(r.submitted for r in fig.reviewers)


def _score_statistics(fig: RoundFigures) -> None:
    """From the stored score aggregates (``grants.ranking.aggregates``: one row per received proposal, kept
    current with every review change), finished with the round's trim and disagreement settings."""
    rnd = fig.round
    stored = aggregates.load(db.session, rnd.id, criteria=False)
    parts = stored.parts.get("written", {})
    category_of = dict(db.session.execute(
        select(Proposal.id, Proposal.category_id).where(Proposal.round_id == rnd.id, _received())).all()) if parts else {}
    threshold = rnd.disagreement_threshold
    config = scoring.RoundConfig(
        min_for_trim=max(3, rnd.trim_min_reviews or 5),
        disagreement_measure="range",
        disagreement_threshold=threshold,
    )
    g_mean, g_sd = stored.spread.get("written", (Decimal(0), Decimal(0)))
    aggregates_ = {pid: scoring.finish(pid, "written", p, g_mean, g_sd, config) for pid, p in parts.items()
                   if pid in category_of}
    fig.scored = len(aggregates_)
    top = max((a.mean for a in aggregates_.values()), default=Decimal(100))
    n_bins = 100 // BIN_WIDTH if top <= 100 else int(top // BIN_WIDTH) + 1  # bonus points can pass 100
    fig.bin_edges = [i * BIN_WIDTH for i in range(n_bins + 1)]
    used = {category_of[pid] for pid in aggregates_}
    ids = [c.id for c in fig.categories] + sorted(used - {c.id for c in fig.categories},
                                                  key=lambda x: (x is None, x or 0))
    fig.histogram = {cid: [0] * n_bins for cid in ids}
    for pid, agg in aggregates_.items():
        index = min(int(agg.mean // BIN_WIDTH), n_bins - 1)  # the last bin includes its upper edge (100)
        fig.histogram[category_of[pid]][index] += 1
        by_range = agg.flagged
        by_sd = threshold is not None and agg.sd > threshold
        fig.flagged_range += by_range
        fig.flagged_sd += by_sd
        fig.flagged_any += by_range or by_sd


def _funding(fig: RoundFigures) -> None:
    rid = fig.round.id
    live = and_(Award.round_id == rid, Award.withdrawn.is_(False))
    amounts = {cid: (n, _money(total)) for cid, n, total in db.session.execute(
        select(Proposal.category_id, func.count(Award.id), func.sum(Award.amount))
        .join(Proposal, Proposal.id == Award.proposal_id).where(live).group_by(Proposal.category_id)
    ).all()}
    fig.funded_by_category = [(c.id, *amounts.pop(c.id, (0, Decimal("0.00")))) for c in fig.categories]
    fig.funded_by_category += [(cid, n, total) for cid, (n, total) in amounts.items()]
    fig.funded_projects = sum(n for _c, n, _t in fig.funded_by_category)
    fig.funded_total = sum((t for _c, _n, t in fig.funded_by_category), Decimal("0.00"))
    combo = cast(Proposal.districts, String).label("combo")
    by_district: dict[str, Decimal] = defaultdict(Decimal)
    for text, total in db.session.execute(
        select(combo, func.sum(Award.amount)).join(Proposal, Proposal.id == Award.proposal_id).where(live).group_by(combo)
    ).all():
        codes = list(dict.fromkeys(_districts_of(text)))
        if not codes:
            continue
        share = Decimal(total or 0) / len(codes)  # split evenly across the proposal's districts
        for code in codes:
            by_district[code] += share
    fig.funded_by_district = {k: _money(v) for k, v in _district_order(by_district).items()}


# --------------------------------------------------------------------------- across rounds


@dataclass
class EditionFigures:
    round_id: int
    edition: int
    name: str
    received: int = 0
    funded_projects: int = 0
    funds_granted: Decimal = Decimal("0.00")
    funds_paid: Decimal = Decimal("0.00")
    projects_completed: int = 0
    person_times: int = 0  # served, as reported (grants.dashboards.outcomes)
    matching_funds: Decimal = Decimal("0.00")  # the funded NGOs' own 配套資金: reported, else pledged
    matching_reported: int = 0


@dataclass
class Overview:
    editions: list[EditionFigures]
    received: int
    funded_projects: int
    funds_granted: Decimal
    funds_paid: Decimal
    projects_completed: int
    person_times: int
    matching_funds: Decimal
    matching_reported: int
    by_group: dict[str, int]
    by_district: dict[str, int]


def overview() -> Overview:
    """Per edition (oldest first) and in total: proposals received, then the outcomes of
    ``grants.dashboards.outcomes`` (funds granted and paid, projects completed, person-times served,
    matching funds). Seven queries."""
    rounds = [(r.id, r.edition, i18n.label(r)) for r in db.session.scalars(select(Round).order_by(Round.edition))]
    received = dict(db.session.execute(
        select(Proposal.round_id, func.count(Proposal.id)).where(_received()).group_by(Proposal.round_id)
    ).all())
    found = outcomes.outcomes()
    editions = []
    for rid, edition, name in rounds:
        o = found.editions.get(rid) or outcomes.EditionOutcomes()
        editions.append(EditionFigures(
            rid, edition, name, received.get(rid, 0), o.funded_projects, o.funds_granted, o.funds_paid,
            o.projects_completed, o.person_times, o.matching_funds, o.matching_reported))
    t = found.total
    return Overview(
        editions=editions, received=sum(e.received for e in editions), funded_projects=t.funded_projects,
        funds_granted=t.funds_granted, funds_paid=t.funds_paid, projects_completed=t.projects_completed,
        person_times=t.person_times, matching_funds=t.matching_funds, matching_reported=t.matching_reported,
        by_group=found.by_group, by_district=found.by_district,
    )
