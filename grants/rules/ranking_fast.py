"""The ranking page's fast path: stored score parts -> published figures, blend, rank, in one pass (pure).

:func:`grants.rules.scoring.rank_aggregates` over :func:`grants.rules.scoring.finish_all` builds a
``ProposalAggregate``, a ``BlendedScore``, a ``RankInput`` and a ``RankedRow`` per proposal and sorts
the round once overall and once per category.  The ranking page needs only the published figures as
text and the ranks, so :func:`rank_parts` computes the same values with the same decimal context and
the same operations, without those objects, and sorts ONCE: a category's ranking is the overall order
filtered to the category (the sort key is the same), so each category's ranks and tie-break labels come
from the same sorted list.  ``tests/ranking/test_ranking_fast.py`` checks it against
``scoring.rank_aggregates`` for every basis, veto policy, tie-break and stage mix.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext

from grants.rules.scoring import CENT, ZERO, RoundConfig

_CTX = Context(prec=40, rounding=ROUND_HALF_EVEN)  # = scoring's context (the tests compare results)


@dataclass(frozen=True, slots=True)
class StoredParts:
    """One stored ``score_aggregate`` row as read (exact figures as decimal text)."""

    n: int
    veto_count: int
    mean: str
    median: str
    trimmed_mean: str | None
    score_range: str
    sd: str
    zsum: str
    criteria_mean: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class RankedLine:
    """One proposal of the ranking, figures as published text ('' where the page shows nothing)."""

    proposal_id: Hashable
    category: str
    # stage -> (n, mean, median, trimmed mean, trimmed?, standardised, range, sd, flagged)
    stats: dict = field(default_factory=dict)
    written: str = ""
    roadshow: str = ""
    score: str = ""
    disqualified: bool = False
    rank: int | None = None
    category_rank: int | None = None
    decided_by: str | None = None
    category_decided_by: str | None = None


@dataclass(slots=True)
class FastRanking:
    ranked: list  # RankedLine in overall order (the ranked ones)
    unscored: list  # proposal ids with no score in any stage, in the order given
    by_category: dict  # category -> [RankedLine] in category order


def rank_parts(proposals: Iterable[tuple[Hashable, str, datetime | None]],
               stages: Mapping[str, tuple[Decimal, Decimal, Mapping[Hashable, StoredParts]]],
               config: RoundConfig) -> FastRanking:
    """``proposals``: (id, category, submitted_at) of the round's received proposals; ``stages``: stage ->
    (global mean, global sd, {proposal id: StoredParts}).  Same ranks, tie-breaks and published figures as
    ``scoring.rank_aggregates(finish_all(...))``."""
    with localcontext(_CTX):
        return _rank_parts(list(proposals), stages, config)


def _rank_parts(proposals, stages, config: RoundConfig) -> FastRanking:
    q, up, dec = CENT, ROUND_HALF_UP, Decimal
    weights = config.stage_weights
    order = list(weights)
    min_trim, max_points = config.min_for_trim, config.max_points
    majority = config.veto_policy == "majority"
    basis = config.basis
    threshold = config.disagreement_threshold
    by_sd = config.disagreement_measure == "sd"
    crit_key = config.tiebreak_criterion
    tb_stage = config.tiebreak_stage
    info = {pid: (cat, at) for pid, cat, at in proposals}

    exact: dict = {}  # stage -> {pid: exact score}
    lines: dict = {}
    disq_of: dict = {}
    crit_of: dict = {}
    for stage in order:
        if stage not in stages:
            continue
        g_mean, g_sd, rows = stages[stage]
        ex = exact[stage] = {}
        for pid, p in rows.items():
            if pid not in info:
                continue
            n = p.n
            mean, median = dec(p.mean), dec(p.median)
            trimmed = n >= min_trim and p.trimmed_mean is not None
            tmean = dec(p.trimmed_mean) if trimmed else mean
            std = g_mean + (dec(p.zsum) / n) * g_sd
            if std < 0:
                std = ZERO
            elif std > max_points:
                std = max_points
            x = tmean if basis == "trimmed" else mean if basis == "mean" else median if basis == "median" else std
            ex[pid] = x
            p_rng = dec(p.score_range).quantize(q, rounding=up)
            p_sd = dec(p.sd).quantize(q, rounding=up)
            flagged = threshold is not None and (p_sd if by_sd else p_rng) > threshold
            line = lines.get(pid)
            if line is None:
                line = lines[pid] = RankedLine(pid, info[pid][0])
            line.stats[stage] = (n, str(mean.quantize(q, rounding=up)), str(median.quantize(q, rounding=up)),
                                 str(tmean.quantize(q, rounding=up)), trimmed, str(std.quantize(q, rounding=up)),
                                 str(p_rng), str(p_sd), flagged)
            if (2 * p.veto_count > n) if majority else p.veto_count > 0:
                disq_of[pid] = True
            if crit_key is not None and pid not in crit_of and crit_key in p.criteria_mean:
                crit_of[pid] = dec(p.criteria_mean[crit_key])

    missing = (1, ZERO)
    no_time = (1, datetime.min)
    keyed = []
    for pid, line in lines.items():
        acc = wsum = ZERO
        complete = True
        st = None
        for stage in order:
            x = exact.get(stage, {}).get(pid)
            if x is None:
                complete = False
                continue
            w = weights[stage]
            acc += w * x
            wsum += w
            pub = x.quantize(q, rounding=up)
            if stage == "written":
                line.written = str(pub)
            elif stage == "roadshow":
                line.roadshow = str(pub)
            if stage == tb_stage:
                st = pub
        score = (acc / wsum if wsum else ZERO).quantize(q, rounding=up)
        line.score = str(score)
        disq = line.disqualified = pid in disq_of
        cs = crit_of.get(pid)
        at = info[pid][1]
        keyed.append(((disq, not complete, -score, missing if st is None else (0, -st),
                       missing if cs is None else (0, -cs), no_time if at is None else (0, at), pid), line))
    keyed.sort(key=lambda kl: kl[0])
    names = ("veto", "complete", "score", f"stage:{tb_stage or 'tiebreak'}",
             f"criterion:{crit_key or 'tiebreak'}", "submitted_at", "proposal_id")

    def decided(prev, key):
        if prev is None:
            return None
        for i in range(7):
            if prev[i] != key[i]:
                return names[i]
        raise ValueError(f"duplicate proposal id {key[6]!r} in ranking")

    ranked = []
    by_category: dict = {}
    cat_state: dict = {}  # category -> [previous key, count]
    prev, count = None, 0
    for key, line in keyed:
        line.decided_by = decided(prev, key)
        prev = key
        state = cat_state.get(line.category)
        if state is None:
            state = cat_state[line.category] = [None, 0]
            by_category[line.category] = []
        line.category_decided_by = decided(state[0], key)
        state[0] = key
        if not line.disqualified:
            count += 1
            state[1] += 1
            line.rank, line.category_rank = count, state[1]
        ranked.append(line)
        by_category[line.category].append(line)
    unscored = [pid for pid, _cat, _at in proposals if pid not in lines]
    return FastRanking(ranked, unscored, dict(sorted(by_category.items())))


__all__ = ["FastRanking", "RankedLine", "StoredParts", "rank_parts"]
