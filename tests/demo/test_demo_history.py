"""The demo's eight-year history (grants.demo.history): the funder's overview tells the article's story."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from grants.demo import history as demo_history
from grants.demo import seed as demo
from grants.extensions import db
from grants.models import Award, Organization, Proposal, ProposalStatus, Round, utcnow
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
    received, funded, granted, people, matching = total[1:]
    assert int(funded) > demo_history.ARTICLE_PROJECTS and int(received) > int(funded)
    raised = _money(granted) + _money(matching)  # 籌集資金: awards plus the funded projects' matching funds
    assert abs(raised - demo_history.ARTICLE_FUNDS) <= demo_history.ARTICLE_FUNDS / 100
    assert abs(int(people.replace(",", "")) - demo_history.ARTICLE_BENEFICIARIES) <= demo_history.ARTICLE_BENEFICIARIES / 100
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


def test_overview_headline_is_the_articles_funds_raised(app, runner, auth):
    """The first card is what the annual report cites: awards plus the funded NGOs' matching funds (≈ 2,165萬)."""
    import re

    from grants.demo import seed as demo

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    auth.login(demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    html = auth.client.get("/admin/overview").get_data(as_text=True)
    raised = re.search(r'data-figure="raised">¥([\d,.]+)<', html).group(1)
    assert abs(float(raised.replace(",", "")) - 21_650_000) <= 216_500
