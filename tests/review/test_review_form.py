"""The score form: validation next to fields, server-side totals, window, save-and-next,
stale versions (409), the first-save race, peer scores, audit."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    AuditEntry,
    Proposal,
    ProposalStatus,
    Review,
    ReviewStatus,
    Role,
    RubricVersion,
    utcnow,
)
from tests.review.test_review_support import EN, GOOD_SCORES, assign, setup, sheet, stored_review


def _field_block(html: str, field_id: str) -> str:
    """The <div class="field ..."> that holds the input with this id."""
    start = html.index(f'id="{field_id}"')
    begin = html.rindex('<div class="field', 0, start)
    end = html.index("</div>", start)
    return html[begin:end]


def test_validation_errors_next_to_fields_in_english(app, client, auth, make):
    rnd, reviewer, (p,) = setup(make, app)
    auth.login(reviewer.email)
    html = client.get(f"/reviewer/proposals/{p.id}/review", headers=EN).get_data(as_text=True)
    assert html.index("veto_charges_beneficiaries") < html.index("score_need")  # veto questions first
    assert "Needs are well researched" in html  # band descriptors in the user's language
    scores = dict(GOOD_SCORES, need="5", design="26", innovation="abc")
    response = auth.post(f"/reviewer/proposals/{p.id}/review",
                         sheet(scores, veto={"political_religious": "yes"}, bonus={"rating_4a": "1"}), headers=EN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "is in the “Poor” band: please add a comment" in _field_block(html, "comment_need")
    assert "must be between 0 and 25" in _field_block(html, "score_design")
    assert "must be a number" in _field_block(html, "score_innovation")
    assert "please give the reason" in _field_block(html, "comment_political_religious")
    assert "must be a multiple of 2" in _field_block(html, "bonus_rating_4a")
    assert 'value="abc"' in html  # nothing typed is lost
    assert stored_review(app, p.id, reviewer.id) is None


def test_total_recomputed_on_the_server(app, client, auth, make):
    rnd, reviewer, (p,) = setup(make, app)
    auth.login(reviewer.email)
    data = sheet(dict(GOOD_SCORES, need="１５．０"), bonus={"matching_funds": "3", "rating_4a": "2"})
    data["total"] = "100"  # whatever the browser claims is ignored
    assert auth.post(f"/reviewer/proposals/{p.id}/review", data).status_code == 302
    review = stored_review(app, p.id, reviewer.id)
    assert review.total == Decimal("80.00")  # 75 + min(3 + 2, cap 5)
    assert review.status == ReviewStatus.submitted and review.submitted_at is not None
    assert review.scores["need"] == "15.0" and isinstance(review.scores["design"], str)
    assert review.veto_answers == {k: False for k in review.veto_answers} and len(review.veto_answers) == 4
    assert review.vetoed is False
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "submit_review"))
        assert Decimal(entry.details["total"]) == 80 and entry.details["scores"]["need"] == "15.0"


def test_draft_may_be_incomplete_and_veto_sets_flag(app, client, auth, make):
    rnd, reviewer, (p,) = setup(make, app)
    auth.login(reviewer.email)
    assert auth.post(f"/reviewer/proposals/{p.id}/review",
                     sheet({"need": "12"}, action="draft", bonus={})).status_code == 302
    review = stored_review(app, p.id, reviewer.id)
    assert review.status == ReviewStatus.draft and review.total is None and review.scores == {"need": "12"}
    response = auth.post(f"/reviewer/proposals/{p.id}/review",
                         sheet(veto={"charges_beneficiaries": "yes"}, comments={"charges_beneficiaries": "收費 50 元"},
                               version=review.version))
    assert response.status_code == 302
    review = stored_review(app, p.id, reviewer.id)
    assert review.vetoed is True and review.total == Decimal("78.00")


def test_window_closed_no_save(app, client, auth, make):
    now = utcnow()
    rnd, reviewer, (p,) = setup(make, app, review_opens_at=now - timedelta(days=9),
                                review_closes_at=now - timedelta(seconds=1))
    auth.login(reviewer.email)
    html = client.get(f"/reviewer/proposals/{p.id}/review", headers=EN).get_data(as_text=True)
    assert "review window is not open" in html and 'value="submit"' not in html
    response = auth.post(f"/reviewer/proposals/{p.id}/review", sheet(), headers=EN)
    assert response.status_code == 403
    assert "The review window is closed" in response.get_data(as_text=True)
    assert stored_review(app, p.id, reviewer.id) is None


def test_save_and_next_goes_to_next_unfinished(app, client, auth, make):
    rnd, reviewer, (p1, p2, p3) = setup(make, app, n_proposals=3)
    auth.login(reviewer.email)
    # p2 is already submitted, so "next" after p1 skips it
    assert auth.post(f"/reviewer/proposals/{p2.id}/review", sheet()).status_code == 302
    response = auth.post(f"/reviewer/proposals/{p1.id}/review", sheet(action="submit_next"))
    assert response.headers["Location"].endswith(f"/reviewer/proposals/{p3.id}/review")
    response = auth.post(f"/reviewer/proposals/{p3.id}/review", sheet(action="draft_next"))
    assert response.headers["Location"].endswith("/reviewer/")  # nothing else unfinished: back to the list
    html = client.get("/reviewer/", headers=EN).get_data(as_text=True)
    assert "2 of 3 submitted" in html and "left" in html


def test_stale_version_gives_409_with_both_versions(app, client, auth, make):
    rnd, reviewer, (p,) = setup(make, app)
    auth.login(reviewer.email)
    assert auth.post(f"/reviewer/proposals/{p.id}/review", sheet(action="draft")).status_code == 302
    v1 = stored_review(app, p.id, reviewer.id).version
    # tab A saves on top of v1
    assert auth.post(f"/reviewer/proposals/{p.id}/review",
                     sheet(dict(GOOD_SCORES, need="16"), action="draft", version=v1)).status_code == 302
    # tab B still carries v1
    response = auth.post(f"/reviewer/proposals/{p.id}/review",
                         sheet(dict(GOOD_SCORES, need="13"), action="draft", version=v1), headers=EN)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed in another window" in html
    assert re.search(r'id="score_need"[^>]*value="13"', html)  # yours, as typed
    assert re.search(r'class="stored-score" data-criterion="need">16<', html)  # the stored one
    assert stored_review(app, p.id, reviewer.id).scores["need"] == "16"  # nothing overwritten
    # the 409 form carries the stored version: saving again now works
    v2 = stored_review(app, p.id, reviewer.id).version
    assert f'name="version" type="hidden" value="{v2}"' in html
    assert auth.post(f"/reviewer/proposals/{p.id}/review",
                     sheet(dict(GOOD_SCORES, need="13"), action="draft", version=v2)).status_code == 302
    assert stored_review(app, p.id, reviewer.id).scores["need"] == "13"


@pytest.mark.postgresql_only  # on SQLite a POST holds the write lock from BEGIN: nothing can commit in between
def test_stale_data_error_at_flush_is_a_409(app, client, auth, make, monkeypatch, backend):
    """The explicit version check passed, but another request committed in between."""
    rnd, reviewer, (p,) = setup(make, app)
    auth.login(reviewer.email)
    assert auth.post(f"/reviewer/proposals/{p.id}/review", sheet(action="draft")).status_code == 302
    version = stored_review(app, p.id, reviewer.id).version
    from grants.review import operations as ops

    original = ops.find_review

    def find_then_race(reviewer_id, proposal_id, stage=ops.Stage.written):
        review = original(reviewer_id, proposal_id, stage)
        if review is not None:
            other = db.engine.connect()
            other.execute(Review.__table__.update().where(Review.id == review.id)
                          .values(version=Review.version + 1, scores={"need": "9"}))
            other.commit()
            other.close()
        return review

    monkeypatch.setattr(ops, "find_review", find_then_race)
    response = auth.post(f"/reviewer/proposals/{p.id}/review", sheet(action="draft", version=version), headers=EN)
    assert response.status_code == 409
    assert "changed in another window" in response.get_data(as_text=True)


def test_first_save_race_gives_one_row(app, make):
    """Two first saves: the second one's lookup found nothing, then the other committed."""
    rnd, reviewer, (p,) = setup(make, app)
    from grants.review import operations as ops
    from grants.review import rubrics as rubric_ops

    with app.test_request_context():
        proposal = db.session.get(Proposal, p.id)
        rv = rubric_ops.current_version(rnd.id, ops.Stage.written)
        rubric = ops.rubric_of_version(rv)
        db.session.commit()
        first = ops.SheetInput(scores=dict(GOOD_SCORES), veto_answers={k: False for k in
                               [v.key for v in rubric.veto_items]})
        ops.save_review(reviewer.id, proposal, rv, first, submit=False, existing=None)
        db.session.commit()
    with app.test_request_context():  # another session that had looked before that commit
        proposal = db.session.get(Proposal, p.id)
        rv = db.session.scalar(select(RubricVersion))
        second = ops.SheetInput(scores=dict(GOOD_SCORES, need="19"), comments={"need": "很好"})
        review = ops.save_review(reviewer.id, proposal, rv, second, submit=False, existing=None)
        db.session.commit()
        assert review.scores["need"] == "19"
        assert db.session.scalar(select(func.count(Review.id))) == 1


