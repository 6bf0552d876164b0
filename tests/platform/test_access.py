"""Every GET route × role, generated from the app's own URL map: a new route without an entry fails."""

import pytest

from grants.models import Role
from tests.access_rules import merged

RULES, POST_ONLY = merged()
ROLES = ["anonymous", "applicant", "reviewer", "admin"]


def get_endpoints(app):
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        out.append(rule)
    return out


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = endpoints - set(RULES) - POST_ONLY
    assert not missing, f"routes without an access rule: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, client, auth, make, role):
    rnd = make.round()
    if role != "anonymous":
        make.user(Role(role), email=f"{role}@example.org")
        assert auth.login(f"{role}@example.org").status_code == 302
    checked = mismatches = 0
    for rule in get_endpoints(app):
        allowed = RULES[rule.endpoint]
        if allowed == "token" or (isinstance(allowed, str) and allowed.startswith("skip:")):
            continue  # covered by a dedicated test
        values = {arg: rnd.id for arg in rule.arguments}  # round routes get a real id
        if isinstance(allowed, tuple):  # (roles, build) where build(make, rnd) gives real URL values
            allowed, build = allowed
            values = build(make, rnd)
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        response = client.get(url)
        checked += 1
        if allowed == "all":
            ok = response.status_code == 200 or (role != "anonymous" and response.status_code == 302
                                                   and rule.endpoint in ("auth.login", "auth.register"))
        elif role in allowed:
            ok = response.status_code == 200
        elif role == "anonymous":
            ok = response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            ok = response.status_code in (403, 404)
        if not ok:
            mismatches += 1
            print(f"MISMATCH {role} GET {url} -> {response.status_code}")
    print(f"access matrix [{role}]: {checked} cells checked, {mismatches} mismatches")
    assert mismatches == 0


def test_forbidden_page_is_localized(client, auth, make):
    make.user(Role.applicant, email="ngo@example.org")
    auth.login("ngo@example.org")
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "無權訪問" in response.get_data(as_text=True)
