"""The roadshow: shortlist by rank, the reproducible draw, the printed order, judges on their phones,
the host's status JSON."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEntry, ProposalStatus, Review, RoadshowSlot, Round, Stage
from grants.roadshow import operations as roadshow_ops
from tests.ranking.test_ranking_builders import admin_login, eligible, reviewers, reviews

EN = {"Accept-Language": "en"}
ZH_HANT = {"Accept-Language": "zh-TW"}
ZH_HANS = {"Accept-Language": "zh-CN"}


def _round_with_scores(app, make, n=8):
    rnd = make.round()
    revs = reviewers(make, 5, prefix="w")
    ps = [eligible(make, rnd.id, name=f"項目{i:02d}號") for i in range(n)]
    reviews(app, rnd.id, [(p.id, r, 60 + 3 * i + j) for i, p in enumerate(ps) for j, r in enumerate(revs)])
    return rnd, ps


def _order(app, round_id):
    with app.app_context():
        return [pid for pid, in db.session.execute(
            select(RoadshowSlot.proposal_id).where(RoadshowSlot.round_id == round_id).order_by(RoadshowSlot.position))]


def test_shortlist_by_rank_and_by_hand(app, client, auth, make):
    rnd, ps = _round_with_scores(app, make)
    admin_login(make, auth)
    r = auth.post(f"/admin/rounds/{rnd.id}/roadshow/shortlist", {"mode": "rank", "rank-top_n": "3"})
    assert r.status_code == 302
    with app.app_context():
        slots = set(db.session.scalars(select(RoadshowSlot.proposal_id).where(RoadshowSlot.round_id == rnd.id)))
        assert slots == {ps[-1].id, ps[-2].id, ps[-3].id}  # highest totals
        from grants.models import Proposal

        assert db.session.get(Proposal, ps[-1].id).status == ProposalStatus.shortlisted
    # by hand replaces the list; the one dropped goes back to eligible
    r = auth.post(f"/admin/rounds/{rnd.id}/roadshow/shortlist",
                  {"mode": "hand", "hand-proposals": [str(ps[0].id), str(ps[-1].id)]})
    assert r.status_code == 302
    with app.app_context():
        from grants.models import Proposal

        slots = set(db.session.scalars(select(RoadshowSlot.proposal_id).where(RoadshowSlot.round_id == rnd.id)))
        assert slots == {ps[0].id, ps[-1].id}
        assert db.session.get(Proposal, ps[-2].id).status == ProposalStatus.eligible
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "roadshow_shortlist"))
    html = client.get(f"/admin/rounds/{rnd.id}/roadshow", headers=EN).get_data(as_text=True)
    assert "項目00號" in html and "項目07號" in html


def test_draw_is_reproducible_from_the_seed(app, client, auth, make):
    rnd, ps = _round_with_scores(app, make)
    admin_login(make, auth)
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/shortlist", {"mode": "rank", "rank-top_n": "8"})
    r = auth.post(f"/admin/rounds/{rnd.id}/roadshow/draw", {"draw-seed": "a1b2c3d4e5f60718"})
    assert r.status_code == 302
    first = _order(app, rnd.id)
    numbers = {p.id: p.number for p in ps}
    assert [numbers[pid] for pid in first] == roadshow_ops.expected_order("a1b2c3d4e5f60718", numbers.values())
    html = client.get(f"/admin/rounds/{rnd.id}/roadshow", headers=EN).get_data(as_text=True)
    assert "a1b2c3d4e5f60718" in html and "Verified" in html
    # the same seed again: the same order; another seed: another order
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/draw", {"draw-seed": "a1b2c3d4e5f60718"})
    assert _order(app, rnd.id) == first
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/draw", {"draw-seed": "ffff000011112222"})
    assert _order(app, rnd.id) != first
    # a blank seed draws a fresh 16-hex seed, recorded on the round and in the audit log
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/draw", {"draw-seed": ""})
    with app.app_context():
        rnd_row = db.session.get(Round, rnd.id)
        assert len(rnd_row.roadshow_seed) == 16 and int(rnd_row.roadshow_seed, 16) >= 0
        check = roadshow_ops.verify_draw(rnd_row)
        assert check.ok
        draws = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "roadshow_draw")).all()
        assert [d.details["seed"] for d in draws][:2] == ["a1b2c3d4e5f60718"] * 2
        # tampering with a position is detected
        slot = db.session.scalar(select(RoadshowSlot).where(RoadshowSlot.position == 1))
        other = db.session.scalar(select(RoadshowSlot).where(RoadshowSlot.position == 2))
        slot.position, other.position = 2, 1
        db.session.commit()
        assert not roadshow_ops.verify_draw(db.session.get(Round, rnd.id)).ok


def test_order_pdf_lists_the_names_in_order(app, client, auth, make):
    rnd, ps = _round_with_scores(app, make, n=5)
    admin_login(make, auth)
    assert client.get(f"/admin/rounds/{rnd.id}/roadshow/order.pdf").status_code == 302  # not drawn yet
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/shortlist", {"mode": "rank", "rank-top_n": "5"})
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/draw", {"draw-seed": "0123456789abcdef"})
    r = client.get(f"/admin/rounds/{rnd.id}/roadshow/order.pdf", headers=EN)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
    names = {p.id: p.name for p in ps}
    positions = [text.index(names[pid]) for pid in _order(app, rnd.id)]
    assert positions == sorted(positions)
    assert "0123456789abcdef" in text


def _pitch_day(app, make, auth, n_judges=5):
    rnd, ps = _round_with_scores(app, make, n=3)
    judges = reviewers(make, n_judges, prefix="j")
    admin_login(make, auth)
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/shortlist", {"mode": "rank", "rank-top_n": "3"})
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/draw", {"draw-seed": "5eed5eed5eed5eed"})
    r = auth.post(f"/admin/rounds/{rnd.id}/roadshow/panel", {"panel-judges": [str(j) for j in judges]})
    assert r.status_code == 302
    r = auth.post(f"/admin/rounds/{rnd.id}/roadshow/next")
    assert r.status_code == 302
    return rnd, ps, judges


def _sheet(proposal_id, presentation, qa, feasibility, comments=None) -> dict:
    """The judge's form as the phone posts it (criteria of the default roadshow rubric)."""
    data = {"proposal_id": str(proposal_id), "score_presentation": presentation, "score_qa": qa,
            "score_feasibility": feasibility}
    data.update({f"comment_{key}": text for key, text in (comments or {}).items()})
    return data


