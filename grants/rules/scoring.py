"""Score aggregation, stage blending and ranking (PURE: no Flask, no SQLAlchemy).

Everything here works on plain frozen dataclasses and ``Decimal``.

Conventions
===========
* **Points of a review** = ``total + bonus``.  ``total`` is the rubric points of the review
  (criteria, without bonus); ``bonus`` is the bonus already capped by the rubric module.
* **Precision.**  All arithmetic runs in one local Decimal context (``prec=40``).  Published
  figures are rounded ONCE at the end to 2 decimals with ``ROUND_HALF_UP`` (84.125 -> 84.13,
  84.124999 -> 84.12).  Blending uses the unrounded stage scores.
* **Comparisons that the public sees use published (rounded) values**: ranking compares the
  rounded blended score, rounded tie-break stage score and rounded criterion mean, so two
  rows that *look* tied on the page are ordered by the next tie-break, and ``decided_by``
  names a key whose published values really differ.  The disagreement flag also compares
  the published value with the threshold.

Per-proposal statistics (one stage, its submitted reviews; n = number of reviews)
------------------------------------------------------------------------------
* ``mean``           sum / n
* ``median``         middle value; mean of the two middle values when n is even
* ``trimmed_mean``   去掉一個最高分和一個最低分: (sum - max - min) / (n - 2) when
                     n >= ``min_for_trim`` (default 5, at least 3); otherwise the plain mean
                     (``trimmed`` tells which one was used)
* ``standardised``   標準分.  For each reviewer r, over ALL proposals r scored in the stage:
                     mu_r = mean, sd_r = population sd;  z = (x - mu_r) / sd_r.
                     A reviewer with a single score, or sd_r = 0, gets z = 0 for every review
                     (no information about their scale).  Over all reviews of the stage:
                     G = mean of points, S = population sd of points.  Then
                         standardised = clamp(G + mean(z over the proposal's reviews) * S,
                                              0, max_points)
                     The z-scores are averaged plainly (no trimming).  If S = 0 every
                     proposal gets G.
* ``score_range``    max - min (0 for one review)
* ``sd``             POPULATION standard deviation sqrt(sum((x - mean)^2) / n): the panel's
                     scores are the whole population of opinions on the proposal, and it is
                     defined (0) for a single review.
* ``flagged``        the chosen ``disagreement_measure`` ("range" or "sd"), rounded, is
                     strictly greater than ``disagreement_threshold`` (never when None).
* Veto: ``veto_policy="any"`` (default) -> one vetoing review disqualifies;
  ``"majority"`` -> strictly more than half of the stage's reviews must veto.
  A vetoed review's points still count in every statistic (and in its reviewer's z-scale);
  the proposal is listed, marked ``disqualified``, and ranked after all qualified ones.

Stage blending
--------------
``stage_weights`` are PERCENTAGES (``{"written": 40, "roadshow": 60}``) that must sum to
exactly 100 (``ValueError`` otherwise).  A proposal with a score in every stage is
*complete*: blended = sum(w_s * score_s) / 100.  A proposal missing a stage (e.g. not
shortlisted for the roadshow) is *incomplete*: its score is the weighted mean over the stages
it has (weights renormalised; for written+roadshow that is simply its written score), and it
is ranked after ALL complete proposals.  Missing is never treated as 0.  A proposal is
disqualified when any stage disqualifies it.

Ranking (overall and within each category), a deterministic chain
-----------------------------------------------------------------
1. qualified before disqualified (``decided_by="veto"``)
2. complete before incomplete (``"complete"``)
3. blended score, desc (``"score"``)
4. score of ``tiebreak_stage`` (e.g. "roadshow"), desc, missing last (``"stage:roadshow"``)
5. mean of ``tiebreak_criterion`` in the first stage (in weight order) whose reviews carry
   it, desc, missing last (``"criterion:<name>"``)
6. earlier proposal submission time, missing last (``"submitted_at"``)
7. proposal id, asc (``"proposal_id"``)
Rank numbers are sequential 1, 2, 3, ... for qualified rows; disqualified rows have
``rank=None``.  ``decided_by`` names the first key of the chain on which a row differs from
the row above it (``None`` for the first row).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Literal

__all__ = [
    "BlendedScore",
    "ProposalAggregate",
    "ProposalInfo",
    "RankInput",
    "RankedRow",
    "ReviewScore",
    "RoundConfig",
    "RoundResult",
    "aggregate",
    "blend",
    "publish",
    "rank",
    "ProposalParts",
    "finish",
    "finish_all",
    "parts",
    "rank_aggregates",
    "rank_from",
    "reference_aggregate",
    "reviewer_scale",
    "score_round",
    "spread",
    "sums",
    "z_score",
]

ProposalId = Hashable
VetoPolicy = Literal["any", "majority"]
Basis = Literal["mean", "median", "trimmed", "standardised"]
Measure = Literal["range", "sd"]

CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
_CTX = Context(prec=40, rounding=ROUND_HALF_EVEN)


def publish(value: Decimal) -> Decimal:
    """Round a figure as panels announce it: 2 decimals, half-up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _as_decimal(value: object, what: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        return Decimal(value)
    raise TypeError(f"{what} must be a Decimal (or int/str), not {type(value).__name__}")


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class ReviewScore:
    """One submitted review of one proposal in one stage.

    Points used everywhere = ``total + bonus``.  From ``grants.rules.rubric`` pass either
    ``total=base_total(...)`` and ``bonus=bonus_total(...)``, or the rubric's combined
    ``total`` with ``bonus`` left at 0 -- never both, or the bonus counts twice.
    """

    proposal_id: ProposalId
    reviewer_id: Hashable
    total: Decimal  # rubric points, bonus excluded
    vetoed: bool = False
    criteria: Mapping[str, Decimal] = field(default_factory=dict)
    submitted_at: datetime | None = None  # the review's submission time (audit only)
    bonus: Decimal = ZERO  # already capped by the rubric
    stage: str = "written"

    def __post_init__(self) -> None:
        if type(self.total) is not Decimal:
            object.__setattr__(self, "total", _as_decimal(self.total, "total"))
        if type(self.bonus) is not Decimal:
            object.__setattr__(self, "bonus", _as_decimal(self.bonus, "bonus"))
        crit = self.criteria
        for v in crit.values():
            if type(v) is not Decimal:
                crit = {kk: _as_decimal(vv, f"criterion {kk!r}") for kk, vv in crit.items()}
                object.__setattr__(self, "criteria", crit)
                break

    @property
    def points(self) -> Decimal:
        return self.total + self.bonus


@dataclass(frozen=True, slots=True)
class ProposalInfo:
    proposal_id: ProposalId
    category: str
    submitted_at: datetime | None = None  # the proposal's submission time (tie-break 6)


@dataclass(frozen=True)
class RoundConfig:
    """Per-round scoring settings.  ``stage_weights`` are percentages summing to 100."""

    stage_weights: Mapping[str, Decimal | int | str] = field(default_factory=lambda: {"written": 100})
    min_for_trim: int = 5
    max_points: Decimal = HUNDRED  # rubric maximum incl. bonus cap; clamps the standardised score
    veto_policy: VetoPolicy = "any"
    basis: Basis = "trimmed"  # which statistic is a stage's score
    disagreement_measure: Measure = "range"
    disagreement_threshold: Decimal | None = None
    tiebreak_stage: str | None = None  # e.g. "roadshow"
    tiebreak_criterion: str | None = None  # criterion key, e.g. "feasibility"

    def __post_init__(self) -> None:
        weights: dict[str, Decimal] = {}
        for name, w in dict(self.stage_weights).items():
            if isinstance(w, float):
                raise TypeError(f"stage weight {name!r} is a float; use Decimal or int percentages")
            d = _as_decimal(w, f"stage weight {name!r}")
            if d < 0:
                raise ValueError(f"stage weight {name!r} is negative: {d}")
            weights[str(name)] = d
        if not weights:
            raise ValueError("a round needs at least one stage weight")
        total = sum(weights.values(), ZERO)
        if total != HUNDRED:
            hint = " (weights are percentages: write 40 and 60, not 0.4 and 0.6)" if total == 1 else ""
            raise ValueError(f"stage weights must sum to exactly 100%, got {total}%{hint}")
        object.__setattr__(self, "stage_weights", weights)
        object.__setattr__(self, "max_points", _as_decimal(self.max_points, "max_points"))
        if self.disagreement_threshold is not None:
            object.__setattr__(
                self,
                "disagreement_threshold",
                _as_decimal(self.disagreement_threshold, "disagreement_threshold"),
            )
        if self.min_for_trim < 3:
            raise ValueError("min_for_trim must be at least 3 (trimming drops two scores)")
        if self.veto_policy not in ("any", "majority"):
            raise ValueError(f"veto_policy must be 'any' or 'majority', not {self.veto_policy!r}")
        if self.basis not in ("mean", "median", "trimmed", "standardised"):
            raise ValueError(f"unknown basis {self.basis!r}")
        if self.disagreement_measure not in ("range", "sd"):
            raise ValueError("disagreement_measure must be 'range' or 'sd'")
        if self.tiebreak_stage is not None and self.tiebreak_stage not in weights:
            raise ValueError(
                f"tiebreak_stage {self.tiebreak_stage!r} is not one of the stages {list(weights)}"
            )


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True, slots=True)
class ProposalAggregate:
    """Published (2 dp, half-up) statistics of one proposal in one stage."""

    proposal_id: ProposalId
    stage: str
    n: int
    mean: Decimal
    median: Decimal
    trimmed_mean: Decimal
    trimmed: bool  # True when one highest and one lowest were dropped
    standardised: Decimal
    score_range: Decimal
    sd: Decimal  # population sd
    flagged: bool  # disagreement above the round's threshold
    veto_count: int
    disqualified: bool
    score: Decimal  # the statistic named by RoundConfig.basis
    criteria_mean: Mapping[str, Decimal]
    exact_score: Decimal  # unrounded ``score``, used for blending