def test_peer_scores_hidden_then_revealed(app, client, auth, make):
    rnd, reviewer, (p,) = setup(make, app, reveal_peer_scores=True)
    peer = make.user(Role.reviewer, email="peer@example.org", name="秘密專家乙")
    assign(app, p.id, peer.id, rnd.id)
    auth.login(peer.email)
    assert auth.post(f"/reviewer/proposals/{p.id}/review",
                     sheet(dict(GOOD_SCORES, need="18"), comments={"need": "PEER-COMMENT-XYZ"})).status_code == 302
    auth.logout()
    auth.login(reviewer.email)
    html = client.get(f"/reviewer/proposals/{p.id}", headers=EN).get_data(as_text=True)
    assert "PEER-COMMENT-XYZ" not in html and "Other reviewers" not in html  # not before own submission
    assert "PEER-COMMENT-XYZ" not in client.get(f"/reviewer/proposals/{p.id}/review").get_data(as_text=True)
    assert auth.post(f"/reviewer/proposals/{p.id}/review", sheet()).status_code == 302
    html = client.get(f"/reviewer/proposals/{p.id}", headers=EN).get_data(as_text=True)
    assert "PEER-COMMENT-XYZ" in html and "81.00" in html and "秘密專家乙" not in html and "peer@example.org" not in html
    with app.app_context():  # the round does not reveal: hidden even after submitting
        from grants.models import Round

        db.session.get(Round, rnd.id).reveal_peer_scores = False
        db.session.commit()
    html = client.get(f"/reviewer/proposals/{p.id}", headers=EN).get_data(as_text=True)
    assert "PEER-COMMENT-XYZ" not in html


