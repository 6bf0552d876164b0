"""The ranking page's rows: read in two queries, ranked by the pure fast path, cached per round version.

Cold (a worker that never saw the round, or the first view after any review change): ONE query for
the round's proposals with their organization and category, ONE for the stored score aggregates
(``grants.ranking.aggregates``); :func:`grants.rules.ranking_fast.rank_parts` publishes, blends and
ranks (the same figures as :func:`grants.ranking.operations.round_scores`, checked in
``tests/ranking/test_ranking_fast.py``); the numeric cells of each row are formatted once.

Repeat: the ranked figures and the formatted cells are kept in this process under a key made of
EVERYTHING they are computed from:

* the round's ``ScoreState.version`` -- a new random token written in the same transaction as every
  change of the round's aggregate rows (``aggregates.refresh`` / ``rebuild``), so a committed review
  change can never meet an old entry;
* the scoring settings (``RoundConfig``: basis, stage weights, trim threshold, veto policy,
  disagreement threshold and measure, tie-breaks, the rubric maximum), read afresh on every view;
* every ranking input of the proposals (id, category, status, submission time), read afresh on every
  view by the first query (which also gives the names the rows print: names are never cached);
* the statistics stage shown and the reviewer columns.

Words (rank labels, tie-break explanations, category labels) are not cached: each view puts them in
for its reader's language.  Nothing role-dependent is cached (the page is for administrators; the
route checks that).  Without a ``ScoreState`` (a round not built yet) nothing is cached and the
page falls back to ``round_scores`` over the raw reviews.
"""

from __future__ import annotations

import html
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import DateTime, String, select, type_coerce

from grants.extensions import db
from grants.models import Category, Organization, Proposal, ProposalStatus, ScoreAggregate, ScoreState, User
from grants.ranking import operations as ranking_ops
from grants.rules import ranking_fast, scoring

_CACHE_SIZE = 4  # entries (round x basis x settings; 3.8 MB at 3,000 proposals, ~25 MB at 20,000); older versions of a round are dropped at once
_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()  # request threads of one worker share the cache (no thread is started here)
_ACTIVE = frozenset(str(s) for s in ranking_ops.ACTIVE_STATUSES)
_VETO = " <span class=veto-mark>\u2717</span>"
_FLAG = " \u2691"
_EMPTY_STATS = "<td class=n>0</td><td></td><td></td><td></td><td></td><td></td><td></td>"


@dataclass(slots=True)
class Computed:
    """What the cache keeps for one key: figures and ranks as text, no names, no words."""

    ranking: ranking_fast.FastRanking
    unscored: list  # ids of the unscored proposals the page lists (active statuses)
    marks: dict  # stage -> {proposal id: "reviewer:total:vetoed ..." as stored}
    vetoed: frozenset  # proposals with a vetoing review in any stage
    reviewer_ids: dict  # stage -> sorted reviewer ids with a review on the page


@dataclass(slots=True)
class PageData:
    config: scoring.RoundConfig
    computed: Computed
    names: dict  # proposal id -> (id, number, name, organization, category)
    reviewers: dict  # stage -> [(reviewer_id, name)] in name order
    categories: list  # [(id, name)] in position order
    rubrics: dict


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _config_key(config: scoring.RoundConfig) -> tuple:
    return (tuple(config.stage_weights.items()), config.min_for_trim, config.max_points, config.veto_policy,
            config.basis, config.disagreement_measure, config.disagreement_threshold, config.tiebreak_stage,
            config.tiebreak_criterion)


