"""The ranking page: numbers equal grants.rules.scoring on the same data, basis switch, flags, vetoes,
a constant number of SQL queries, and the Excel score matrix."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEntry, Category, Proposal, Review, ReviewStatus, Round
from grants.ranking import operations as ranking_ops
from grants.rules import scoring
from tests.conftest import counting_queries
from tests.ranking.test_ranking_builders import admin_login, categories, eligible, reviewers, reviews

EN = {"Accept-Language": "en"}
# totals per proposal (5 reviewers); P0 has a wide spread, P3 one veto, P1/P4 flip with the basis
TOTALS = [
    [50, 80, 80, 80, 100],  # mean 78, trimmed 80, range 50 -> flagged
    [79, 79, 79, 79, 79],   # mean 79, trimmed 79
    [70, 72, 74, 76, 78],
    [90, 91, 92, 93, 94],   # vetoed by one reviewer
    [60, 61, 62, 63, 64],
    [85, 86, 84, 85, 86],
]


def _seed(app, make):
    rnd = make.round()
    cats = categories(app, rnd.id)
    revs = reviewers(make, 5)
    ps = [eligible(make, rnd.id, category_id=cats[i % 2][0]) for i in range(len(TOTALS))]
    rows = []
    for p, totals in zip(ps, TOTALS, strict=True):
        for j, (r, t) in enumerate(zip(revs, totals, strict=True)):
            rows.append((p.id, r, t, p is ps[3] and j == 0))
    reviews(app, rnd.id, rows)
    return rnd, ps, revs


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [m for m in re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", body, re.S)]


def _expected(app, rnd_id, basis):
    with app.app_context():
        rnd = db.session.get(Round, rnd_id)
        config = ranking_ops.round_config(rnd, basis)
        revs = db.session.execute(select(Review.proposal_id, Review.reviewer_id, Review.total, Review.vetoed)
                                  .where(Review.status == ReviewStatus.submitted)).all()
        props = db.session.execute(select(Proposal.id, Category.name, Proposal.submitted_at, Proposal.number)
                                   .join(Category, Category.id == Proposal.category_id)
                                   .where(Proposal.round_id == rnd_id)).all()
        numbers = {pid: number for pid, _c, _s, number in props}
        result = scoring.score_round(
            [scoring.ReviewScore(p, r, t, v) for p, r, t, v in revs],
            [scoring.ProposalInfo(pid, cat, sub) for pid, cat, sub, _n in props],
            config,
        )
        return result, numbers


def test_ranking_numbers_equal_score_round(app, client, auth, make):
    rnd, ps, _revs = _seed(app, make)
    admin_login(make, auth)
    html = client.get(f"/admin/rounds/{rnd.id}/ranking", headers=EN).get_data(as_text=True)
    result, numbers = _expected(app, rnd.id, "trimmed")
    rows = _rows(html)
    assert len(rows) == len(TOTALS)
    written = result.aggregates["written"]
    for row_html, ranked in zip(rows, result.overall, strict=True):
        assert numbers[ranked.proposal_id] in row_html
        a = written[ranked.proposal_id]
        for value in (a.mean, a.median, a.standardised, a.sd):
            assert f"<td class=n>{value}</td>" in row_html
        assert f"{a.trimmed_mean}</td>" in row_html
        assert f"<strong>{result.blended[ranked.proposal_id].score}</strong>" in row_html
        first_cell = re.search(r"<td class=n>([^<]*)</td>", row_html).group(1)
        assert first_cell == (str(ranked.rank) if ranked.rank else "DQ")
    # per-reviewer columns: every total of the flagged proposal shows
    p0_row = next(r for r in rows if numbers[ps[0].id] in r)
    for t in TOTALS[0]:
        assert f"<td class=n>{t}.00</td>" in p0_row


def test_basis_switch_changes_the_order(app, client, auth, make):
    rnd, ps, _ = _seed(app, make)
    admin_login(make, auth)
    numbers = {p.id: p.number for p in ps}

    def order(basis):
        html = client.get(f"/admin/rounds/{rnd.id}/ranking?basis={basis}", headers=EN).get_data(as_text=True)
        text = "".join(_rows(html))
        return sorted([ps[0].id, ps[1].id], key=lambda pid: text.index(numbers[pid]))

    assert order("trimmed") == [ps[0].id, ps[1].id]  # 80 > 79
    assert order("mean") == [ps[1].id, ps[0].id]  # 79 > 78
    result, _ = _expected(app, rnd.id, "median")
    html = client.get(f"/admin/rounds/{rnd.id}/ranking?basis=median", headers=EN).get_data(as_text=True)
    assert [numbers[r.proposal_id] for r in result.overall] == [
        re.search(r"HZ-T-\d+", r).group(0) for r in _rows(html)]
    # saving the basis for the round is audited
    response = auth.post(f"/admin/rounds/{rnd.id}/ranking/basis", {"basis": "mean"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Round, rnd.id).score_basis == "mean"
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "set_score_basis"))
    html = client.get(f"/admin/rounds/{rnd.id}/ranking", headers=EN).get_data(as_text=True)
    assert 'value="mean" selected' in html


def test_disagreement_flag_and_veto_marked(app, client, auth, make):
    rnd, ps, _ = _seed(app, make)
    admin_login(make, auth)
    html = client.get(f"/admin/rounds/{rnd.id}/ranking", headers=EN).get_data(as_text=True)
    body = html.split("<tbody>", 1)[1]
    flagged = re.search(r'<tr class="flag">(.*?)</tr>', body, re.S).group(1)
    assert ps[0].number in flagged and "50.00 \u2691" in flagged
    dq = re.search(r'<tr class="dq">(.*?)</tr>', body, re.S).group(1)
    assert ps[3].number in dq and "DQ" in dq and "\u2717" in dq
    assert "Disqualified by a veto" in dq
    assert "Disagreement flag" in html


def test_category_view_ranks_within_the_category(app, client, auth, make):
    rnd, ps, _ = _seed(app, make)
    admin_login(make, auth)
    cat = categories(app, rnd.id)[1][1]
    html = client.get(f"/admin/rounds/{rnd.id}/ranking", query_string={"category": cat}, headers=EN).get_data(as_text=True)
    rows = _rows(html)
    assert len(rows) == 3  # proposals 1, 3, 5 are in the second category
    result, numbers = _expected(app, rnd.id, "trimmed")
    expected = [numbers[r.proposal_id] for r in result.by_category[cat]]
    assert [re.search(r"HZ-T-\d+", r).group(0) for r in rows] == expected


def test_tie_break_explained(app, client, auth, make):
    rnd = make.round()
    revs = reviewers(make, 5)
    a = eligible(make, rnd.id)
    b = eligible(make, rnd.id)
    reviews(app, rnd.id, [(p.id, r, 75) for p in (a, b) for r in revs])
    admin_login(make, auth)
    html = client.get(f"/admin/rounds/{rnd.id}/ranking", headers=EN).get_data(as_text=True)
    assert "the proposal submitted earlier comes first" in html or "earlier registered proposal" in html


def _count_queries(app, client, url) -> int:
    with counting_queries(app) as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def test_query_count_does_not_grow_with_proposals(app, client, auth, make):
    admin_login(make, auth)
    revs = reviewers(make, 5)
    counts = []
    for n in (5, 50):
        rnd = make.round()
        rows = []
        for i in range(n):
            p = eligible(make, rnd.id)
            rows += [(p.id, r, 60 + (i + j) % 30) for j, r in enumerate(revs)]
        reviews(app, rnd.id, rows)
        counts.append(_count_queries(app, client, f"/admin/rounds/{rnd.id}/ranking"))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12


def test_score_matrix_excel(app, client, auth, make):
    rnd, ps, revs = _seed(app, make)
    admin_login(make, auth)
    response = client.get(f"/admin/rounds/{rnd.id}/ranking/matrix.xlsx", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = load_workbook(io.BytesIO(response.data), read_only=True)
    try:
        assert wb.sheetnames == ["Summary", "Written review", "Roadshow"]
        summary = list(wb["Summary"].iter_rows(values_only=True))
        assert summary[0][:3] == ("Rank", "Rank in category", "Number")
        assert len(summary) == 1 + len(TOTALS)
        written = list(wb["Written review"].iter_rows(values_only=True))
        header = written[0]
        assert "Need" in " ".join(str(h) for h in header) or "need" in header
        assert len(written) == 1 + 5 * len(TOTALS)  # proposal x reviewer
        by_number = [r for r in written[1:] if r[0] == ps[0].number]
        assert sorted(r[header.index("Total")] for r in by_number) == sorted(Decimal(t) for t in TOTALS[0])
        assert [r for r in written[1:] if r[header.index("Vetoed")] == "yes"][0][0] == ps[3].number
    finally:
        wb.close()


def test_ranking_needs_no_reviews(app, client, auth, make):
    rnd = make.round()
    admin_login(make, auth)
    html = client.get(f"/admin/rounds/{rnd.id}/ranking", headers=EN).get_data(as_text=True)
    assert "No submitted reviews yet." in html
    assert client.get("/admin/rounds/99999/ranking").status_code == 404


def test_names_are_escaped(app, client, auth, make):
    rnd = make.round()
    revs = reviewers(make, 3)
    p = eligible(make, rnd.id, name='<script>alert("x")</script>項目')
    reviews(app, rnd.id, [(p.id, r, 70, i == 0) for i, r in enumerate(revs)])
    admin_login(make, auth)
    html = client.get(f"/admin/rounds/{rnd.id}/ranking", headers=EN).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)" in html or "&lt;script&gt;alert(&quot;x&quot;)" in html