SHEETS = [("25", "24", "30"), ("22", "23", "33"), ("26", "21", "29"), ("20", "25", "31"), ("24", "22", "35")]


def test_judges_score_on_their_phones_and_the_host_sees_it(app, client, auth, make):
    rnd, ps, judges = _pitch_day(app, make, auth)
    first = _order(app, rnd.id)[0]
    status = client.get(f"/admin/rounds/{rnd.id}/roadshow/status.json").get_json()
    assert status["current"]["proposal_id"] == first
    assert status["total_judges"] == 5 and status["submitted"] == 0 and status["score"] is None
    host = client.get(f"/admin/rounds/{rnd.id}/roadshow/host", headers=EN).get_data(as_text=True)
    assert 'data-present="8"' in host and 'data-qa="7"' in host and "js/roadshow.js" in host
    auth.logout()
    totals = []
    for i in range(len(judges)):
        auth.login(f"j{i}@expert.example")
        page = client.get(f"/reviewer/rounds/{rnd.id}/roadshow", headers=EN)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert 'name="score_presentation"' in html and 'inputmode="decimal"' in html and "Total" in html
        assert 'data-weight="1"' in html and 'type="number"' in html  # js/roadshow.js adds up as the judge types
        assert f'name="proposal_id" type="hidden" value="{first}"' in html
        if i == 0:  # a bad sheet first: errors next to the field, what was typed is kept
            bad = auth.post(f"/reviewer/rounds/{rnd.id}/roadshow", _sheet(first, "31", "24", "x"), headers=EN)
            assert bad.status_code == 400
            body = bad.get_data(as_text=True)
            assert 'value="31"' in body and 'aria-invalid="true"' in body
        p, q, f = SHEETS[i]
        r = auth.post(f"/reviewer/rounds/{rnd.id}/roadshow", _sheet(first, p, q, f))
        assert r.status_code == 302, r.get_data(as_text=True)
        totals.append(int(p) + int(q) + int(f))
        if i < len(judges) - 1:
            auth.logout()
            auth.login("admin@example.org")
            status = client.get(f"/admin/rounds/{rnd.id}/roadshow/status.json").get_json()
            assert status["submitted"] == i + 1 and not status["all_submitted"] and status["score"] is None
            assert sorted(j["id"] for j in status["judges"] if j["submitted"]) == sorted(judges[: i + 1])
            auth.logout()
    # the judge's own signed sheet
    sheet = client.get(f"/reviewer/rounds/{rnd.id}/roadshow/{first}/sheet.pdf", headers=EN)
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(sheet.data)).pages)
    assert "Roadshow score sheet" in text and f"{sum(map(int, SHEETS[-1]))}" in text
    auth.logout()
    auth.login("admin@example.org")
    status = client.get(f"/admin/rounds/{rnd.id}/roadshow/status.json").get_json()
    assert status["all_submitted"] and status["submitted"] == 5
    trimmed = (sum(totals) - max(totals) - min(totals)) / 3
    assert status["score"] == f"{trimmed:.2f}" and status["trimmed"] is True
    with app.app_context():
        stored = db.session.scalars(select(Review).where(Review.stage == Stage.roadshow)).all()
        assert len(stored) == 5 and all(r.status == "submitted" for r in stored)
    # next project: the host moves on, the judge page follows
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/next")
    status = client.get(f"/admin/rounds/{rnd.id}/roadshow/status.json").get_json()
    assert status["current"]["proposal_id"] == _order(app, rnd.id)[1] and status["submitted"] == 0
    # the ranking now blends the roadshow in for that project
    html = client.get(f"/admin/rounds/{rnd.id}/ranking", headers=EN).get_data(as_text=True)
    assert f"{trimmed:.2f}" in html


