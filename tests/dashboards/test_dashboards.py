"""Dashboards: the figures on the page equal what the rows say; constant query count; admin only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest

from grants.extensions import db
from grants.models import (
    Assignment,
    Award,
    Category,
    Organization,
    OrgType,
    Proposal,
    ProposalStatus,
    Rating,
    Review,
    ReviewStatus,
    Role,
    RubricVersion,
    Stage,
)
from tests.conftest import counting_queries
from tests.factories import valid_uscc

EN = {"Accept-Language": "en"}
BJ = timedelta(hours=8)
SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def beijing(y, m, d, hh=12, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - BJ


def table(html: str, table_id: str) -> list[list[str]]:
    """The rows of a table as lists of cell texts (tags stripped)."""
    match = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    assert match, f"no table {table_id}"
    rows = []
    for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", match.group(1), re.S):
        cells = re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def body(rows):
    return {r[0]: r[1:] for r in rows}


def review(rubric_id, proposal_id, reviewer_id, total, status=ReviewStatus.submitted):
    return Review(proposal_id=proposal_id, reviewer_id=reviewer_id, stage=Stage.written, rubric_version_id=rubric_id,
                  status=status, total=Decimal(total), submitted_at=beijing(2026, 4, 1))


@pytest.fixture
def scene(app, make):
    """A round with known figures (see the docstring of each test for the expected values)."""
    evil = "<script>alert(1)</script>兒童"
    rnd = make.round(
        edition=8, call_opens_at=beijing(2026, 3, 1, 9), call_closes_at=beijing(2026, 3, 20, 17),
        disagreement_threshold=Decimal("15"),
        categories=[Category(name="婦女發展", quota=Decimal("500000"), position=0),
                    Category(name=evil, quota=Decimal("100000"), position=1),
                    Category(name="家庭建設", quota=None, position=2)],
    )
    with app.app_context():
        cat_a, cat_b, _cat_c = db.session.scalars(
            db.select(Category.id).where(Category.round_id == rnd.id).order_by(Category.position)).all()
    p1 = make.proposal(rnd.id, category_id=cat_a, districts=["huicheng"], beneficiaries=500,
                       submitted_at=beijing(2026, 3, 2, 9))
    p2 = make.proposal(rnd.id, category_id=cat_a, districts=["huicheng", "boluo"], beneficiaries=300,
                       submitted_at=datetime(2026, 3, 2, 20, 0, tzinfo=UTC))  # 03-03 04:00 in Beijing
    p3 = make.proposal(rnd.id, category_id=cat_b, districts=["boluo"], beneficiaries=1000,
                       submitted_at=beijing(2026, 3, 5))
    make.proposal(rnd.id, category_id=cat_b, status=ProposalStatus.draft, districts=["huidong"])
    make.proposal(rnd.id, category_id=cat_a, status=ProposalStatus.withdrawn, districts=["huidong"],
                  submitted_at=beijing(2026, 3, 4))
    p6 = make.proposal(rnd.id, category_id=cat_b, districts=["longmen", "huidong", "boluo"], beneficiaries=4000,
                       submitted_at=beijing(2026, 3, 21))  # after the deadline day
    r1 = make.user(Role.reviewer, name="王評審")
    r2 = make.user(Role.reviewer, name="<b>李</b>評審")
    other = make.round(edition=7, call_opens_at=beijing(2025, 3, 1), call_closes_at=beijing(2025, 3, 20))
    q1 = make.proposal(other.id, beneficiaries=200, submitted_at=beijing(2025, 3, 3))
    make.proposal(other.id, submitted_at=beijing(2025, 3, 4))
    with app.app_context():
        rubric = RubricVersion(round_id=rnd.id, stage=Stage.written, version=1, definition={})
        db.session.add(rubric)
        db.session.flush()
        for reviewer, proposals in ((r1, (p1, p2, p3)), (r2, (p1, p2))):
            for p in proposals:
                db.session.add(Assignment(round_id=rnd.id, proposal_id=p.id, reviewer_id=reviewer.id))
        db.session.add_all([
            review(rubric.id, p1.id, r1.id, "80"), review(rubric.id, p1.id, r2.id, "82"),
            review(rubric.id, p2.id, r1.id, "50"), review(rubric.id, p2.id, r2.id, "90"),
            review(rubric.id, p3.id, r1.id, "70", status=ReviewStatus.draft),
        ])
        for p, amount, withdrawn in ((p1, "100000", False), (p2, "60000", False), (p3, "120000", False),
                                     (p6, "90000", True)):
            db.session.add(Award(round_id=rnd.id, proposal_id=p.id, requested=Decimal(amount),
                                 amount=Decimal(amount), withdrawn=withdrawn))
        db.session.add(Award(round_id=other.id, proposal_id=q1.id, requested=Decimal("50000"), amount=Decimal("50000")))
        db.session.commit()
    make.user(Role.admin, email="boss@example.org")
    return {"round": rnd, "other": other, "evil": evil}


def test_round_dashboard_figures(client, auth, scene):
    auth.login("boss@example.org")
    rnd = scene["round"]
    response = client.get(f"/admin/rounds/{rnd.id}/dashboard", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # English labels
    assert "Proposals by category" in html and "Proposals received over time" in html
    # received: 4 (the draft and the withdrawn proposal are not counted)
    assert 'data-figure="received">4<' in html
    # cumulative by Beijing day (p2 was sent at 04:00 on 3 March in Beijing)
    assert table(html, "table-submissions")[1:] == [
        ["2026-03-02", "1", "1"], ["2026-03-03", "1", "2"], ["2026-03-05", "1", "3"],
        ["2026-03-21 after the deadline", "1", "4"],
    ]
    evil_escaped = "&lt;script&gt;alert(1)&lt;/script&gt;兒童"
    assert "<script>alert(1)" not in html
    assert evil_escaped in html
    assert body(table(html, "table-category")[1:]) == {
        "婦女發展": ["2"], evil_escaped: ["2"], "家庭建設": ["0"]}
    # districts: counted in each district served
    assert body(table(html, "table-district")[1:]) == {
        "Huicheng District": ["2"], "Boluo County": ["3"], "Huidong County": ["1"], "Longmen County": ["1"]}
    assert "(2 such proposals)" in html
    # review progress
    progress = body(table(html, "table-progress")[1:])
    assert progress["王評審"] == ["3", "2", "67%"]
    assert progress["&lt;b&gt;李&lt;/b&gt;評審"] == ["2", "2", "100%"]
    assert progress["Total"] == ["5", "4", "80%"]
    # disagreement: p2 scored 50 and 90 (range 40, sd 20 > 15); p1 80 and 82
    assert body(table(html, "table-disagreement")) == {
        "Range above threshold": ["1"], "Standard deviation above threshold": ["1"], "Either": ["1"]}
    # score histogram: p1 mean 81 and p2 mean 70, both 婦女發展
    histos = re.findall(r'<table class="table-histogram">(.*?)</table>', html, re.S)
    assert len(histos) == 3
    first = dict(re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">(\d+)</td></tr>", histos[0]))
    assert first["70–80"] == "1" and first["80–90"] == "1" and sum(map(int, first.values())) == 2
    # funding vs quotas (withdrawn award excluded); p3 is over its category's quota
    funding = body(table(html, "table-funding-category")[1:])
    assert funding["婦女發展"] == ["2", "¥160,000.00", "¥500,000.00", "32%"]
    assert funding[evil_escaped] == ["1", "¥120,000.00", "¥100,000.00", "120% over quota"]
    assert funding["家庭建設"] == ["0", "¥0.00", "—", "—"]
    assert funding["Total"][:2] == ["3", "¥280,000.00"]
    # by district, split evenly: p2's 60,000 is 30,000 for 惠城 and 30,000 for 博羅
    assert body(table(html, "table-funding-district")[1:]) == {
        "Huicheng District": ["¥130,000.00"], "Boluo County": ["¥150,000.00"]}
    # every chart is well-formed SVG without style attributes
    svgs = SVG.findall(html)
    assert len(svgs) == 7 + 3 + 2  # + person-times served by target group and by district
    for svg in svgs:
        assert "style=" not in svg
        ET.fromstring(svg)


def test_overview_figures(client, auth, scene):
    auth.login("boss@example.org")
    html = client.get("/admin/overview", headers=EN).get_data(as_text=True)
    rows = table(html, "table-editions")[1:]
    # nothing paid or reported yet: the matching funds are the proposals' pledges (grants.dashboards.outcomes)
    assert rows[0][0].startswith("Edition 7") and rows[0][1:] == ["2", "1", "¥50,000.00", "¥0.00", "0", "0", "¥20,000.00"]
    assert rows[1][0].startswith("Edition 8") and rows[1][1:] == ["4", "3", "¥280,000.00", "¥0.00", "0", "0", "¥60,000.00"]
    assert rows[2] == ["Total", "6", "4", "¥330,000.00", "¥0.00", "0", "0", "¥80,000.00"]
    assert 'data-figure="funds">¥330,000.00<' in html
    for svg in SVG.findall(html):
        ET.fromstring(svg)
    # the admin dashboard shows the totals and links to the overview
    home = client.get("/admin/", headers=EN).get_data(as_text=True)
    assert "/admin/overview" in home and "¥330,000.00" in home and "person-times served (reported)" in home


def test_empty_round_says_no_data(client, auth, make):
    rnd = make.round()
    make.user(Role.admin, email="boss@example.org")
    auth.login("boss@example.org")
    html = client.get(f"/admin/rounds/{rnd.id}/dashboard", headers=EN).get_data(as_text=True)
    assert "No data yet." in html and "No awards yet." in html
    assert client.get("/admin/rounds/999999/dashboard").status_code == 404


def test_dashboards_admin_only(client, auth, make, scene):
    rnd = scene["round"]
    for url in (f"/admin/rounds/{rnd.id}/dashboard", "/admin/overview"):
        assert client.get(url).status_code == 302  # anonymous → login
    for role in (Role.applicant, Role.reviewer):
        make.user(role, email=f"{role.value}-x@example.org")
        auth.login(f"{role.value}-x@example.org")
        for url in (f"/admin/rounds/{rnd.id}/dashboard", "/admin/overview"):
            response = client.get(url)
            assert response.status_code == 403
            assert "婦女發展" not in response.get_data(as_text=True)
        auth.logout()


def _bulk(app, round_id, n, reviewers, rubric_id, start):
    """n received proposals with two reviews each and an award: rows straight into the session."""
    with app.app_context():
        cats = [c.id for c in db.session.scalars(db.select(Category).where(Category.round_id == round_id))]
        districts = ["huicheng", "huiyang", "boluo", "huidong", "longmen", "dayawan", "zhongkai"]
        for i in range(start, start + n):
            org = Organization(name=f"機構{i}", uscc=valid_uscc(900000 + i), org_type=OrgType.social_group,
                               registered_on=datetime(2018, 1, 1).date(), rating=Rating.a3, address="惠州",
                               district="huicheng", contact_name="聯絡人", contact_phone="13800000000",
                               contact_email=f"bulk{i}@example.org")
            db.session.add(org)
            db.session.flush()
            p = Proposal(round_id=round_id, organization_id=org.id, category_id=cats[i % len(cats)],
                         status=ProposalStatus.eligible, name=f"項目{i}", number=f"HZ-B-{i:05d}",
                         districts=districts[i % 7: i % 7 + 1 + i % 2], beneficiaries=100 + i,
                         submitted_at=beijing(2026, 3, 1 + i % 19, 10))
            db.session.add(p)
            db.session.flush()
            for k, reviewer in enumerate(reviewers):
                db.session.add(Assignment(round_id=round_id, proposal_id=p.id, reviewer_id=reviewer))
                db.session.add(review(rubric_id, p.id, reviewer, str(40 + (i * 7 + k * 13) % 60)))
            db.session.add(Award(round_id=round_id, proposal_id=p.id, requested=Decimal(1000), amount=Decimal(1000)))
        db.session.commit()


def test_constant_number_of_queries(app, client, auth, make):
    rnd = make.round(call_opens_at=beijing(2026, 3, 1), call_closes_at=beijing(2026, 3, 20))
    reviewers = [make.user(Role.reviewer).id for _ in range(3)]
    make.user(Role.admin, email="boss@example.org")
    with app.app_context():
        rubric = RubricVersion(round_id=rnd.id, stage=Stage.written, version=1, definition={})
        db.session.add(rubric)
        db.session.commit()
        rubric_id = rubric.id
    auth.login("boss@example.org")
    urls = (f"/admin/rounds/{rnd.id}/dashboard", "/admin/overview", "/admin/")

    def count(url):
        with counting_queries(app) as seen:
            response = client.get(url, headers=EN)
        assert response.status_code == 200
        return len(seen), response.get_data(as_text=True)

    _bulk(app, rnd.id, 5, reviewers, rubric_id, start=0)
    small = {url: count(url)[0] for url in urls}
    _bulk(app, rnd.id, 55, reviewers, rubric_id, start=5)
    large = {}
    for url in urls:
        large[url], html = count(url)
        if url == urls[1]:
            assert table(html, "table-editions")[-1][1:3] == ["60", "60"]
    print("queries per page", large)
    assert small == large, (small, large)
    assert large[urls[0]] <= 20  # 13 + the five of grants.dashboards.outcomes


def test_days_follow_the_configured_time_zone(app, client, auth, scene):
    """The local day comes from the one configuration key (grants.platform.localtime), in SQL too:
    under UTC, p2 (sent at 20:00 UTC on 2 March, 04:00 on 3 March in Beijing) counts on 2 March."""
    app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
    auth.login("boss@example.org")
    html = client.get(f"/admin/rounds/{scene['round'].id}/dashboard", headers=EN).get_data(as_text=True)
    assert table(html, "table-submissions")[1:] == [
        ["2026-03-02", "2", "2"], ["2026-03-05", "1", "3"], ["2026-03-21 after the deadline", "1", "4"],
    ]