@dataclass(frozen=True, slots=True)
class BlendedScore:
    proposal_id: ProposalId
    score: Decimal  # published
    complete: bool  # has a score in every stage
    missing: tuple[str, ...]
    stage_scores: Mapping[str, Decimal]  # published per-stage scores
    exact: Decimal  # unrounded


@dataclass(frozen=True, slots=True)
class RankInput:
    """One row to rank.  Decimal values should be the published (rounded) figures."""

    proposal_id: ProposalId
    category: str
    score: Decimal
    complete: bool = True
    disqualified: bool = False
    stage_score: Decimal | None = None  # tie-break stage (e.g. roadshow) score
    criterion_score: Decimal | None = None
    submitted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RankedRow:
    rank: int | None  # None when disqualified
    proposal_id: ProposalId
    category: str
    score: Decimal
    complete: bool
    disqualified: bool
    decided_by: str | None  # first tie-break key differing from the row above
    stage_score: Decimal | None
    criterion_score: Decimal | None
    submitted_at: datetime | None


@dataclass(frozen=True)
class RoundResult:
    aggregates: Mapping[str, Mapping[ProposalId, ProposalAggregate]]  # stage -> proposal -> stats
    blended: Mapping[ProposalId, BlendedScore]
    overall: tuple[RankedRow, ...]
    by_category: Mapping[str, tuple[RankedRow, ...]]
    unscored: tuple[ProposalId, ...]  # proposals with no score in any stage (not ranked)


