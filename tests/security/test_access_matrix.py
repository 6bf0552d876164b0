"""Every route × method × role (7 roles, incl. another NGO, unassigned and conflicted reviewers)
against a table of expected outcomes, generated from the app's own URL map: a new route
without an entry here fails the test.

Allowed: 2xx/3xx (not a redirect to the login page); for POST also 400/409 (the request reached
validation: access was granted). Refused: 401/403/404, or (anonymous) a redirect to the login page.
"""

from __future__ import annotations

import pytest
from flask import url_for

from tests.conftest import csrf_token
from tests.security.world import ROLES, build, login, report

ALL = frozenset(ROLES)
SIGNED = ALL - {"anonymous"}
NOBODY = frozenset()
ADMIN = frozenset({"admin"})
NGOS = frozenset({"appA", "appB"})
OWNER = frozenset({"appA"})
REVIEWERS = frozenset({"rev", "revU", "revC"})
ASSIGNED = frozenset({"rev"})

# endpoint -> allowed roles (same for every method of the route), optionally with URL overrides
# naming World.ids keys: (roles, {"proposal_id": "draft_id"}).
EXPECT: dict[str, object] = {
    # public
    "public.home": ALL,
    "public.results": ALL,
    "public.objection_new": ALL,
    "public.verify": ALL,
    "public.set_language": ALL,
    "public.results_pdf": ALL,  # the frozen notice PDF: public by design
    "public.results_final_pdf": NOBODY,  # not finalised in the world: 404 for everyone
    "public.results_xlsx": NOBODY,  # no spreadsheet frozen in the world: 404 for everyone
    # accounts
    "auth.login": ALL,
    "auth.register": ALL,
    "auth.logout": ALL,
    "auth.set_password": NOBODY,  # a made-up token: 404 for everyone
    "auth.change_password": SIGNED,
    # applicants (org A owns the proposal; org B must not reach it)
    "applicant.dashboard": NGOS,
    "applicant.proposal_new": NGOS,
    "applicant.proposal_edit": (OWNER, {"proposal_id": "draft_id"}),
    "applicant.proposal_attachments": (OWNER, {"proposal_id": "draft_id"}),
    "applicant.proposal_view": OWNER,
    "applicant.proposal_submitted": OWNER,
    "applicant.proposal_pdf": OWNER,
    "applicant.proposal_withdraw": OWNER,
    "applicant.proposal_reopen": OWNER,
    "applicant.attachment_delete": OWNER,
    "applicant.review_summary": OWNER,
    "attachments.download": frozenset({"appA", "rev", "admin"}),
    # reviewers
    "reviewer.dashboard": REVIEWERS,
    "reviewer.declaration": ASSIGNED,
    "reviewer.proposal": ASSIGNED,
    "reviewer.review": ASSIGNED,
    "reviewer.score_sheet": ASSIGNED,
    "reviewer.score_sheets": REVIEWERS,  # one's own submitted sheets (or a redirect when none)
    "reviewer.roadshow_judge": ASSIGNED,  # on the roadshow panel
    "reviewer.roadshow_sheet": (NOBODY, {"proposal_id": "award_proposal_id"}),  # no roadshow review: 404
    # admin: everything admin-only
    "admin.roadshow_unshortlist": (ADMIN, {"proposal_id": "award_proposal_id"}),
}
ADMIN_DEFAULT = ADMIN  # every other admin.* endpoint

# Minimal form data where the route needs a selector to find its object (values: World.ids keys or literals).
MINIMAL = {
    "admin.allocation_adjust": {"proposal_id": "award_proposal_id"},
    "admin.rubrics": {"stage": "=written"},
}


def minimal_data(world, endpoint: str, token: str) -> dict:
    data = {"csrf_token": token}
    for key, value in MINIMAL.get(endpoint, {}).items():
        data[key] = value[1:] if value.startswith("=") else str(world.ids[value])
    return data


# POSTs that change the world for later cells run last, in this order.
LAST = ["applicant.attachment_delete", "applicant.proposal_withdraw", "admin.assignment_remove", "auth.logout"]


def expectation(endpoint: str):
    entry = EXPECT.get(endpoint)
    if entry is None and endpoint.startswith("admin."):
        entry = ADMIN_DEFAULT
    if entry is None:
        return None, {}
    if isinstance(entry, tuple):
        return entry[0], entry[1]
    return entry, {}


def cells(app):
    """(endpoint, method, rule) for every route and method, GETs first, world-changing POSTs last."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, rule))
    return sorted(out, key=lambda c: (c[1] != "GET", LAST.index(c[0]) if c[0] in LAST else -1, c[0]))


def test_every_route_has_an_expectation(app):
    missing = sorted({e for e, _m, _r in cells(app) if expectation(e)[0] is None})
    assert not missing, f"routes without an entry in the security access matrix: {missing}"


def judge(role, allowed, method, response) -> bool:
    status = response.status_code
    to_login = status in (301, 302, 303) and "/login" in response.headers.get("Location", "")
    if status >= 500:
        return False
    if role in allowed:
        if to_login:
            return False
        return 200 <= status < 400 or (method == "POST" and status in (400, 409, 413, 429))
    if role == "anonymous":
        return to_login or status in (401, 403, 404)
    return status in (401, 403, 404)


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, make, role):
    world = build(make, app)
    client = login(app, role)
    token = csrf_token(client, "/")
    checked = mismatches = 0
    problems = []
    for endpoint, method, rule in cells(app):
        allowed, overrides = expectation(endpoint)
        values = world.url_values(rule, {k: world.ids[v] for k, v in overrides.items()})
        with app.test_request_context():
            url = url_for(endpoint, **values)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.open(url, method=method, data=minimal_data(world, endpoint, token))
        checked += 1
        if not judge(role, allowed, method, response):
            mismatches += 1
            problems.append(f"{role} {method} {url} ({endpoint}) -> {response.status_code} "
                            f"{response.headers.get('Location', '')}")
    for line in problems:
        print("MISMATCH", line)
    report(f"access matrix [{role}]", f"{checked} cells checked, {mismatches} mismatches")
    assert mismatches == 0, "\n".join(problems)