def test_a_reviewer_not_on_the_panel_is_refused(app, client, auth, make):
    rnd, ps, judges = _pitch_day(app, make, auth, n_judges=2)
    outsider = reviewers(make, 1, prefix="x")[0]
    assert outsider
    auth.logout()
    auth.login("x0@expert.example")
    assert client.get(f"/reviewer/rounds/{rnd.id}/roadshow").status_code == 404
    first = _order(app, rnd.id)[0]
    assert auth.post(f"/reviewer/rounds/{rnd.id}/roadshow", {"proposal_id": str(first)}).status_code == 404
    assert client.get(f"/reviewer/rounds/{rnd.id}/roadshow/{first}/sheet.pdf").status_code == 404
    # a judge on the panel who has not submitted has no sheet yet
    auth.logout()
    auth.login("j0@expert.example")
    assert client.get(f"/reviewer/rounds/{rnd.id}/roadshow/{first}/sheet.pdf").status_code == 404
    # a stale sheet (the host moved on) is not saved against the new project
    auth.logout()
    auth.login("admin@example.org")
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/next")
    auth.logout()
    auth.login("j0@expert.example")
    r = auth.post(f"/reviewer/rounds/{rnd.id}/roadshow", _sheet(first, "25", "25", "30"), headers=ZH_HANT)
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Review.id).where(Review.stage == Stage.roadshow)) is None
    page = client.get(r.headers["Location"], headers=ZH_HANT).get_data(as_text=True)
    assert "主持人已切換到另一個項目，您的評分表未保存。" in page  # the refusal, in the judge's language


def _errors_after(html: str, field_id: str) -> list[str]:
    """The error messages shown right after the control with this id (before the next control)."""
    import re

    start = html.index(f'id="{field_id}"')
    nxt = min((i for i in (html.find("<input", start), html.find("<textarea", start + 1), html.find("<details", start))
               if i != -1), default=len(html))
    return re.findall(r'<p class="error" role="alert">([^<]*)</p>', html[start:nxt])


def _stored_sheet(app, proposal_id, judge_id):
    with app.app_context():
        review = db.session.scalar(select(Review).where(Review.proposal_id == proposal_id,
                                                        Review.reviewer_id == judge_id, Review.stage == Stage.roadshow))
        return None if review is None else (dict(review.scores), dict(review.comments), review.total, review.version)


def _audit_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(AuditEntry.id)).all())


def test_judge_form_refuses_a_bad_sheet_next_to_the_fields_and_keeps_what_was_typed(app, client, auth, make):
    rnd, ps, judges = _pitch_day(app, make, auth, n_judges=2)
    first = _order(app, rnd.id)[0]
    auth.logout()
    auth.login("j0@expert.example")
    # a valid first sheet (the highest band needs a comment, given here)
    ok = auth.post(f"/reviewer/rounds/{rnd.id}/roadshow", _sheet(first, "22", "20", "37", {"feasibility": "很紮實"}))
    assert ok.status_code == 302
    before, audits = _stored_sheet(app, first, judges[0]), _audit_count(app)
    assert before[0] == {"presentation": "22", "qa": "20", "feasibility": "37"} and before[2] == 79

    # a correction with four mistakes: every one is named next to its own field, in the judge's language
    bad = _sheet(first, "31", "abc", "40", {"presentation": "講得清楚"})
    bad["score_qa"] = "ａｂｃ"  # full-width, as a Chinese IME types it: kept as typed
    r = auth.post(f"/reviewer/rounds/{rnd.id}/roadshow", bad, headers=EN)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert _errors_after(html, "score_presentation") == ["The score for “Presentation” must be between 0 and 30."]
    assert _errors_after(html, "score_qa") == ["The score for “Answers to questions” must be a number."]
    assert _errors_after(html, "comment_feasibility") == [
        "The score for “Feasibility on the ground” is in the “Excellent” band: please add a comment explaining it."]
    assert _errors_after(html, "score_feasibility") == []
    # nothing typed is lost
    assert 'value="31"' in html and 'value="ａｂｃ"' in html and 'value="40"' in html and "講得清楚" in html
    assert f'name="proposal_id" type="hidden" value="{first}"' in html
    # and nothing changed: the stored sheet, its version and the audit log are as before
    assert _stored_sheet(app, first, judges[0]) == before and _audit_count(app) == audits

    # the same refusal in Simplified Chinese; an empty score is asked for
    r = auth.post(f"/reviewer/rounds/{rnd.id}/roadshow", _sheet(first, "", "20", "25"), headers=ZH_HANS)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert _errors_after(html, "score_presentation") == ["请为“项目呈现”评分。"]
    assert "请修改下方标出的内容。" in html
    assert _stored_sheet(app, first, judges[0]) == before

    # a good correction replaces the sheet
    assert auth.post(f"/reviewer/rounds/{rnd.id}/roadshow", _sheet(first, "24", "20", "30")).status_code == 302
    after = _stored_sheet(app, first, judges[0])
    assert after[0] == {"presentation": "24", "qa": "20", "feasibility": "30"} and after[2] == 74 and after[1] == {}