# --------------------------------------------------------------------------- aggregation


def aggregate(
    reviews: Iterable[ReviewScore], config: RoundConfig | None = None
) -> dict[ProposalId, ProposalAggregate]:
    """Statistics per proposal over the submitted reviews of ONE stage.

    Returns only proposals that have at least one review; empty input gives ``{}``.
    """
    config = config or RoundConfig()
    reviews = list(reviews)
    if not reviews:
        return {}
    stages = {r.stage for r in reviews}
    if len(stages) != 1:
        raise ValueError(f"aggregate() takes reviews of one stage, got {sorted(stages)}")
    (stage,) = stages

    with localcontext(_CTX):
        return _aggregate(reviews, stage, config)


Z_QUANTUM = Decimal("1e-30")  # z-scores are fixed-point: their sums are exact, whatever the order


def sums(points: Iterable[Decimal]) -> tuple[int, Decimal, Decimal]:
    """(count, sum, sum of squares) of points: exact (points have 2 decimals), so sums of sums are too."""
    with localcontext(_CTX):
        return _sums(points)


def _sums(points: Iterable[Decimal]) -> tuple[int, Decimal, Decimal]:
    n, s, s2 = 0, ZERO, ZERO
    for v in points:
        n += 1
        s += v
        s2 += v * v
    return n, s, s2


def spread(n: int, s: Decimal, s2: Decimal) -> tuple[Decimal, Decimal]:
    """(mean, population sd) from exact sums: var = (n * s2 - s^2) / n^2, one rounding, whatever the
    order the sums were taken in.  Zero sd when ``n < 2``."""
    with localcontext(_CTX):
        return _spread(n, s, s2)


def _spread(n: int, s: Decimal, s2: Decimal) -> tuple[Decimal, Decimal]:
    if n == 0:
        return ZERO, ZERO
    mean = s / n
    if n < 2:
        return mean, ZERO
    return mean, ((n * s2 - s * s) / (n * n)).sqrt()


def z_score(v: Decimal, scale: tuple[Decimal, Decimal] | None) -> Decimal:
    """(v - mu_r) / sd_r of a reviewer's scale (``spread`` of their points), fixed-point; 0 without a scale."""
    if scale is None:
        return ZERO
    with localcontext(_CTX):
        return ((v - scale[0]) / scale[1]).quantize(Z_QUANTUM)


def reviewer_scale(n: int, s: Decimal, s2: Decimal) -> tuple[Decimal, Decimal] | None:
    """A reviewer's (mu, sd) for z-scores, or None when they carry no information (one score, sd 0)."""
    with localcontext(_CTX):
        return _reviewer_scale(n, s, s2)


def _reviewer_scale(n: int, s: Decimal, s2: Decimal) -> tuple[Decimal, Decimal] | None:
    if n < 2:
        return None
    mu, sd = _spread(n, s, s2)
    return (mu, sd) if sd else None


