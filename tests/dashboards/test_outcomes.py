"""Outcomes as queries (grants.dashboards.outcomes): the overview and the round dashboard show sums of
payments, reports and evaluations; each definition has a row here that would be counted wrongly by a
plausible mistake; five queries whatever the number of projects."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from grants.dashboards import outcomes
from grants.extensions import db
from grants.models import (
    Agreement,
    AgreementStatus,
    Award,
    Evaluation,
    EvaluationState,
    Payment,
    Report,
    ReportKind,
    ReportServed,
    ReportStatus,
    Role,
    TargetGroup,
    Tranche,
)
from tests.conftest import counting_queries

EN = {"Accept-Language": "en"}


def _project(p, rnd, n, *, amount, withdrawn=False):
    """A funded proposal with a signed agreement and the default three tranches (60/30/10)."""
    award = Award(round_id=rnd.id, proposal_id=p.id, requested=Decimal(amount), amount=Decimal(amount),
                  withdrawn=withdrawn)
    db.session.add(award)
    db.session.flush()
    agreement = Agreement(award_id=award.id, round_id=rnd.id, proposal_id=p.id, organization_id=p.organization_id,
                          number=f"XY-{rnd.id}-{n:04d}", status=AgreementStatus.signed, amount=Decimal(amount),
                          issued_on=date(2026, 7, 1), deadline=date(2026, 7, 20))
    db.session.add(agreement)
    db.session.flush()
    for pos, (pct, cond) in enumerate((("60", "signing"), ("30", "midterm"), ("10", "final"))):
        db.session.add(Tranche(agreement_id=agreement.id, position=pos, percent=Decimal(pct), condition=cond,
                               amount=Decimal(amount) * Decimal(pct) / 100,
                               due_on=date(2026, 7, 10) if cond == "signing" else None))
    db.session.flush()
    return agreement


def _report(agreement, kind, status, served=(), matching=None):
    report = Report(agreement_id=agreement.id, round_id=agreement.round_id, organization_id=agreement.organization_id,
                    kind=kind, status=status, due_on=date(2027, 1, 15), matching_funds=matching)
    report.served = [ReportServed(target_group=g, district=d, person_times=n) for g, d, n in served]
    db.session.add(report)
    return report


def _world(app, make, rnd, start=0):
    """Four projects (ids from ``start``), their figures in the docstring of the test."""
    proposals = [make.proposal(rnd.id, matching_funds=m) for m in ("20000", "8000", "5000", "20000")]
    with app.app_context():
        a = _project(proposals[0], rnd, start + 1, amount="100000")
        b = _project(proposals[1], rnd, start + 2, amount="50000")
        c = _project(proposals[2], rnd, start + 3, amount="40000")
        _project(proposals[3], rnd, start + 4, amount="70000", withdrawn=True)  # withdrawn award: not granted
        W, C, F, OT = TargetGroup.women, TargetGroup.children, TargetGroup.families, TargetGroup.others  # noqa: N806
        # a: the final report counts (not the mid-term as well); its matching funds are reported
        _report(a, ReportKind.midterm, ReportStatus.accepted, [(W, "huicheng", 100), (C, "huicheng", 50)], "9000")
        _report(a, ReportKind.final, ReportStatus.submitted, [(W, "huicheng", 300), (F, "boluo", 200)], "12345")
        # b: a draft final report does not count: the accepted mid-term does; matching funds: the pledge
        _report(b, ReportKind.midterm, ReportStatus.accepted, [(OT, "huidong", 80)])
        _report(b, ReportKind.final, ReportStatus.draft, [(OT, "huidong", 999)], "1")
        # c: a mid-term report only submitted (not accepted yet) counts for nothing
        _report(c, ReportKind.midterm, ReportStatus.submitted, [(W, "boluo", 777)], "2")
        # a's final evaluation passed and is final: completed; b's passed but is still under notice: not yet
        for agreement, state in ((a, EvaluationState.final), (b, EvaluationState.noticed)):
            db.session.add(Evaluation(agreement_id=agreement.id, round_id=rnd.id, proposal_id=agreement.proposal_id,
                                      organization_id=agreement.organization_id, kind=ReportKind.final, state=state,
                                      passed=True, score=Decimal("81")))
        db.session.add(Evaluation(agreement_id=c.id, round_id=rnd.id, proposal_id=c.proposal_id,
                                  organization_id=c.organization_id, kind=ReportKind.midterm,
                                  state=EvaluationState.final, passed=True, score=Decimal("75")))
        db.session.add_all([
            Payment(agreement_id=a.id, tranche_id=a.tranches[0].id, amount=Decimal("60000"), paid_on=date(2026, 7, 12)),
            Payment(agreement_id=b.id, tranche_id=b.tranches[0].id, amount=Decimal("30000"), paid_on=date(2026, 7, 12)),
            Payment(agreement_id=b.id, kind="refund", amount=Decimal("2500.50"), paid_on=date(2027, 2, 1)),
        ])
        db.session.commit()


def test_outcomes_are_sums_of_payments_reports_and_evaluations(app, client, auth, make):
    rnd = make.round(edition=8)
    _world(app, make, rnd)
    with app.app_context():
        found = outcomes.outcomes(rnd.id)
    t = found.total
    assert t.funded_projects == 3 and t.funds_granted == Decimal("190000.00")
    assert t.funds_paid == Decimal("87499.50")  # 60,000 + 30,000 − 2,500.50
    assert t.projects_completed == 1
    assert t.person_times == 500 + 80
    assert found.by_group == {"women": 300, "families": 200, "others": 80}
    assert found.by_district == {"huicheng": 300, "huidong": 80, "boluo": 200}
    assert t.matching_funds == Decimal("12345") + Decimal("8000") + Decimal("5000")  # reported, pledge, pledge
    assert t.matching_reported == 1
    make.user(Role.admin, email="boss@example.org")
    auth.login("boss@example.org")
    html = client.get(f"/admin/rounds/{rnd.id}/dashboard", headers=EN).get_data(as_text=True)
    assert 'data-figure="paid">¥87,499.50<' in html and 'data-figure="completed">1 / 3<' in html
    assert 'data-figure="person-times">580<' in html and 'data-figure="matching">¥25,345.00<' in html
    groups = re.search(r'<table id="table-served-group">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r"<td>([^<]+)</td><td class=\"num\">([\d,]+)</td>", groups) == [
        ("Women", "300"), ("Families", "200"), ("Others", "80")]
    overview = client.get("/admin/overview", headers=EN).get_data(as_text=True)
    assert 'data-figure="raised">¥215,345.00<' in overview  # granted + matching funds
    assert 'data-figure="person-times">580<' in overview and 'data-figure="completed">1<' in overview
    assert "Person-times served by district" in overview


def test_outcomes_cost_five_queries_whatever_the_number_of_projects(app, make):
    rnd = make.round(edition=8)
    _world(app, make, rnd)

    def count():
        with app.app_context(), counting_queries(app) as seen:
            found = outcomes.outcomes()
        return len([q for q in seen if q.lstrip().upper().startswith("SELECT")]), found.total

    small, one = count()
    for k in range(1, 4):
        _world(app, make, rnd, start=10 * k)
    large, four = count()
    assert small == large == 5
    assert four.person_times == 4 * one.person_times and four.funds_paid == 4 * one.funds_paid