def test_judge_form_shows_the_stored_sheet_and_refuses_a_forged_project(app, client, auth, make):
    rnd, ps, judges = _pitch_day(app, make, auth, n_judges=1)
    first, second = _order(app, rnd.id)[:2]
    auth.logout()
    auth.login("j0@expert.example")
    assert auth.post(f"/reviewer/rounds/{rnd.id}/roadshow",
                     _sheet(first, "14", "20", "25", {"presentation": "準備不足"})).status_code == 302
    html = client.get(f"/reviewer/rounds/{rnd.id}/roadshow", headers=EN).get_data(as_text=True)
    assert 'id="score_presentation"' in html and 'value="14"' in html and "準備不足" in html
    assert 'id="running-total">59<' in html
    # a sheet for a project that is not on stage (or no number at all) is never saved
    for forged in (str(second), "", "abc"):
        data = _sheet(first, "20", "20", "25")
        data["proposal_id"] = forged
        assert auth.post(f"/reviewer/rounds/{rnd.id}/roadshow", data).status_code == 302
    assert _stored_sheet(app, second, judges[0]) is None
    assert _stored_sheet(app, first, judges[0])[0]["presentation"] == "14"


def test_roadshow_refusals_are_shown_in_the_admins_language(app, client, auth, make):
    rnd, ps = _round_with_scores(app, make, n=3)
    admin_login(make, auth)
    # nothing shortlisted: no draw, no next project
    r = auth.post(f"/admin/rounds/{rnd.id}/roadshow/draw", {"draw-seed": "abc"}, headers=ZH_HANT)
    assert r.status_code == 302
    page = client.get(r.headers["Location"], headers=ZH_HANT).get_data(as_text=True)
    assert "請先確定入圍項目，再抽籤決定路演順序。" in page
    r = auth.post(f"/admin/rounds/{rnd.id}/roadshow/next", headers=ZH_HANS)
    page = client.get(r.headers["Location"], headers=ZH_HANS).get_data(as_text=True)
    assert "请先抽签确定路演顺序。" in page
    # a project that is not on the shortlist cannot be removed from it
    r = auth.post(f"/admin/rounds/{rnd.id}/roadshow/unshortlist/{ps[0].id}", headers=EN)
    page = client.get(r.headers["Location"], headers=EN).get_data(as_text=True)
    assert "This project is not on the shortlist." in page
    # once a project has presented, the order cannot be drawn again nor the shortlist replaced
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/shortlist", {"mode": "rank", "rank-top_n": "3"})
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/draw", {"draw-seed": "5eed"})
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/next")
    before = _order(app, rnd.id)
    r = auth.post(f"/admin/rounds/{rnd.id}/roadshow/draw", {"draw-seed": "other"}, headers=ZH_HANT)
    page = client.get(r.headers["Location"], headers=ZH_HANT).get_data(as_text=True)
    assert "路演已經開始，不能再重新抽籤。" in page
    r = auth.post(f"/admin/rounds/{rnd.id}/roadshow/shortlist", {"mode": "hand", "hand-proposals": [str(ps[0].id)]},
                  headers=ZH_HANT)
    page = client.get(r.headers["Location"], headers=ZH_HANT).get_data(as_text=True)
    assert "路演已經開始，入圍名單不能再整體替換。" in page
    r = auth.post(f"/admin/rounds/{rnd.id}/roadshow/unshortlist/{before[0]}", headers=ZH_HANT)
    page = client.get(r.headers["Location"], headers=ZH_HANT).get_data(as_text=True)
    assert "該項目已完成路演。" in page
    with app.app_context():
        assert db.session.get(Round, rnd.id).roadshow_seed == "5eed"
    assert _order(app, rnd.id) == before  # nothing changed
