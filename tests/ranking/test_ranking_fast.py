"""The ranking page's fast path equals the reference: ``ranking_fast.rank_parts`` equals
``scoring.rank_aggregates(finish_all(...))`` on random rounds full of ties, and the page rows built by
``grants.ranking.page`` equal the rows the reference view builds from ``round_scores`` (every basis,
stage and category).  ``assert_page_equal`` is also called after every input change in
test_score_aggregates.py, WITHOUT clearing the page cache: a cached page is never stale."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from grants.extensions import db
from grants.models import Proposal, Round, ScoreState
from grants.ranking import operations as ranking_ops
from grants.ranking import page as ranking_page
from grants.ranking import views as ranking_views
from grants.rules import ranking_fast, scoring
from tests.conftest import counting_queries


def _random_round(rng: random.Random, n: int):
    stages = {}
    proposals = []
    t0 = datetime(2026, 5, 1, 9, 0)
    for pid in range(1, n + 1):
        at = None if rng.random() < 0.1 else t0 + timedelta(minutes=rng.choice([0, 1, 2]))
        proposals.append((pid, rng.choice(["A", "B", "C"]), at))
    for stage in ("written", "roadshow"):
        parts = {}
        for pid, _c, _at in proposals:
            if stage == "roadshow" and rng.random() < 0.3:
                continue
            pts = [Decimal(rng.choice([70, 75, 80, 80, 85])) + Decimal(rng.choice([0, 50])) / 100
                   for _ in range(rng.randint(1, 6))]
            zs = [Decimal(rng.randint(-3000, 3000)) / 1000 for _ in pts]
            crit = [{"need": Decimal(rng.choice([15, 16, 18])), "design": Decimal(rng.randint(10, 20))} for _ in pts]
            vetoes = sum(1 for _ in pts if rng.random() < 0.05)
            parts[pid] = scoring.parts(pts, zs, vetoes, crit)
        stages[stage] = (Decimal("79.123456789"), Decimal("6.54321"), parts)
    return proposals, stages


def _stored(p: scoring.ProposalParts) -> ranking_fast.StoredParts:
    return ranking_fast.StoredParts(p.n, p.veto_count, str(p.mean), str(p.median),
                                    None if p.trimmed_mean is None else str(p.trimmed_mean), str(p.score_range),
                                    str(p.sd), str(p.zsum), {k: str(v) for k, v in p.criteria_mean.items()})


def _s(v) -> str:
    return "" if v is None else str(v)


@pytest.mark.parametrize("seed", range(3))
def test_rank_parts_equals_rank_aggregates(seed):
    rng = random.Random(seed)
    proposals, stages = _random_round(rng, 120)
    decided: set = set()
    for basis in ("trimmed", "mean", "median", "standardised"):
        for weights, tb_stage in (({"written": 100}, None), ({"written": 60, "roadshow": 40}, "roadshow")):
            config = scoring.RoundConfig(
                stage_weights=weights, basis=basis, min_for_trim=rng.choice([3, 5]),
                veto_policy=rng.choice(["any", "majority"]), disagreement_threshold=rng.choice([None, Decimal(8)]),
                disagreement_measure=rng.choice(["range", "sd"]), tiebreak_stage=tb_stage,
                tiebreak_criterion=rng.choice([None, "need"]), max_points=Decimal(90))
            used = {s: v for s, v in stages.items() if s in weights}
            aggs = {s: scoring.finish_all(s, parts, g_mean, g_sd, config) for s, (g_mean, g_sd, parts) in used.items()}
            want = scoring.rank_aggregates(aggs, [scoring.ProposalInfo(*p) for p in proposals], config)
            got = ranking_fast.rank_parts(
                proposals, {s: (m, sd, {pid: _stored(p) for pid, p in parts.items()}) for s, (m, sd, parts) in used.items()},
                config)
            assert [(x.proposal_id, x.rank, x.decided_by, x.disqualified) for x in got.ranked] == \
                [(x.proposal_id, x.rank, x.decided_by, x.disqualified) for x in want.overall], (basis, weights)
            assert {c: [(x.proposal_id, x.category_rank, x.category_decided_by) for x in lines]
                    for c, lines in got.by_category.items()} == \
                {c: [(x.proposal_id, x.rank, x.decided_by) for x in rows] for c, rows in want.by_category.items()}
            assert got.unscored == list(want.unscored)
            for x in got.ranked:
                b = want.blended[x.proposal_id]
                assert (x.score, x.written, x.roadshow) == (str(b.score), _s(b.stage_scores.get("written")),
                                                           _s(b.stage_scores.get("roadshow")))
                for stage, a in ((s, aggs[s][x.proposal_id]) for s in aggs if x.proposal_id in aggs[s]):
                    assert x.stats[stage] == (a.n, str(a.mean), str(a.median), str(a.trimmed_mean), a.trimmed,
                                              str(a.standardised), str(a.score_range), str(a.sd), a.flagged)
            decided |= {x.decided_by for x in got.ranked}
    assert {"veto", "score", "stage:roadshow", "submitted_at", "proposal_id"} <= decided, "the random round exercises the tie-breaks"


def reference_lines(rnd: Round, basis: str, stage: str, category: str) -> list[str]:
    """The rows the reference view builds from ``round_scores`` (the code before the fast path)."""
    data = ranking_ops.round_scores(rnd, basis)
    rows = data.category_rows(category) if category else data.rows
    attr = "category_decided_by" if category else "decided_by"
    reviewers = data.reviewers.get(stage, [])
    columns = [rid for rid, _n in reviewers] if len(reviewers) <= 12 else None
    names = {c.name: ranking_views.i18n.label(c) for c in rnd.categories}
    return [str(ranking_views._row_html(
        r, *ranking_views._row_cells(r, stage, columns), ranking_ops.explain(getattr(r, attr), data.rubrics, "en"),
        r.category_rank if category else r.rank, r.rank if category else r.category_rank, not category,
        ranking_views._("DQ"), ranking_views._("Vetoed"), names)) for r in rows]


def fast_lines(rnd: Round, basis: str, stage: str, category: str) -> list[str]:
    data = ranking_page.page_data(rnd, basis)
    assert data is not None, "the round's aggregates are built"
    c = data.computed
    lines = c.ranking.by_category.get(category, []) if category else c.ranking.ranked
    keys = {ln.category_decided_by if category else ln.decided_by for ln in lines} | {None}
    words = {"dq": ranking_views._("DQ"), "veto_title": ranking_views._("Vetoed"),
             "why": {k: ranking_ops.explain(k, data.rubrics, "en") for k in keys},
             "categories": {cat.name: ranking_views.i18n.label(cat) for cat in rnd.categories}}
    return ranking_page.row_lines(data, stage, category, words)


def assert_page_equal(app, round_id: int, bases=ranking_ops.BASES, *, every_view: bool = True) -> None:
    """The fast (possibly cached) page rows equal the reference rows, for every basis and category, and every
    stage (``every_view``) or the written stage only (the per-input checks of test_score_aggregates.py)."""
    with app.test_request_context("/"):
        rnd = db.session.get(Round, round_id)
        cats = [""] + [c.name for c in rnd.categories]
        for basis in bases:
            for stage in (ranking_ops.STAGES if every_view else ("written",)):
                for category in cats:
                    assert fast_lines(rnd, basis, stage, category) == \
                        reference_lines(rnd, basis, stage, category), (basis, stage, category)


def test_page_rows_equal_the_reference_and_the_cache_follows_every_change(app, make):
    from tests.ranking.test_score_aggregates import _seed

    round_id, ps, _revs = _seed(app, make)
    assert_page_equal(app, round_id)
    with app.test_request_context("/"):
        rnd = db.session.get(Round, round_id)
        before = fast_lines(rnd, "trimmed", "written", "")
        with counting_queries(app) as repeat:
            assert fast_lines(rnd, "trimmed", "written", "") == before
        assert not any("score_aggregate" in q for q in repeat), "a repeat view is served from the cache"
        # a proposal renamed: names are read on every view, never cached
        db.session.execute(update(Proposal).where(Proposal.id == ps[1]).values(name="Renamed <b>&"))
        assert any("Renamed &lt;b&gt;&amp;" in line for line in fast_lines(rnd, "trimmed", "written", ""))
        assert fast_lines(rnd, "trimmed", "written", "") == reference_lines(rnd, "trimmed", "written", "")
        # the round's version token moves with every change of its rows (here by hand): the cache is missed
        old = db.session.get(ScoreState, round_id).version
        db.session.execute(update(ScoreState).where(ScoreState.round_id == round_id).values(version="x"))
        with counting_queries(app) as miss:
            fast_lines(rnd, "trimmed", "written", "")
        assert any("score_aggregate" in q for q in miss)
        assert old and old != "x"
        # a round built before the token existed ("" from the migration): computed on every view, never kept
        db.session.execute(update(ScoreState).where(ScoreState.round_id == round_id).values(version=""))
        for _ in range(2):
            with counting_queries(app) as seen:
                assert fast_lines(rnd, "trimmed", "written", "") == reference_lines(rnd, "trimmed", "written", "")
            assert any("score_aggregate" in q for q in seen)
        db.session.rollback()


def test_a_revision_writes_a_new_version_token_in_its_own_transaction(app, make):
    from tests.ranking.test_score_aggregates import _review, _seed

    round_id, ps, revs = _seed(app, make)
    with app.test_request_context("/"):
        rnd = db.session.get(Round, round_id)
        before_lines = fast_lines(rnd, "mean", "written", "")  # cached under the current token
        before = db.session.get(ScoreState, round_id).version
        review = _review(revs[1], ps[2])
        review.total = Decimal("99.00")
        db.session.commit()
        after = db.session.get(ScoreState, round_id).version
        assert after and after != before
        lines = fast_lines(rnd, "mean", "written", "")
        assert lines != before_lines and lines == reference_lines(rnd, "mean", "written", "")
