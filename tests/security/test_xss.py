"""XSS: payloads in every text field of a proposal, a review comment and an objection come out
as literal text (escaped in HTML, plain text in PDFs) on every page that shows them; every HTML
response carries a CSP whose scripts exclude 'unsafe-inline' and has no inline <script>."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from grants.extensions import db
from grants.models import ActivityRow, Objection, OutcomeRow, Proposal, Review
from tests.security.test_access_matrix import cells
from tests.security.world import ROLES, build, login, pdf_text, report

# Escaping and headers do not depend on the database: SQLite only, to keep the suite short.
pytestmark = pytest.mark.sqlite_only

RAW = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "javascript:alert(1)", "{{7*7}}"]


def payload(marker: str) -> str:
    return marker + "".join(RAW)


PROPOSAL_FIELDS = ["name", "need", "objectives", "risks"]


def _plant(app, world) -> dict[str, str]:
    """Payloads in every text field; returns marker -> field description."""
    fields = {}

    def mark(desc):
        marker = f"XSS{len(fields):02d}Q"
        fields[marker] = desc
        return payload(marker)

    with app.app_context():
        p = db.session.get(Proposal, world.ids["proposal_id"])
        for name in PROPOSAL_FIELDS:
            setattr(p, name, mark(f"proposal.{name}"))
        for member in p.team:
            member.name, member.role, member.qualification = mark("team.name"), mark("team.role"), mark("team.qual")
        p.activities.append(ActivityRow(position=0, month=mark("activity.month")[:20], activity=mark("activity.activity"),
                                        output=mark("activity.output")))
        p.outcomes.append(OutcomeRow(position=0, indicator=mark("outcome.indicator"), target=mark("outcome.target"),
                                     measure=mark("outcome.measure")))
        for line in p.budget_lines:
            line.item = mark("budget.item")
        for review_id in (world.ids["review_id"], world.ids["peer_review_id"]):
            review = db.session.get(Review, review_id)
            review.comments = {"need": mark("review.comment")}
        objection = db.session.get(Objection, world.ids["objection_id"])
        objection.name, objection.contact, objection.reasons = (mark("objection.name"), mark("objection.contact"),
                                                                mark("objection.reasons"))
        db.session.commit()
        fields = {m: d for m, d in fields.items() if d != "activity.month"}  # truncated to 20 characters
    return fields


def _pages(world) -> dict[str, list[str]]:
    p, rid = world.ids["proposal_id"], world.round_id
    return {
        "appA": ["/applicant/", f"/applicant/proposals/{p}", f"/applicant/proposals/{p}/pdf",
                 f"/applicant/proposals/{p}/review-summary.pdf"],
        "rev": ["/reviewer/", f"/reviewer/proposals/{p}", f"/reviewer/proposals/{p}/review",
                f"/reviewer/proposals/{p}/score-sheet.pdf"],
        "admin": [f"/admin/proposals/{p}/screening", f"/admin/proposals/{p}/pdf", f"/admin/rounds/{rid}/screening",
                  f"/admin/rounds/{rid}/assignments", f"/admin/rounds/{rid}/assignments/proposals/{p}",
                  f"/admin/rounds/{rid}/review-progress", f"/admin/rounds/{rid}/objections",
                  f"/admin/objections/{world.ids['objection_id']}", f"/admin/reviews/{world.ids['review_id']}/score-sheet.pdf",
                  f"/admin/rounds/{rid}/ranking", f"/admin/rounds/{rid}/dashboard"],
    }


def test_payloads_are_shown_as_text(app, make):
    world = build(make, app)
    fields = _plant(app, world)
    checked, problems, shown = 0, [], set()
    for role, urls in _pages(world).items():
        client = login(app, role)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, f"{url} -> {response.status_code}"
            if response.mimetype == "application/pdf":
                text = pdf_text(response.get_data())
                flat = re.sub(r"\s+", "", text)
                for marker in fields:
                    if marker in flat:
                        checked += 1
                        shown.add(fields[marker])
                        after = flat.split(marker, 1)[1]
                        if not after.startswith("<script>alert(1)</script>") and not after.startswith("<script>"):
                            problems.append(f"{url}: {fields[marker]} not literal in PDF: {after[:40]!r}")
                if "{{7*7}}" not in flat or "XSS" not in flat:
                    problems.append(f"{url}: payload not found in the PDF text")
                continue
            html = response.get_data(as_text=True)
            for bad in ("<script>alert", "<img src=x", 'href="javascript:', 'src="javascript:'):
                if bad in html:
                    problems.append(f"{url}: raw {bad!r} in HTML")
            for marker in fields:
                if marker in html:
                    checked += 1
                    shown.add(fields[marker])
                    if f"{marker}&lt;script&gt;alert(1)&lt;/script&gt;" not in html and \
                            f"{marker}&lt;script&gt;" not in html:
                        problems.append(f"{url}: {fields[marker]} not escaped")
            if "XSS" in html and "{{7*7}}" not in html:
                problems.append(f"{url}: template syntax in user text was evaluated")
    print("fields never shown:", sorted(set(fields.values()) - shown))
    report("XSS", f"{len(fields)} fields × {sum(len(u) for u in _pages(world).values())} pages: "
                  f"{checked} field-page pairs checked, {len(problems)} problems; fields seen: {len(shown)}")
    assert not problems, "\n".join(problems)
    missing = {d for d in fields.values()} - shown
    assert not missing, f"fields never shown on the pages checked: {missing}"


def _script_src(csp: str) -> str:
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    return directives.get("script-src") or directives.get("default-src") or ""


def test_csp_on_every_html_page(app, make):
    """Every GET route of the access matrix, as each of the seven roles: CSP present, no unsafe script source,
    no inline <script> and no inline event handler in the HTML."""
    world = build(make, app)
    pages = problems = 0
    bad = []
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=\s*[\"']", re.I)
    for role in ROLES:
        client = login(app, role)
        for endpoint, method, rule in cells(app):
            if method != "GET" or endpoint == "auth.logout":
                continue
            with app.test_request_context():
                url = url_for(endpoint, **world.url_values(rule))
            response = client.get(url)
            if response.mimetype != "text/html":
                continue
            pages += 1
            csp = response.headers.get("Content-Security-Policy", "")
            script = _script_src(csp)
            if not script or "unsafe-inline" in script or "unsafe-eval" in script or "*" in script.split():
                problems += 1
                bad.append(f"{role} {url}: CSP {csp!r}")
            found = inline.findall(response.get_data(as_text=True))
            if found:
                problems += 1
                bad.append(f"{role} {url}: inline script {found[:2]}")
    report("CSP", f"{pages} HTML responses checked (7 roles), {problems} without a strict script-src or with inline script")
    assert not bad, "\n".join(bad)