def page_data(rnd, basis: str | None) -> PageData | None:
    """The page's data, or None when the round's aggregates are not built yet (the caller uses
    ``round_scores``, which computes from the raw reviews).  4-5 queries whatever the round's size."""
    state = db.session.execute(select(ScoreState.version).where(ScoreState.round_id == rnd.id)).first()
    if state is None:
        return None
    rubrics = ranking_ops.latest_rubrics(rnd.id)
    config = ranking_ops.round_config(rnd, basis, rubrics)
    pr, org, cat = Proposal.__table__.c, Organization.__table__.c, Category.__table__.c
    prows = db.session.execute(
        select(pr.id, pr.number, pr.name, org.name, cat.name, type_coerce(pr.status, String),
               type_coerce(pr.submitted_at, DateTime()))  # naive UTC: only compared (tie-break 6), never shown
        .select_from(Proposal.__table__.join(Organization.__table__, org.id == pr.organization_id)
                     .outerjoin(Category.__table__, cat.id == pr.category_id))
        .where(pr.round_id == rnd.id, pr.status.not_in([ProposalStatus.draft, ProposalStatus.withdrawn]))
        .order_by(pr.id)
    ).all()
    inputs = tuple((r[0], r[4] or "", r[5], r[6]) for r in prows)
    key = (rnd.id, state[0], _config_key(config), inputs)
    with _lock:
        computed = _cache.get(key)
        if computed is not None:
            _cache.move_to_end(key)
    if computed is None:
        computed = _compute(rnd.id, config, inputs)
        if not state[0]:  # built before the token existed (or by code that does not write it): never kept
            key = None
    if key is not None:
        with _lock:
            for old in [k for k in _cache if k[0] == rnd.id and k[1] != state[0]]:
                del _cache[old]  # an older version of this round can never be served again
            _cache[key] = computed
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    reviewers = {}
    if any(computed.reviewer_ids.values()):
        ids = sorted(set().union(*computed.reviewer_ids.values()))
        who = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) \
            if len(ids) <= 2000 else ranking_ops.reviewer_names(rnd.id)
        reviewers = {stage: sorted(((rid, who.get(rid, str(rid))) for rid in ids), key=lambda t: (t[1], t[0]))
                     for stage, ids in computed.reviewer_ids.items()}
    cats = [(c.id, c.name) for c in sorted(rnd.categories, key=lambda c: c.position)]
    names = {r[0]: (r[0], r[1] or "", r[2], r[3], r[4] or "") for r in prows}
    return PageData(config, computed, names, reviewers, cats, rubrics)


def _compute(round_id: int, config: scoring.RoundConfig, inputs: tuple) -> Computed:
    sa = ScoreAggregate.__table__.c
    cols = [sa.proposal_id, type_coerce(sa.stage, String), sa.n, sa.veto_count, sa.points_sum, sa.points_sum2,
            sa.mean, sa.median, sa.trimmed_mean, sa.score_range, sa.sd, sa.zsum, sa.marks]
    crit = bool(config.tiebreak_criterion)
    if crit:
        cols.append(sa.criteria_mean)
    received = {pid for pid, _c, _s, _at in inputs}
    parts: dict = {}
    sums: dict = {}
    marks: dict = {}
    dec = Decimal
    stored = ranking_fast.StoredParts
    no_criteria: dict = {}
    for r in db.session.execute(select(*cols).where(sa.round_id == round_id)):
        st = r[1]
        t = sums.get(st)
        if t is None:
            t = sums[st] = [0, Decimal(0), Decimal(0)]
            parts[st] = {}
            marks[st] = {}
        t[0] += r[2]
        t[1] += dec(r[4])  # exact: sums of 2-decimal points (as aggregates.load adds them)
        t[2] += dec(r[5])
        if r[0] in received:
            parts[st][r[0]] = stored(r[2], r[3], r[6], r[7], r[8], r[9], r[10], r[11],
                                     (r[13] or no_criteria) if crit else no_criteria)
            marks[st][r[0]] = r[12]
    stages = {st: (*scoring.spread(*sums[st]), parts[st]) for st in config.stage_weights if st in sums}
    result = ranking_fast.rank_parts(((pid, c, at) for pid, c, _s, at in inputs), stages, config)
    vetoed = set()
    reviewer_ids = {}
    for st in stages:
        ids: set = set()
        for pid, text in marks[st].items():
            for item in text.split():
                ids.add(int(item[:item.index(":")]))
                if item[-1] == "1":
                    vetoed.add(pid)
        reviewer_ids[st] = sorted(ids)
    status = {pid: str(s) for pid, _c, s, _at in inputs}
    unscored = [pid for pid in result.unscored if status[pid] in _ACTIVE]
    return Computed(result, unscored, {st: marks[st] for st in stages}, frozenset(vetoed), reviewer_ids)


