"""The demo's eight-year history (grants.demo.history): the funder's overview tells the article's story."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from grants.demo import history as demo_history
from grants.demo import seed as demo
from grants.extensions import db
from grants.models import (
    Agreement,
    AgreementStatus,
    Award,
    Evaluation,
    Organization,
    Proposal,
    ProposalStatus,
    Report,
    ReportKind,
    ReportServed,
    Round,
    utcnow,
)
from grants.rules.uscc import problem

EN = {"Accept-Language": "en"}


def _money(text: str) -> Decimal:
    return Decimal(text.replace("¥", "").replace(",", ""))


def _rows(html: str) -> list[list[str]]:
    match = re.search(r'<table id="table-editions">(.*?)</table>', html, re.S)
    assert match
    rows = []
    for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", match.group(1), re.S)[1:]:
        cells = re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def test_demo_overview_matches_the_article(app, runner, client, auth):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    auth.login(demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    html = client.get("/admin/overview", headers=EN).get_data(as_text=True)
    rows = _rows(html)
    editions, total = rows[:-1], rows[-1]
    assert [r[0].split(" ", 2)[:2] for r in editions] == [["Edition", str(n)] for n in range(1, 9)]
    # the round's name in the page's language (the demo gives all three)
    assert "1st Red Bauhinia Women and Children Venture Philanthropy Programme" in editions[0][0]
    assert "第一屆" not in editions[0][0]
    received, funded, granted, paid, completed, people, matching = total[1:]
    assert int(funded) > demo_history.ARTICLE_PROJECTS and int(received) > int(funded)
    # computed from the seeded agreements, payments, reports and evaluations (grants.dashboards.outcomes)
    failed = sum(demo_history.FAILED_MIDTERM) + sum(demo_history.FAILED_FINAL)
    assert int(completed) == sum(demo_history.FUNDED) - failed
    assert _money(granted) * Decimal("0.7") < _money(paid) < _money(granted)
    raised = _money(granted) + _money(matching)  # 籌集資金: awards plus the funded projects' matching funds
    assert abs(raised - demo_history.ARTICLE_FUNDS) <= demo_history.ARTICLE_FUNDS / 100
    assert abs(int(people.replace(",", "")) - demo_history.ARTICLE_BENEFICIARIES) <= demo_history.ARTICLE_BENEFICIARIES / 100
    # the first card is what the annual report cites: awards plus the funded NGOs' matching funds (≈ 2,165萬)
    headline = re.search(r'data-figure="raised">¥([\d,.]+)<', html).group(1)
    assert abs(_money(headline) - demo_history.ARTICLE_FUNDS) <= demo_history.ARTICLE_FUNDS / 100
    funded_per_edition = [int(r[2]) for r in editions[:7]]
    assert funded_per_edition == sorted(funded_per_edition)  # the programme grew
    with app.app_context():
        now = utcnow()
        rounds = db.session.scalars(select(Round).order_by(Round.edition)).all()
        assert [r.call_opens_at.year for r in rounds[:7]] == list(range(rounds[7].call_opens_at.year - 7,
                                                                          rounds[7].call_opens_at.year))
        open_now = [r.edition for r in rounds if r.call_opens_at.replace(tzinfo=None) <= now.replace(tzinfo=None)
                    < r.call_closes_at.replace(tzinfo=None)]
        assert open_now == [8]  # only the 8th edition takes proposals
        orgs = db.session.scalars(select(Organization)).all()
        assert len(orgs) == 12 + len(demo_history.HISTORY_ORGS)
        assert len({o.uscc for o in orgs}) == len(orgs) and all(problem(o.uscc) is None for o in orgs)
        assert len({o.district for o in orgs if not o.members}) == 7
        past = select(Proposal).join(Round, Round.id == Proposal.round_id).where(Round.edition < 8)
        awarded = db.session.scalars(past.where(Proposal.status == ProposalStatus.awarded)).all()
        assert awarded and all(re.fullmatch(r"HZ-20\d\d-0[1-7]-\d{4}", p.number) for p in awarded)
        assert db.session.scalar(select(func.count(Award.id)).where(Award.proposal_id.in_([p.id for p in awarded]))) \
            == len(awarded)
        assert all(a.amount <= a.requested <= a.proposal.round.project_cap
                   for a in db.session.scalars(select(Award).where(Award.round_id != rounds[7].id)))
        # every funded past project: a signed (or terminated) agreement, reports with served rows, evaluations
        past_ids = [r.id for r in rounds[:7]]
        n_projects = sum(demo_history.FUNDED)
        count = db.session.scalar
        assert count(select(func.count(Agreement.id)).where(Agreement.round_id.in_(past_ids))) == n_projects
        assert count(select(func.count(Agreement.id)).where(
            Agreement.round_id.in_(past_ids), Agreement.status == AgreementStatus.terminated)) == \
            sum(demo_history.FAILED_MIDTERM) + sum(demo_history.FAILED_FINAL)
        assert count(select(func.count(Report.id)).where(Report.round_id.in_(past_ids))) == \
            2 * n_projects - sum(demo_history.FAILED_MIDTERM)
        served = count(select(func.sum(ReportServed.person_times)).join(Report).where(
            Report.round_id.in_(past_ids), Report.kind == ReportKind.final))
        assert 0 < served < demo_history.ARTICLE_BENEFICIARIES  # the mid-term-only projects add the rest
        assert count(select(func.count(Evaluation.id)).where(
            Evaluation.round_id.in_(past_ids), Evaluation.passed.is_(False))) == \
            sum(demo_history.FAILED_MIDTERM) + sum(demo_history.FAILED_FINAL)