@dataclass(frozen=True, slots=True)
class ProposalParts:
    """What one proposal's reviews in one stage contribute, before the round's settings apply.

    Everything here depends only on the proposal's own reviews and (``zsum``) on its reviewers'
    scales, so it can be stored per proposal and kept current; :func:`finish` turns it into a
    :class:`ProposalAggregate` with the round's settings and the stage's global mean and sd."""

    n: int
    points_sum: Decimal
    points_sum2: Decimal
    mean: Decimal  # exact (40 digits)
    median: Decimal
    trimmed_mean: Decimal | None  # (sum - max - min) / (n - 2) when n >= 3
    score_range: Decimal
    sd: Decimal
    zsum: Decimal  # sum of the reviews' fixed-point z-scores
    veto_count: int
    criteria_mean: Mapping[str, Decimal]  # published (2 dp)


def parts(points: Sequence[Decimal], zs: Sequence[Decimal], vetoes: int,
          criteria: Iterable[Mapping[str, Decimal]]) -> ProposalParts:
    """The :class:`ProposalParts` of one proposal from its reviews' points, z-scores, veto count and criteria."""
    with localcontext(_CTX):
        return _parts(points, zs, vetoes, criteria)


def _parts(points, zs, vetoes, criteria) -> ProposalParts:
    n = len(points)
    vals = sorted(points)
    s = s2 = ZERO
    for v in vals:
        s += v
        s2 += v * v
    mean = s / n
    half = n // 2
    median = vals[half] if n % 2 else (vals[half - 1] + vals[half]) / 2
    tmean = (s - vals[0] - vals[-1]) / (n - 2) if n >= 3 else None
    sd = (sum([(v - mean) * (v - mean) for v in vals], ZERO) / n).sqrt()
    zsum = sum(zs, ZERO)
    crit_sum: dict[str, Decimal] = {}
    crit_n: dict[str, int] = {}
    for c in criteria:
        for k, v in c.items():
            if k in crit_sum:
                crit_sum[k] += v
                crit_n[k] += 1
            else:
                crit_sum[k] = v
                crit_n[k] = 1
    crit_mean = {k: (crit_sum[k] / crit_n[k]).quantize(CENT, rounding=ROUND_HALF_UP) for k in crit_sum} \
        if crit_sum else _EMPTY
    return ProposalParts(n, s, s2, mean, median, tmean, vals[-1] - vals[0], sd, zsum, vetoes, crit_mean)


_EMPTY: Mapping[str, Decimal] = {}


def finish(pid: ProposalId, stage: str, p: ProposalParts, g_mean: Decimal, g_sd: Decimal,
           config: RoundConfig) -> ProposalAggregate:
    """The published statistics of one proposal from its :class:`ProposalParts`, the stage's global mean
    and sd (``spread`` over every review of the stage) and the round's settings."""
    with localcontext(_CTX):
        return _finish(pid, stage, p, g_mean, g_sd, config)


def finish_all(stage: str, parts_by_id: Mapping[ProposalId, ProposalParts], g_mean: Decimal, g_sd: Decimal,
               config: RoundConfig, only: Iterable[ProposalId] | None = None) -> dict[ProposalId, ProposalAggregate]:
    """:func:`finish` for many proposals of one stage (``only``: those ids, when given) in one decimal context."""
    with localcontext(_CTX):
        if only is None:
            return {pid: _finish(pid, stage, p, g_mean, g_sd, config) for pid, p in parts_by_id.items()}
        keep = only if isinstance(only, (set, frozenset, dict)) else set(only)
        return {pid: _finish(pid, stage, p, g_mean, g_sd, config) for pid, p in parts_by_id.items() if pid in keep}


def _finish(pid, stage, p, g_mean, g_sd, config) -> ProposalAggregate:
    q = CENT
    up = ROUND_HALF_UP
    n = p.n
    trimmed = n >= config.min_for_trim and p.trimmed_mean is not None
    tmean = p.trimmed_mean if trimmed else p.mean
    std = g_mean + (p.zsum / n) * g_sd
    if std < 0:
        std = ZERO
    elif std > config.max_points:
        std = config.max_points
    disq = (2 * p.veto_count > n) if config.veto_policy == "majority" else p.veto_count > 0
    basis = config.basis
    if basis == "trimmed":
        exact = tmean
    elif basis == "mean":
        exact = p.mean
    elif basis == "median":
        exact = p.median
    else:
        exact = std
    p_rng = p.score_range.quantize(q, rounding=up)
    p_sd = p.sd.quantize(q, rounding=up)
    threshold = config.disagreement_threshold
    flagged = threshold is not None and (p_sd if config.disagreement_measure == "sd" else p_rng) > threshold
    return ProposalAggregate(
        proposal_id=pid,
        stage=stage,
        n=n,
        mean=p.mean.quantize(q, rounding=up),
        median=p.median.quantize(q, rounding=up),
        trimmed_mean=tmean.quantize(q, rounding=up),
        trimmed=trimmed,
        standardised=std.quantize(q, rounding=up),
        score_range=p_rng,
        sd=p_sd,
        flagged=flagged,
        veto_count=p.veto_count,
        disqualified=disq,
        score=exact.quantize(q, rounding=up),
        criteria_mean=p.criteria_mean,
        exact_score=exact,
    )


