"""No cache that can be wrong: every input of the ranking page, changed between two views of it,
changes the page (the scoring memo in grants.ranking.operations is keyed on its exact inputs; no
rendered HTML is kept between requests), and the page survives screening -> assignment -> ranking."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update

from grants.extensions import db
from grants.models import (
    Assignment,
    Proposal,
    ProposalStatus,
    Review,
    ReviewStatus,
    Role,
    Round,
    RubricVersion,
    Stage,
    utcnow,
)
from grants.rules import rubric as rubric_mod
from tests.ranking.test_ranking_builders import ADMIN, admin_login, eligible, reviewers, reviews
from tests.review.test_review_support import sheet

EN = {"Accept-Language": "en"}
CHECKS = {"registration_valid": "y", "within_cap": "y", "attachments_complete": "y", "not_barred": "y"}


def page(client, rnd_id: int, **args) -> str:
    response = client.get(f"/admin/rounds/{rnd_id}/ranking", query_string=args, headers=EN)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def rows(html: str) -> dict[str, list[str]]:
    """number -> the row's cell texts (tags stripped), in page order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    out = {}
    for tr in re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        out[cells[2]] = cells
    return out


def order(html: str) -> list[str]:
    return list(rows(html))


# columns of a row on the overall view with per-reviewer columns:
# rank, rank in category, number, project, organization, category, n, mean, median, trimmed, standardised,
# range, sd, <one per reviewer>..., written, roadshow, score, tie-break
N, MEAN, TRIMMED, STANDARDISED, RANGE = 6, 7, 9, 10, 11


def seeded(app, make, totals: list[list[int]], vetoes=(), **round_kw):
    """A round with one eligible proposal per row of ``totals`` (one written review per reviewer)."""
    round_kw.setdefault("stage_weights", {"written": 100})
    rnd = make.round(**round_kw)
    revs = reviewers(make, max(len(t) for t in totals), prefix=f"x{rnd.id}-")
    ps = [eligible(make, rnd.id) for _ in totals]
    reviews(app, rnd.id, [(p.id, r, t, (i, j) in vetoes)
                          for i, (p, ts) in enumerate(zip(ps, totals, strict=True))
                          for j, (r, t) in enumerate(zip(revs, ts, strict=False))])
    return rnd, ps, revs


def set_round(app, rnd_id: int, **values) -> None:
    with app.app_context():
        rnd = db.session.get(Round, rnd_id)
        for key, value in values.items():
            setattr(rnd, key, value)
        db.session.commit()


def test_status_change_shows_and_hides_rows(app, client, auth, make):
    rnd, ps, _ = seeded(app, make, [[80, 81, 82]])
    waiting = make.proposal(rnd.id, status=ProposalStatus.submitted)  # not screened yet: not listed
    admin_login(make, auth)
    assert order(page(client, rnd.id)) == [ps[0].number]
    with app.app_context():
        db.session.get(Proposal, waiting.id).status = ProposalStatus.eligible
        db.session.commit()
    html = page(client, rnd.id)
    assert order(html) == [ps[0].number, waiting.number]
    assert rows(html)[waiting.number][N] == "0"
    with app.app_context():  # a reviewed proposal withdrawn leaves the ranking, its reviews with it
        db.session.get(Proposal, ps[0].id).status = ProposalStatus.withdrawn
        db.session.commit()
    assert order(page(client, rnd.id)) == [waiting.number]


def test_assignment_is_not_a_ranking_input(app, client, auth, make):
    """The ranking counts submitted reviews only: an assignment without a review leaves the numbers
    as they were (and the page stays whole)."""
    rnd, ps, revs = seeded(app, make, [[80, 81, 82], [70, 71]])
    admin_login(make, auth)
    before = rows(page(client, rnd.id))
    response = auth.post(f"/admin/rounds/{rnd.id}/assignments/proposals/{ps[1].id}/add", {"reviewer": revs[2]})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Assignment.id).where(Assignment.proposal_id == ps[1].id))
    after = rows(page(client, rnd.id))
    assert after == before
    assert after[ps[1].number][N] == "2"


def test_submitted_review_changes_the_row(app, client, auth, make):
    rnd, ps, revs = seeded(app, make, [[80, 80], [70, 70]])
    admin_login(make, auth)
    assert rows(page(client, rnd.id))[ps[1].number][N] == "2"
    reviews(app, rnd.id, [(ps[1].id, make.user(Role.reviewer, email="late@expert.example").id, 100)])
    row = rows(page(client, rnd.id))[ps[1].number]
    assert row[N] == "3" and row[MEAN] == "80.00"
    assert order(page(client, rnd.id)) == [ps[0].number, ps[1].number]  # 80 vs 80: a tie, by submission