def test_other_proposals_are_404(app, client, auth, make):
    rnd, reviewer, (p,) = setup(make, app)
    stranger = make.proposal(rnd.id, status=ProposalStatus.eligible)
    auth.login(reviewer.email)
    for url in (f"/reviewer/proposals/{stranger.id}", f"/reviewer/proposals/{stranger.id}/review",
                f"/reviewer/proposals/{stranger.id}/declaration", f"/reviewer/proposals/{stranger.id}/score-sheet.pdf"):
        assert client.get(url).status_code == 404
    assert auth.post(f"/reviewer/proposals/{stranger.id}/review", sheet()).status_code == 404


def test_validation_errors_in_chinese_and_drafts_refuse_only_malformed_input(app, client, auth, make):
    rnd, reviewer, (p,) = setup(make, app)
    auth.login(reviewer.email)
    zh_hans = {"Accept-Language": "zh-CN"}
    scores = dict(GOOD_SCORES, design="26", innovation="ABC")
    response = auth.post(f"/reviewer/proposals/{p.id}/review", sheet(scores, veto={"political_religious": "yes"}),
                         headers=zh_hans)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "“项目设计与可行性”的分数必须在 0 到 25 之间。" in _field_block(html, "score_design")
    assert "“创新性”的分数必须是数字。" in _field_block(html, "score_innovation")
    assert "否决项“涉及政治或宗教活动”选择了“是”，请填写理由。" in _field_block(html, "comment_political_religious")
    # a draft may be incomplete, but not malformed: the same number problem, in Traditional Chinese
    response = auth.post(f"/reviewer/proposals/{p.id}/review", sheet({"need": "十二"}, action="draft", bonus={}),
                         headers={"Accept-Language": "zh-TW"})
    assert response.status_code == 400
    assert "「需求與必要性」的分數必須是數字。" in _field_block(response.get_data(as_text=True), "score_need")
    assert stored_review(app, p.id, reviewer.id) is None
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action.in_(["save_review_draft", "submit_review"]))) == 0


def test_window_closed_refusal_in_chinese(app, client, auth, make):
    now = utcnow()
    rnd, reviewer, (p,) = setup(make, app, review_opens_at=now - timedelta(days=9),
                                review_closes_at=now - timedelta(seconds=1))
    auth.login(reviewer.email)
    response = auth.post(f"/reviewer/proposals/{p.id}/review", sheet(), headers={"Accept-Language": "zh-TW"})
    assert response.status_code == 403
    assert "評審期已結束，評分不能再保存。" in response.get_data(as_text=True)
    assert stored_review(app, p.id, reviewer.id) is None