def reference_aggregate(
    reviews: Iterable[ReviewScore], config: RoundConfig | None = None
) -> dict[ProposalId, ProposalAggregate]:
    """:func:`aggregate` computed the plain way (:func:`parts` + :func:`finish` per proposal, all
    in Decimal): the reference the fixed-point fast path is checked against, equal bit for bit."""
    config = config or RoundConfig()
    reviews = list(reviews)
    if not reviews:
        return {}
    stages = {r.stage for r in reviews}
    if len(stages) != 1:
        raise ValueError(f"aggregate() takes reviews of one stage, got {sorted(stages)}")
    with localcontext(_CTX):
        return _aggregate_reference(reviews, next(iter(stages)), config)


_MAX_SCALE = 6  # points with more decimals than this take the reference path
_CENTS: dict[int, Decimal] = {}  # published figures as shared Decimal objects, by integer cents


def _cents(c: int) -> Decimal:
    """The Decimal ``c / 100`` with exponent -2, exactly what ``quantize(CENT)`` returns."""
    d = _CENTS.get(c)
    if d is None:
        d = Decimal(c).scaleb(-2)
        if len(_CENTS) < 200_000:
            _CENTS[c] = d
    return d


def _aggregate(
    reviews: list[ReviewScore], stage: str, config: RoundConfig
) -> dict[ProposalId, ProposalAggregate]:
    """The fast path: points as exact integers in units of 10^-D (D = the most decimals any point
    carries), published figures rounded half-up from exact integer ratios (and the population sd by
    an integer square root), Decimal only where the result keeps its digits (reviewer scales,
    z-scores, the standardised score, the unrounded score used for blending).  Equal bit for bit to
    :func:`reference_aggregate` (checked by a property test): a rational with a small denominator
    lies either exactly on a half cent (then the 40-digit Decimal quotient is exact too) or far
    further from it than 40 digits can err; an sd exactly on a half cent (where the reference's
    rounded mean could tip it) takes the reference path for that proposal, as do negative,
    non-finite or many-decimal points and duplicate reviews (which raise there)."""
    pts = [r.total + r.bonus for r in reviews]
    s_all = sum(pts, ZERO)  # exponent = min(0, every point's exponent): the reference's exact sum
    exp = s_all.as_tuple().exponent
    if not isinstance(exp, int) or -exp > _MAX_SCALE or len(s_all.as_tuple().digits) > 30:
        return _aggregate_reference(reviews, stage, config)
    scale = -exp
    distinct = {}
    for v in set(pts):
        if v.is_signed():  # negative, or -0 (published as "-0.00" by the reference)
            return _aggregate_reference(reviews, stage, config)
        distinct[v] = int(v.scaleb(scale))
    ip = [distinct[v] for v in pts]
    unit = 10**scale

    by_reviewer: dict[Hashable, list[int]] = defaultdict(list)
    by_proposal: dict[ProposalId, list[int]] = defaultdict(list)
    for i, r in enumerate(reviews):
        by_reviewer[r.reviewer_id].append(i)
        by_proposal[r.proposal_id].append(i)
    rids = [r.reviewer_id for r in reviews]
    for idxs in by_proposal.values():
        if len(idxs) > 1 and len({rids[i] for i in idxs}) != len(idxs):
            return _aggregate_reference(reviews, stage, config)  # raises on the first duplicate

    # z-scores: Decimal, from the same (mu, sd) values as the reference, one per distinct point of a reviewer
    z = [ZERO] * len(pts)
    zq = Z_QUANTUM
    for idxs in by_reviewer.values():
        n_r = len(idxs)
        if n_r < 2:
            continue
        s_r = s2_r = 0
        for i in idxs:
            v = ip[i]
            s_r += v
            s2_r += v * v
        scale_r = _reviewer_scale(n_r, Decimal(s_r).scaleb(-scale), Decimal(s2_r).scaleb(-2 * scale))
        if scale_r is None:
            continue
        mu, sd = scale_r
        memo: dict[int, Decimal] = {}
        for i in idxs:
            v = ip[i]
            zi = memo.get(v)
            if zi is None:
                zi = memo[v] = ((pts[i] - mu) / sd).quantize(zq)
            z[i] = zi

    s2_all = 0
    for v in ip:
        s2_all += v * v
    g_mean, g_sd = _spread(len(pts), s_all, Decimal(s2_all).scaleb(-2 * scale))

    min_trim = config.min_for_trim
    majority = config.veto_policy == "majority"
    basis = config.basis
    max_points = config.max_points
    threshold = config.disagreement_threshold
    by_sd = config.disagreement_measure == "sd"
    q, up = CENT, ROUND_HALF_UP
    u100, u2 = 100, 2 * unit
    crit_memo: dict[tuple[Decimal, int], Decimal] = {}
    isqrt = math.isqrt
    out: dict[ProposalId, ProposalAggregate] = {}
    for pid, idxs in by_proposal.items():
        n = len(idxs)
        vals = sorted([ip[i] for i in idxs])
        s = sum(vals)
        lo, hi = vals[0], vals[-1]
        # published = round half up of num / den = (2 num + den) // (2 den), num >= 0
        mean_c = (2 * u100 * s + n * unit) // (2 * n * unit)
        half = n // 2
        if n % 2:
            med_c = (2 * u100 * vals[half] + unit) // u2
        else:
            med_c = (u100 * (vals[half - 1] + vals[half]) + unit) // u2
        trimmed = n >= min_trim
        if trimmed:
            tn = s - lo - hi
            tmean_c = (2 * u100 * tn + (n - 2) * unit) // (2 * (n - 2) * unit)
        else:
            tmean_c = mean_c
        rng_c = (2 * u100 * (hi - lo) + unit) // u2
        # sd: 200 * sqrt(var) = sqrt(40000 * a / b) with var = a / b; published = (floor of that + 1) // 2
        a = 0
        for v in vals:
            a += v * v
        a = n * a - s * s
        b = n * n * unit * unit
        num = 40000 * a
        m = isqrt(num // b)
        if m % 2 and m * m * b == num:  # exactly on a half cent: round as the reference does
            sd_pub = _parts([pts[i] for i in idxs], [ZERO], 0, ()).sd.quantize(q, rounding=up)
        else:
            sd_pub = _cents((m + 1) // 2)
        zsum = sum([z[i] for i in idxs], ZERO)
        std = g_mean + (zsum / n) * g_sd
        if std < 0:
            std = ZERO
        elif std > max_points:
            std = max_points
        std_pub = std.quantize(q, rounding=up)
        vetoes = 0
        crit_sum: dict[str, Decimal] = {}
        crit_n: dict[str, int] = {}
        for i in idxs:
            r = reviews[i]
            if r.vetoed:
                vetoes += 1
            for k, v in r.criteria.items():
                if k in crit_sum:
                    crit_sum[k] += v
                    crit_n[k] += 1
                else:
                    crit_sum[k] = v
                    crit_n[k] = 1
        if crit_sum:
            crit_mean = {}
            for k, cs in crit_sum.items():
                key = (cs, crit_n[k])
                cm = crit_memo.get(key)
                if cm is None:
                    cm = crit_memo[key] = (cs / key[1]).quantize(q, rounding=up)
                crit_mean[k] = cm
        else:
            crit_mean = _EMPTY
        mean_pub = _cents(mean_c)
        tmean_pub = _cents(tmean_c)
        med_pub = _cents(med_c)
        if basis == "trimmed" or basis == "mean":
            ps = sum([pts[i] for i in idxs], ZERO)
            if basis == "mean" or not trimmed:
                exact = ps / n
                score = mean_pub
            else:
                sv = sorted([pts[i] for i in idxs])
                exact = (ps - sv[0] - sv[-1]) / (n - 2)
                score = tmean_pub
        elif basis == "median":
            sv = sorted([pts[i] for i in idxs])
            exact = sv[half] if n % 2 else (sv[half - 1] + sv[half]) / 2
            score = med_pub
        else:
            exact = std
            score = std_pub
        rng_pub = _cents(rng_c)
        flagged = threshold is not None and (sd_pub if by_sd else rng_pub) > threshold
        out[pid] = ProposalAggregate(
            pid, stage, n, mean_pub, med_pub, tmean_pub, trimmed, std_pub, rng_pub, sd_pub, flagged,
            vetoes, (2 * vetoes > n) if majority else vetoes > 0, score, crit_mean, exact,
        )
    return out


def _aggregate_reference(
    reviews: list[ReviewScore], stage: str, config: RoundConfig
) -> dict[ProposalId, ProposalAggregate]:
    pts = [r.total + r.bonus for r in reviews]

    # z-scores per reviewer, over every proposal that reviewer scored in this stage.
    by_reviewer: dict[Hashable, list[int]] = defaultdict(list)
    by_proposal: dict[ProposalId, list[int]] = defaultdict(list)
    seen: set[tuple[Hashable, ProposalId]] = set()
    for i, r in enumerate(reviews):
        key = (r.reviewer_id, r.proposal_id)
        if key in seen:
            raise ValueError(
                f"reviewer {r.reviewer_id!r} reviewed proposal {r.proposal_id!r} twice in stage {stage!r}"
            )
        seen.add(key)
        by_reviewer[r.reviewer_id].append(i)
        by_proposal[r.proposal_id].append(i)

    z = [ZERO] * len(pts)
    zq = Z_QUANTUM
    for idxs in by_reviewer.values():
        scale = _reviewer_scale(*_sums(pts[i] for i in idxs))
        if scale is None:
            continue
        mu, sd = scale
        for i in idxs:
            z[i] = ((pts[i] - mu) / sd).quantize(zq)

    g_mean, g_sd = _spread(*_sums(pts))
    out: dict[ProposalId, ProposalAggregate] = {}
    for pid, idxs in by_proposal.items():
        p = _parts([pts[i] for i in idxs], [z[i] for i in idxs], sum(1 for i in idxs if reviews[i].vetoed),
                   [reviews[i].criteria for i in idxs])
        out[pid] = _finish(pid, stage, p, g_mean, g_sd, config)
    return out


# --------------------------------------------------------------------------- blending


def blend(
    stage_scores: Mapping[str, Mapping[ProposalId, Decimal]],
    stage_weights: Mapping[str, Decimal | int | str],
) -> dict[ProposalId, BlendedScore]:
    """Blend per-stage scores (unrounded preferred) with percentage weights summing to 100.

    See the module docstring for proposals missing a stage.
    """
    weights = RoundConfig(stage_weights=stage_weights).stage_weights
    unknown = set(stage_scores) - set(weights)
    if unknown:
        raise ValueError(f"scores given for stages without a weight: {sorted(unknown)}")
    order = list(weights)
    pids: dict[ProposalId, None] = {}
    for stage in order:
        for pid in stage_scores.get(stage, {}):
            pids[pid] = None
    out: dict[ProposalId, BlendedScore] = {}
    with localcontext(_CTX):
        for pid in pids:
            acc = ZERO
            wsum = ZERO
            missing: list[str] = []
            published: dict[str, Decimal] = {}
            for stage in order:
                x = stage_scores.get(stage, {}).get(pid)
                if x is None:
                    missing.append(stage)
                    continue
                w = weights[stage]
                acc += w * x
                wsum += w
                published[stage] = publish(x)
            if wsum:
                exact = acc / wsum
            else:  # present only in zero-weight stages
                exact = ZERO
            out[pid] = BlendedScore(
                proposal_id=pid,
                score=publish(exact),
                complete=not missing,
                missing=tuple(missing),
                stage_scores=published,
                exact=exact,
            )
    return out


# --------------------------------------------------------------------------- ranking

_KEY_NAMES_BASE = ("veto", "complete", "score")


def _opt_desc(v: Decimal | None) -> tuple[int, Decimal]:
    return (1, ZERO) if v is None else (0, -v)


def rank(
    rows: Iterable[RankInput],
    *,
    tiebreak_stage: str | None = None,
    tiebreak_criterion: str | None = None,
) -> tuple[RankedRow, ...]:
    """Rank rows with the documented chain; names only label ``decided_by``."""
    keyed = _keyed(rows)
    keyed.sort(key=_first)
    return _ranked(keyed, _key_names(tiebreak_stage, tiebreak_criterion))


def _key_names(tiebreak_stage: str | None, tiebreak_criterion: str | None) -> tuple[str, ...]:
    return (
        *_KEY_NAMES_BASE,
        f"stage:{tiebreak_stage or 'tiebreak'}",
        f"criterion:{tiebreak_criterion or 'tiebreak'}",
        "submitted_at",
        "proposal_id",
    )


def _first(kr: tuple) -> tuple:
    return kr[0]


_NO_TIME = (1, datetime.min)
_MISSING = (1, ZERO)


def _keyed(rows: Iterable[RankInput]) -> list[tuple[tuple, RankInput]]:
    """(sort key of the chain, row) per row, unsorted."""
    no_time, missing = _NO_TIME, _MISSING
    return [
        ((r.disqualified, not r.complete, -r.score,
          missing if r.stage_score is None else (0, -r.stage_score),
          missing if r.criterion_score is None else (0, -r.criterion_score),
          no_time if r.submitted_at is None else (0, r.submitted_at),
          r.proposal_id), r)
        for r in rows
    ]


def _ranked(keyed: Sequence[tuple[tuple, RankInput]], names: tuple[str, ...]) -> tuple[RankedRow, ...]:
    """Rank numbers and ``decided_by`` of rows already sorted by their keys."""
    out: list[RankedRow] = []
    append = out.append
    prev_key = None
    n = 0
    for key, r in keyed:
        decided = None
        if prev_key is not None:
            for i in range(7):
                if prev_key[i] != key[i]:
                    decided = names[i]
                    break
            else:
                raise ValueError(f"duplicate proposal id {r.proposal_id!r} in ranking")
        prev_key = key
        disq = r.disqualified
        if not disq:
            n += 1
        append(RankedRow(None if disq else n, r.proposal_id, r.category, r.score, r.complete, disq, decided,
                         r.stage_score, r.criterion_score, r.submitted_at))
    return tuple(out)


# --------------------------------------------------------------------------- whole round


def score_round(
    reviews: Iterable[ReviewScore],
    proposals: Iterable[ProposalInfo],
    config: RoundConfig | None = None,
    *,
    external_stage_scores: Mapping[str, Mapping[ProposalId, Decimal]] | None = None,
) -> RoundResult:
    """Aggregate every stage, blend, and rank overall and per category.

    ``external_stage_scores`` supplies stages that are not scored by reviews (e.g. a public
    vote already converted to points); those stages must be in ``config.stage_weights``.
    """
    config = config or RoundConfig()
    weights = config.stage_weights
    info = {p.proposal_id: p for p in proposals}

    by_stage: dict[str, list[ReviewScore]] = defaultdict(list)
    for r in reviews:
        by_stage[r.stage].append(r)
    for stage, rs in by_stage.items():
        if stage not in weights:
            raise ValueError(f"reviews for stage {stage!r}, which has no weight in this round")
        for r in rs:
            if r.proposal_id not in info:
                raise ValueError(f"review of unknown proposal {r.proposal_id!r}")
    external = dict(external_stage_scores or {})
    for stage, scores in external.items():
        if stage not in weights:
            raise ValueError(f"external scores for stage {stage!r}, which has no weight in this round")
        if stage in by_stage:
            raise ValueError(f"stage {stage!r} has both reviews and external scores")
        for pid in scores:
            if pid not in info:
                raise ValueError(f"external score of unknown proposal {pid!r}")

    aggregates = {stage: aggregate(by_stage[stage], config) for stage in weights if stage in by_stage}
    return rank_aggregates(aggregates, info.values(), config, external_stage_scores=external)


def rank_aggregates(
    aggregates: Mapping[str, Mapping[ProposalId, ProposalAggregate]],
    proposals: Iterable[ProposalInfo],
    config: RoundConfig,
    *,
    external_stage_scores: Mapping[str, Mapping[ProposalId, Decimal]] | None = None,
) -> RoundResult:
    """Blend and rank per-stage aggregates (from :func:`aggregate`, or :func:`finish` of stored
    :class:`ProposalParts`): the second half of :func:`score_round`."""
    weights = config.stage_weights
    info = {p.proposal_id: p for p in proposals}
    external = dict(external_stage_scores or {})
    stage_scores: dict[str, dict[ProposalId, Decimal]] = {
        stage: {pid: a.exact_score for pid, a in aggs.items()} for stage, aggs in aggregates.items()
    }
    for stage, scores in external.items():
        stage_scores[stage] = {pid: _as_decimal(v, f"{stage} score") for pid, v in scores.items()}
    blended = blend(stage_scores, weights)

    crit = config.tiebreak_criterion
    tb_stage = config.tiebreak_stage
    stage_aggs = [aggregates[stage] for stage in weights if stage in aggregates]
    rank_inputs: list[RankInput] = []
    append = rank_inputs.append
    for pid, b in blended.items():
        disq = False
        crit_score = None
        for aggs in stage_aggs:
            a = aggs.get(pid)
            if a is not None:
                if a.disqualified:
                    disq = True
                if crit_score is None and crit is not None:
                    crit_score = a.criteria_mean.get(crit)
        p = info[pid]
        append(RankInput(pid, p.category, b.score, b.complete, disq,
                         b.stage_scores.get(tb_stage) if tb_stage else None, crit_score, p.submitted_at))
    # one sort: a category's rows in the overall order are its own ranking (the chain is a total order)
    names = _key_names(tb_stage, crit)
    keyed = _keyed(rank_inputs)
    keyed.sort(key=_first)
    overall = _ranked(keyed, names)
    cats: dict[str, list[tuple[tuple, RankInput]]] = defaultdict(list)
    for kr in keyed:
        cats[kr[1].category].append(kr)
    by_category = {c: _ranked(rs, names) for c, rs in sorted(cats.items())}
    unscored = tuple(pid for pid in info if pid not in blended)
    return RoundResult(
        aggregates=aggregates,
        blended=blended,
        overall=overall,
        by_category=by_category,
        unscored=unscored,
    )


def rank_from(rows: Sequence[RankedRow]) -> list[ProposalId]:
    """Proposal ids in ranked order (convenience for tests and exports)."""
    return [r.proposal_id for r in rows]