def test_revised_review_changes_the_order_even_when_sums_and_versions_stay(app, client, auth, make):
    """Two reviews revised in one statement that keeps the sum of totals, the count, the max id and
    the version counters as they were (what the old fingerprint looked at): the page still follows."""
    rnd, ps, revs = seeded(app, make, [[80, 80, 80], [70, 70, 70]])
    admin_login(make, auth)
    assert order(page(client, rnd.id)) == [ps[0].number, ps[1].number]
    with app.app_context():
        a = db.session.scalars(select(Review.id).where(Review.proposal_id == ps[0].id)).all()
        b = db.session.scalars(select(Review.id).where(Review.proposal_id == ps[1].id)).all()
        stamps = {rid: stamp for rid, stamp in db.session.execute(select(Review.id, Review.updated_at))}
        for ids, total in ((a, 70), (b, 80)):
            for rid in ids:  # core UPDATEs: no version bump, updated_at kept as it was
                db.session.execute(update(Review).where(Review.id == rid)
                                   .values(total=Decimal(total), updated_at=stamps[rid]))
        db.session.commit()
    html = page(client, rnd.id)
    assert order(html) == [ps[1].number, ps[0].number]
    assert rows(html)[ps[1].number][MEAN] == "80.00"


def test_review_withdrawn_to_draft_leaves_the_numbers(app, client, auth, make):
    rnd, ps, revs = seeded(app, make, [[90, 60, 60]])
    admin_login(make, auth)
    assert rows(page(client, rnd.id))[ps[0].number][MEAN] == "70.00"
    with app.app_context():
        db.session.execute(update(Review).where(Review.reviewer_id == revs[0]).values(status=ReviewStatus.draft))
        db.session.commit()
    row = rows(page(client, rnd.id))[ps[0].number]
    assert row[N] == "2" and row[MEAN] == "60.00"


def test_rubric_version_changes_the_standardised_ceiling(app, client, auth, make):
    rnd, ps, _ = seeded(app, make, [[90, 92, 94], [60, 62, 64]])
    admin_login(make, auth)
    assert rows(page(client, rnd.id))[ps[0].number][STANDARDISED] == "92.09"
    small = rubric_mod.rubric_to_dict(rubric_mod.default_written_rubric())
    small["criteria"] = small["criteria"][:2]  # a new version worth far fewer points
    small["version"] = 2
    ceiling = rubric_mod.max_total(rubric_mod.rubric_from_dict(small), with_bonus=True)
    assert ceiling < Decimal("92.09")
    with app.app_context():
        db.session.add(RubricVersion(round_id=rnd.id, stage=Stage.written, version=2, definition=small))
        db.session.commit()
    assert rows(page(client, rnd.id))[ps[0].number][STANDARDISED] == f"{ceiling:.2f}"


def test_basis_changes_the_order(app, client, auth, make):
    # mean: A 78 > B 77; median: B 77 > A 75
    rnd, ps, _ = seeded(app, make, [[75, 75, 84], [77, 77, 77]], score_basis="mean")
    admin_login(make, auth)
    assert order(page(client, rnd.id)) == [ps[0].number, ps[1].number]
    assert order(page(client, rnd.id, basis="median")) == [ps[1].number, ps[0].number]
    set_round(app, rnd.id, score_basis="median")  # the round's own basis, no query argument
    assert order(page(client, rnd.id)) == [ps[1].number, ps[0].number]


def test_trim_min_reviews_changes_the_trimmed_mean(app, client, auth, make):
    rnd, ps, _ = seeded(app, make, [[50, 80, 80, 100]], trim_min_reviews=5)
    admin_login(make, auth)
    assert rows(page(client, rnd.id))[ps[0].number][TRIMMED] == "77.50*"  # 4 < 5: plain mean
    set_round(app, rnd.id, trim_min_reviews=4)
    assert rows(page(client, rnd.id))[ps[0].number][TRIMMED] == "80.00"


def test_disagreement_threshold_changes_the_flag(app, client, auth, make):
    rnd, ps, _ = seeded(app, make, [[60, 80, 80]], disagreement_threshold=Decimal("30"))
    admin_login(make, auth)
    assert rows(page(client, rnd.id))[ps[0].number][RANGE] == "20.00"
    set_round(app, rnd.id, disagreement_threshold=Decimal("15"))
    assert rows(page(client, rnd.id))[ps[0].number][RANGE] == "20.00 \u2691"


