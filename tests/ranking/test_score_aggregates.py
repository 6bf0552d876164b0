"""The stored score aggregates are never stale: after EACH input that changes them, the ranking read from
them equals the pure scoring module over the raw reviews, and the stored rows equal a recomputation.

Inputs: a review submitted (new), revised, returned to draft, deleted by a conflict declaration, its
veto changed; a proposal withdrawn, reopened, re-admitted, deleted; a roadshow score; and the settings
applied at read time (basis, trim threshold, veto policy, disagreement threshold, stage weights,
criterion tie-break, a new rubric version).  Each case starts from a round whose rows are built."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    Assignment,
    Category,
    Proposal,
    ProposalStatus,
    Review,
    ReviewStatus,
    Round,
    RubricVersion,
    ScoreAggregate,
    ScoreState,
    Stage,
    User,
    utcnow,
)
from grants.ranking import aggregates
from grants.ranking import operations as ranking_ops
from grants.review import operations as review_ops
from grants.rules import rubric as rubric_mod
from grants.rules import scoring
from tests.conftest import counting_queries
from tests.ranking.test_ranking_builders import admin_login, categories, eligible, reviewers
from tests.ranking.test_ranking_builders import reviews as add_reviews

TOTALS = [  # proposal x reviewer; None = no review
    [50, 80, 80, 80, 100],
    [79, 79, 79, 79, 79],
    [70, 72, None, 76, 78],
    [90, 91, 92, 93, 94],
    [60.5, 61, 62.25, 63, 64],
    [85, 86, 84, None, None],
    [40, None, None, None, None],
]


def _seed(app, make):
    rnd = make.round()
    cats = categories(app, rnd.id)
    revs = reviewers(make, 5)
    ps = [eligible(make, rnd.id, category_id=cats[i % 2][0]).id for i in range(len(TOTALS))]
    rows = []
    for i, (pid, totals) in enumerate(zip(ps, TOTALS, strict=True)):
        for j, (rid, t) in enumerate(zip(revs, totals, strict=True)):
            if t is not None:
                rows.append((pid, rid, t, i == 3 and j == 0, {"need": str(min(20, t / 5)), "design": str(j + i)}))
    add_reviews(app, rnd.id, rows)
    with app.app_context():
        assert db.session.get(ScoreState, rnd.id) is not None, "the first commit builds the round's rows"
    return rnd.id, ps, revs


def _criteria(scores):
    return {k: Decimal(str(v)) for k, v in (scores or {}).items()}


def recomputed(round_id: int, basis: str | None = None) -> scoring.RoundResult:
    """The ranking from the raw reviews with the pure scoring module (what the stored rows must give)."""
    rnd = db.session.get(Round, round_id)
    config = ranking_ops.round_config(rnd, basis)
    received = Proposal.status.not_in([ProposalStatus.draft, ProposalStatus.withdrawn])
    rows = db.session.execute(
        select(Review.proposal_id, Review.reviewer_id, Review.total, Review.vetoed, Review.scores, Review.stage)
        .join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.round_id == round_id, received, Review.status == ReviewStatus.submitted,
               Review.total.is_not(None))).all()
    props = db.session.execute(
        select(Proposal.id, Category.name, Proposal.submitted_at).outerjoin(Category, Category.id == Proposal.category_id)
        .where(Proposal.round_id == round_id, received).order_by(Proposal.id)).all()
    return scoring.score_round(
        [scoring.ReviewScore(p, r, t, v, _criteria(s), stage=str(st)) for p, r, t, v, s, st in rows
         if str(st) in config.stage_weights],
        [scoring.ProposalInfo(pid, cat or "", sub) for pid, cat, sub in props], config)


def _plain(agg: scoring.ProposalAggregate, criteria: bool):
    return dataclasses.replace(agg, criteria_mean=agg.criteria_mean if criteria else {})


def assert_fresh(app, round_id: int, bases=("trimmed", "mean", "median", "standardised")) -> None:
    with app.app_context():
        stored, raw = aggregates.load(db.session, round_id), aggregates._from_reviews(db.session, round_id)
        assert stored.parts == raw.parts
        assert stored.marks == raw.marks
        assert stored.spread == raw.spread
        rnd = db.session.get(Round, round_id)
        for basis in bases:
            got = ranking_ops.round_scores(rnd, basis).result
            want = recomputed(round_id, basis)
            crit = bool(rnd.tiebreak_criterion)
            assert {s: {p: _plain(a, crit) for p, a in aggs.items()} for s, aggs in got.aggregates.items()} == \
                {s: {p: _plain(a, crit) for p, a in aggs.items()} for s, aggs in want.aggregates.items()}, basis
            assert got.blended == want.blended, basis
            assert got.overall == want.overall, basis
            assert got.by_category == want.by_category, basis
            assert got.unscored == want.unscored, basis
    from tests.ranking.test_ranking_fast import assert_page_equal

    assert_page_equal(app, round_id, bases, every_view=False)  # the ranking page's fast path (and its cache)


def _review(rid: int, pid: int, stage=Stage.written) -> Review:
    return db.session.scalar(select(Review).where(Review.reviewer_id == rid, Review.proposal_id == pid,
                                                  Review.stage == stage))


def _standardised(app, round_id, pid):
    with app.app_context():
        rnd = db.session.get(Round, round_id)
        return ranking_ops.round_scores(rnd, "standardised").result.aggregates["written"][pid].standardised


# ------------------------------------------------------------------ review changes


def test_new_review_submitted(app, make):
    rid_round, ps, revs = _seed(app, make)
    before = _standardised(app, rid_round, ps[0])
    add_reviews(app, rid_round, [(ps[2], revs[2], 99)])
    assert_fresh(app, rid_round)
    assert _standardised(app, rid_round, ps[0]) != before, "a new review moves the reviewer's z-scale elsewhere too"


def test_review_submitted_through_the_operation(app, make):
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        rnd = db.session.get(Round, rid_round)
        rnd.review_opens_at = utcnow() - timedelta(days=1)
        rnd.review_closes_at = utcnow() + timedelta(days=5)
        db.session.commit()
        rv = db.session.scalar(select(RubricVersion).where(RubricVersion.round_id == rid_round))
        rub = rubric_mod.rubric_from_dict(rv.definition)
        data = review_ops.SheetInput(
            scores={c.key: str(c.max_points) for c in rub.criteria},
            comments={c.key: "充分" for c in rub.criteria} | {v.key: "無" for v in rub.veto_items},
            veto_answers={v.key: False for v in rub.veto_items})
        proposal = db.session.get(Proposal, ps[5])
        review_ops.save_review(revs[4], proposal, rv, data, submit=True, existing=None)
        db.session.commit()
    assert_fresh(app, rid_round)


def test_review_revised(app, make):
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        _review(revs[1], ps[1]).total = Decimal("12.5")
        db.session.commit()
    assert_fresh(app, rid_round)


def test_review_revised_after_its_status_expired(app, make):
    """An object loaded in an earlier transaction (expired by its commit): changing only its total still counts."""
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        review = _review(revs[2], ps[3])
        db.session.commit()  # expires every attribute, status included
        review.total = Decimal("7")
        db.session.commit()
    assert_fresh(app, rid_round)


def test_review_veto_changed(app, make):
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        _review(revs[0], ps[3]).vetoed = False
        _review(revs[2], ps[4]).vetoed = True
        db.session.commit()
    assert_fresh(app, rid_round)


def test_review_criteria_changed(app, make):
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        db.session.get(Round, rid_round).tiebreak_criterion = "design"
        _review(revs[1], ps[1]).scores = {"need": "3", "design": "19"}
        db.session.commit()
    assert_fresh(app, rid_round)


def test_review_returned_to_draft(app, make):
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        review = _review(revs[0], ps[6])
        review.status = ReviewStatus.draft
        _review(revs[3], ps[0]).status = ReviewStatus.draft
        db.session.commit()
    assert_fresh(app, rid_round)
    with app.app_context():
        assert db.session.get(ScoreAggregate, (ps[6], Stage.written)) is None, "no submitted review left: no row"


def test_review_dropped_by_a_conflict_declaration(app, make):
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        review_ops.declare(db.session.get(User, revs[1]), db.session.get(Proposal, ps[0]), has_conflict=True,
                           relation="family", note="表親")
        db.session.commit()
        assert _review(revs[1], ps[0]) is None
    assert_fresh(app, rid_round)


def test_assignment_removed_leaves_the_figures_right(app, make):
    from grants.assignment import manual

    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        row = Assignment(round_id=rid_round, proposal_id=ps[5], reviewer_id=revs[3], stage=Stage.written)
        db.session.add(row)
        db.session.commit()
        manual.unassign(db.session.get(Assignment, row.id))
        db.session.commit()
    assert_fresh(app, rid_round)


def test_a_rolled_back_change_leaves_the_rows_alone(app, make):
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        _review(revs[1], ps[1]).total = Decimal("1")
        db.session.flush()
        db.session.rollback()
        _review(revs[2], ps[1]).total = Decimal("2")  # a later transaction commits another change
        db.session.commit()
    assert_fresh(app, rid_round)


def test_roadshow_scores(app, make):
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        db.session.get(Round, rid_round).stage_weights = {"written": 40, "roadshow": 60}
        db.session.commit()
    add_reviews(app, rid_round, [(ps[0], revs[0], 88), (ps[0], revs[1], 70), (ps[1], revs[0], 90)], stage="roadshow")
    assert_fresh(app, rid_round)
    with app.app_context():
        _review(revs[0], ps[0], Stage.roadshow).total = Decimal("40")
        db.session.commit()
    assert_fresh(app, rid_round)


# ------------------------------------------------------------------ proposal changes


@pytest.mark.parametrize("status", [ProposalStatus.withdrawn, ProposalStatus.draft, ProposalStatus.rejected])
def test_proposal_status_changes(app, make, status):
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        db.session.get(Proposal, ps[0]).status = status
        db.session.commit()
    assert_fresh(app, rid_round)
    with app.app_context():
        db.session.get(Proposal, ps[0]).status = ProposalStatus.eligible  # and back
        db.session.commit()
    assert_fresh(app, rid_round)


def test_proposal_withdrawn_through_the_operation(app, make):
    from grants.intake import operations as intake_ops

    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        proposal = db.session.get(Proposal, ps[2])
        proposal.status = ProposalStatus.submitted
        db.session.commit()
        intake_ops.withdraw_proposal(db.session.get(Proposal, ps[2]), None, utcnow())
        db.session.commit()
        assert db.session.get(Proposal, ps[2]).status == ProposalStatus.withdrawn
    assert_fresh(app, rid_round)


def test_proposal_deleted(app, make):
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        db.session.delete(db.session.get(Proposal, ps[1]))
        db.session.commit()
    assert_fresh(app, rid_round)


# ------------------------------------------------------------------ settings (applied when read)


@pytest.mark.parametrize("change", [
    {"score_basis": "median"}, {"trim_min_reviews": 3}, {"trim_min_reviews": 7}, {"veto_policy": "majority"},
    {"disagreement_threshold": Decimal("5")}, {"stage_weights": {"written": 30, "roadshow": 70}},
    {"tiebreak_criterion": "need"},
])
def test_round_settings(app, make, change):
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        rnd = db.session.get(Round, rid_round)
        for k, v in change.items():
            setattr(rnd, k, v)
        db.session.commit()
    assert_fresh(app, rid_round)


def test_new_rubric_version_with_another_maximum(app, make):
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        rub = rubric_mod.default_written_rubric()
        small = dataclasses.replace(rub, criteria=rub.criteria[:1])
        db.session.add(RubricVersion(round_id=rid_round, stage=Stage.written, version=2,
                                     definition=rubric_mod.rubric_to_dict(small)))
        db.session.commit()
        assert ranking_ops.round_config(db.session.get(Round, rid_round)).max_points < 100
    assert_fresh(app, rid_round)


# ------------------------------------------------------------------ rounds without rows, the page, the code


def test_round_without_rows_reads_the_raw_reviews_and_is_built_on_its_next_change(app, make):
    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        db.session.execute(ScoreAggregate.__table__.delete())
        db.session.execute(ScoreState.__table__.delete())
        db.session.commit()
        assert aggregates.load(db.session, rid_round).parts == aggregates._from_reviews(db.session, rid_round).parts
        rnd = db.session.get(Round, rid_round)
        got, want = ranking_ops.round_scores(rnd).result, recomputed(rid_round)
        assert got.overall == want.overall
        _review(revs[1], ps[1]).total = Decimal("33")
        db.session.commit()
        assert db.session.get(ScoreState, rid_round) is not None
        assert db.session.scalar(select(func.count()).select_from(ScoreAggregate)
                                 .where(ScoreAggregate.round_id == rid_round)) == len(TOTALS)
    assert_fresh(app, rid_round)


def test_the_page_shows_the_stored_figures_after_a_revision(app, client, auth, make):
    rid_round, ps, revs = _seed(app, make)
    admin_login(make, auth)
    url = f"/admin/rounds/{rid_round}/ranking?basis=standardised"
    assert client.get(url).status_code == 200
    with app.app_context():
        _review(revs[1], ps[1]).total = Decimal("11")
        db.session.commit()
        want = recomputed(rid_round, "standardised").aggregates["written"][ps[1]]
    html = client.get(url).get_data(as_text=True)
    assert f"<td class=n>{want.mean}</td>" in html and f"<td class=n>{want.standardised}</td>" in html


def test_query_count_independent_of_the_number_of_proposals(app, client, auth, make):
    admin_login(make, auth)
    revs = reviewers(make, 5)
    counts = []
    for n in (4, 40):
        rnd = make.round()
        rows = []
        for i in range(n):
            p = eligible(make, rnd.id)
            rows += [(p.id, r, 60 + (i * 7 + j * 3) % 30) for j, r in enumerate(revs)]
        add_reviews(app, rnd.id, rows)
        with app.app_context():
            assert db.session.get(ScoreState, rnd.id) is not None
        with counting_queries(app) as seen:
            assert client.get(f"/admin/rounds/{rnd.id}/ranking").status_code == 200
            assert client.get(f"/admin/rounds/{rnd.id}/dashboard").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


def test_a_bulk_statement_rebuilds_the_built_rounds(app, make):
    from sqlalchemy import update

    rid_round, ps, revs = _seed(app, make)
    with app.app_context():
        db.session.execute(update(Review).where(Review.proposal_id == ps[0]).values(total=Decimal("5")))
        db.session.execute(update(Proposal.__table__).where(Proposal.__table__.c.id == ps[1])
                           .values(status=ProposalStatus.withdrawn))
        db.session.commit()
    assert_fresh(app, rid_round)