def row_lines(data: PageData, stage: str, category: str, words: dict, max_columns: int = 12) -> list[str]:
    """The ``<tr>`` of every row shown: the overall ranking (then the unscored proposals) or one category's.

    One f-string per row (Jinja would pay a Markup object per ``{{ }}``): every name goes through
    ``html.escape``; figures are digits produced here.  ``words``: ``dq``, ``veto_title``, ``why`` (tie-break
    key -> explanation), ``categories`` (category as given -> label in the reader's language)."""
    esc = html.escape
    c = data.computed
    reviewers = data.reviewers.get(stage, [])
    columns = [rid for rid, _name in reviewers] if len(reviewers) <= max_columns else None
    marks = c.marks.get(stage, {})
    dq, why = esc(words["dq"]), words["why"]
    veto = f' <span class=veto-mark title="{esc(words["veto_title"])}">\u2717</span>'
    cat_labels = {k: esc(v) for k, v in words["categories"].items()}
    names = data.names
    if category:
        lines = c.ranking.by_category.get(category, [])
    else:
        lines = c.ranking.ranked
    out = []
    append = out.append
    for line in lines:
        pid = line.proposal_id
        _id, number, name, org, cat = names[pid]
        s = line.stats.get(stage)
        if s is not None:
            n, mean, median, tmean, trimmed, std, rng, sd, flagged = s
            cells = (f"<td class=n>{n}</td><td class=n>{mean}</td><td class=n>{median}</td>"
                     f"<td class=n>{tmean}{'' if trimmed else '*'}</td><td class=n>{std}</td>"
                     f"<td class='n flagcell'>{rng}{_FLAG if flagged else ''}</td><td class=n>{sd}</td>")
        else:
            flagged = False
            cells = _EMPTY_STATS
        cells += _totals(marks.get(pid, ""), columns)
        css = "dq" if line.disqualified else ("flag" if flagged else "")
        if category:
            first, second, decided = line.category_rank, line.rank, line.category_decided_by
            cat_cell = ""
        else:
            first, second, decided = line.rank, line.category_rank, line.decided_by
            cat_cell = f"<td>{cat_labels[cat] if cat in cat_labels else esc(cat)}</td>"
        first_txt = dq if line.disqualified else ("" if first is None else str(first))
        append(f'<tr class="{css}"><td class=n>{first_txt}</td><td class=n>{"" if second is None else second}</td>'
               f"<td class='mono nowrap'>{esc(number)}</td><td class=pname>{esc(name)}"
               f"{veto if pid in c.vetoed else ''}</td><td class=oname>{esc(org)}</td>{cat_cell}"
               f"{cells}<td class=n>{line.written}</td><td class=n>{line.roadshow}</td>"
               f"<td class=n><strong>{line.score}</strong></td><td class=why>{esc(why[decided])}</td></tr>\n")
    if not category:
        for pid in c.unscored:
            _id, number, name, org, cat = names[pid]
            append(f'<tr class=""><td class=n></td><td class=n></td>'
                   f"<td class='mono nowrap'>{esc(number)}</td><td class=pname>{esc(name)}</td>"
                   f"<td class=oname>{esc(org)}</td><td>{cat_labels[cat] if cat in cat_labels else esc(cat)}</td>"
                   f"{_EMPTY_STATS}{_totals('', columns)}<td class=n></td><td class=n></td>"
                   f"<td class=n><strong></strong></td><td class=why>{esc(why[None])}</td></tr>\n")
    return out


def _totals(text: str, columns: list | None) -> str:
    """The reviewers' totals of one row from the stored marks ("reviewer:total:vetoed ...", by reviewer id)."""
    if columns is None:
        return "<td class=rv>" + "".join(
            [f"<span>{item[item.index(':') + 1:-2]}{_VETO if item[-1] == '1' else ''}</span>"
             for item in text.split()]) + "</td>"
    given = {}
    for item in text.split():
        rid, total, vetoed = item.split(":")
        given[int(rid)] = f"<td class=n>{total}{_VETO if vetoed == '1' else ''}</td>"
    return "".join([given.get(rid, "<td class=n></td>") for rid in columns])