def test_veto_policy_changes_disqualification(app, client, auth, make):
    rnd, ps, _ = seeded(app, make, [[90, 90, 90], [70, 70, 70]], vetoes={(0, 0)}, veto_policy="any")
    admin_login(make, auth)
    html = page(client, rnd.id)
    assert order(html) == [ps[1].number, ps[0].number] and rows(html)[ps[0].number][0] == "DQ"
    set_round(app, rnd.id, veto_policy="majority")  # one veto of three is no majority
    html = page(client, rnd.id)
    assert order(html) == [ps[0].number, ps[1].number] and rows(html)[ps[0].number][0] == "1"


def test_stage_weights_change_the_score(app, client, auth, make):
    rnd, ps, revs = seeded(app, make, [[80, 80, 80], [70, 70, 70]])
    reviews(app, rnd.id, [(ps[1].id, r, 95) for r in revs] + [(ps[0].id, r, 60) for r in revs], stage="roadshow")
    admin_login(make, auth)
    assert order(page(client, rnd.id)) == [ps[0].number, ps[1].number]  # written only
    set_round(app, rnd.id, stage_weights={"written": 40, "roadshow": 60})
    html = page(client, rnd.id)
    assert order(html) == [ps[1].number, ps[0].number]
    assert rows(html)[ps[1].number][-2] == "85.00"  # 70 x 40% + 95 x 60%


def test_tiebreak_criterion_changes_the_explanation(app, client, auth, make):
    rnd = make.round(stage_weights={"written": 100})
    revs = reviewers(make, 3)
    a, b = eligible(make, rnd.id), eligible(make, rnd.id)
    reviews(app, rnd.id, [(a.id, r, 80, False, {"need": "10", "design": "20"}) for r in revs]
            + [(b.id, r, 80, False, {"need": "20", "design": "10"}) for r in revs])
    admin_login(make, auth)
    html = page(client, rnd.id)
    assert order(html) == [a.number, b.number]  # tied: the earlier registered proposal first
    set_round(app, rnd.id, tiebreak_criterion="need")
    html = page(client, rnd.id)
    assert order(html) == [b.number, a.number]
    assert "decides" in rows(html)[a.number][-1]


def test_pipeline_screening_assignment_ranking(app, client, auth, make):
    """Pass one more proposal in screening, assign it, view the ranking (200, the new proposal
    listed unscored), then a review of it submitted through the reviewer's form changes the page."""
    now = utcnow()
    rnd, ps, revs = seeded(app, make, [[80, 82, 84], [70, 72, 74]],
                           review_opens_at=now - timedelta(days=1), review_closes_at=now + timedelta(days=5))
    late = make.proposal(rnd.id, status=ProposalStatus.submitted)
    judge = make.user(Role.reviewer, email="judge@expert.example", name="新評審")
    admin_login(make, auth)
    assert order(page(client, rnd.id)) == [ps[0].number, ps[1].number]  # viewed before: scores computed

    response = auth.post(f"/admin/proposals/{late.id}/screening", {**CHECKS, "outcome": "pass"})
    assert response.status_code == 302
    response = auth.post(f"/admin/rounds/{rnd.id}/assignments/proposals/{late.id}/add", {"reviewer": judge.id})
    assert response.status_code == 302
    html = page(client, rnd.id)
    assert order(html) == [ps[0].number, ps[1].number, late.number]
    unscored = rows(html)[late.number]
    assert unscored[0] == ""  # no rank yet (and not disqualified)
    assert unscored[N] == "0" and unscored[-2] == ""

    auth.logout()
    assert auth.login("judge@expert.example").status_code == 302
    assert auth.post(f"/reviewer/proposals/{late.id}/declaration", {"answer": "none"}).status_code == 302
    response = auth.post(f"/reviewer/proposals/{late.id}/review", sheet())  # 75 + bonus 3
    assert response.status_code == 302
    auth.logout()
    auth.login(ADMIN)
    html = page(client, rnd.id)
    assert order(html) == [ps[0].number, late.number, ps[1].number]
    row = rows(html)[late.number]
    assert row[0] == "2" and row[N] == "1" and row[MEAN] == "78.00"
    assert "新評審" in html  # the new reviewer's column
