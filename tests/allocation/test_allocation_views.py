"""The allocation page: both methods side by side, writing awards, adjustments with reasons, the pool."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEntry, Award
from tests.ranking.test_ranking_builders import admin_login, eligible, reviewers, reviews

EN = {"Accept-Language": "en"}


def _round(app, make):
    rnd = make.round(funding_pool=Decimal("300000"), project_cap=Decimal("200000"))
    revs = reviewers(make, 5)
    spec = [("90", "200000"), ("85", "150000"), ("84", "150000"), ("50", "50000")]
    ps = [eligible(make, rnd.id, requested=req) for _s, req in spec]
    reviews(app, rnd.id, [(p.id, r, s) for p, (s, _req) in zip(ps, spec, strict=True) for r in revs])
    return rnd, ps


def _awards(app, round_id):
    with app.app_context():
        return {a.proposal_id: (a.amount, a.method, a.adjustment_reason)
                for a in db.session.scalars(select(Award).where(Award.round_id == round_id))}


def test_both_methods_side_by_side_and_choose(app, client, auth, make):
    rnd, ps = _round(app, make)
    admin_login(make, auth)
    html = client.get(f"/admin/rounds/{rnd.id}/allocation", headers=EN).get_data(as_text=True)
    assert "Rank order" in html and "Maximum total score" in html
    # rank order funds the first (200,000) and then nothing fits; max score funds the next two
    assert "leaves 79.00 points of total score on the table" in html
    assert "below the minimum score" in html  # the 50-point project
    assert "¥300,000.00" in html
    r = auth.post(f"/admin/rounds/{rnd.id}/allocation/choose", {"method": "max_score"})
    assert r.status_code == 302
    assert _awards(app, rnd.id) == {ps[1].id: (Decimal("150000.00"), "max_score", ""),
                                    ps[2].id: (Decimal("150000.00"), "max_score", "")}
    r = auth.post(f"/admin/rounds/{rnd.id}/allocation/choose", {"method": "rank_order"})
    assert _awards(app, rnd.id) == {ps[0].id: (Decimal("200000.00"), "rank_order", "")}
    html = client.get(f"/admin/rounds/{rnd.id}/allocation", headers=EN).get_data(as_text=True)
    assert '<strong id="remaining">¥100,000.00</strong>' in html
    with app.app_context():
        assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "write_awards")).all()) == 2
    assert auth.post(f"/admin/rounds/{rnd.id}/allocation/choose", {"method": "lottery"}).status_code == 302
    assert _awards(app, rnd.id) == {ps[0].id: (Decimal("200000.00"), "rank_order", "")}


def test_adjust_needs_a_reason_and_never_exceeds_the_pool(app, client, auth, make):
    rnd, ps = _round(app, make)
    admin_login(make, auth)
    auth.post(f"/admin/rounds/{rnd.id}/allocation/choose", {"method": "rank_order"})
    url = f"/admin/rounds/{rnd.id}/allocation/adjust"
    # without a reason: refused, the error next to the field, the amount typed kept
    r = auth.post(url, {"proposal_id": str(ps[1].id), "amount": "90000", "reason": " "}, headers=EN)
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "An adjustment needs a reason." in body and 'value="90000"' in body
    # over the pool: refused with the amount left
    r = auth.post(url, {"proposal_id": str(ps[1].id), "amount": "120000", "reason": "補足"}, headers=EN)
    assert r.status_code == 400
    assert "exceeds what is left of the pool: ¥100,000.00" in r.get_data(as_text=True)
    # more than requested: refused
    r = auth.post(url, {"proposal_id": str(ps[0].id), "amount": "210000", "reason": "x"}, headers=EN)
    assert r.status_code == 400 and "cannot exceed the requested amount" in r.get_data(as_text=True)
    # bad input: a message, never a 500
    r = auth.post(url, {"proposal_id": str(ps[0].id), "amount": "abc", "reason": "x"}, headers=EN)
    assert r.status_code == 400
    assert _awards(app, rnd.id) == {ps[0].id: (Decimal("200000.00"), "rank_order", "")}
    # a valid adjustment: funds the second project with what is left, audited
    r = auth.post(url, {"proposal_id": str(ps[1].id), "amount": "100000", "reason": "預算核減後資助"})
    assert r.status_code == 302
    r = auth.post(url, {"proposal_id": str(ps[0].id), "amount": "180000", "reason": "行政費超標，核減"})
    assert r.status_code == 302
    assert _awards(app, rnd.id) == {ps[0].id: (Decimal("180000.00"), "adjusted", "行政費超標，核減"),
                                    ps[1].id: (Decimal("100000.00"), "adjusted", "預算核減後資助")}
    html = client.get(f"/admin/rounds/{rnd.id}/allocation", headers=EN).get_data(as_text=True)
    assert '<strong id="remaining">¥20,000.00</strong>' in html and "行政費超標，核減" in html
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "adjust_award")
                                     .order_by(AuditEntry.id)).all()
        assert [(e.details["old_amount"], e.details["new_amount"]) for e in entries] == [
            ("0", "100000.00"), ("200000.00", "180000.00")]
        assert entries[1].details["reason"] == "行政費超標，核減"
    # the below-minimum project can never be adjusted into funding
    r = auth.post(url, {"proposal_id": str(ps[3].id), "amount": "10000", "reason": "x"}, headers=EN)
    assert r.status_code == 400 and "cannot be funded" in r.get_data(as_text=True)
    # a proposal of another round: 404
    assert auth.post(url, {"proposal_id": "999999", "amount": "1", "reason": "x"}).status_code == 404


def test_adjust_refusals_are_next_to_the_field_in_the_readers_language(app, client, auth, make):
    rnd = make.round(funding_pool=Decimal("300000"), project_cap=Decimal("150000"))
    revs = reviewers(make, 5)
    spec = [("90", "200000"), ("85", "150000"), ("84", "100000")]
    ps = [eligible(make, rnd.id, requested=req) for _s, req in spec]
    reviews(app, rnd.id, [(p.id, r, s) for p, (s, _req) in zip(ps, spec, strict=True) for r in revs])
    unranked = make.proposal(rnd.id)  # submitted, never reviewed: not in the allocation
    admin_login(make, auth)
    auth.post(f"/admin/rounds/{rnd.id}/allocation/choose", {"method": "rank_order"})
    url = f"/admin/rounds/{rnd.id}/allocation/adjust"
    before = _awards(app, rnd.id)
    assert before == {ps[0].id: (Decimal("150000.00"), "rank_order", ""),
                      ps[1].id: (Decimal("150000.00"), "rank_order", "")}
    # above the cap per project (but within the request): the cap, formatted as money
    r = auth.post(url, {"proposal_id": str(ps[0].id), "amount": "160000", "reason": "補足"})
    assert r.status_code == 400
    assert "核定金額不能超過單個項目資助上限（¥150,000.00）。" in r.get_data(as_text=True)
    r = auth.post(url, {"proposal_id": str(ps[0].id), "amount": "160000", "reason": "x"}, headers=EN)
    assert "The approved amount cannot exceed the cap per project (¥150,000.00)." in r.get_data(as_text=True)
    # the pool is spent: funding the third project is refused with what is left, in Chinese
    r = auth.post(url, {"proposal_id": str(ps[2].id), "amount": "50000", "reason": "補足"})
    assert r.status_code == 400 and "此金額超過資助總額剩餘部分：¥0.00。" in r.get_data(as_text=True)
    # a proposal of the round that was never ranked
    r = auth.post(url, {"proposal_id": str(unranked.id), "amount": "1000", "reason": "x"}, headers=EN)
    assert r.status_code == 400 and "This project is not in the allocation" in r.get_data(as_text=True)
    assert _awards(app, rnd.id) == before  # every refusal changed nothing
