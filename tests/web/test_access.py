"""Every GET route × role, generated from the app's own URL map: a new route without an entry fails."""

import pytest

from grants.models import Role

# endpoint -> who may open it: "all", "anonymous-ok", or a set of roles
RULES = {
    "public.home": "all",
    "auth.login": "all",
    "auth.register": "all",
    "auth.set_password": "token",
    "auth.change_password": {"applicant", "reviewer", "admin"},
    "applicant.dashboard": {"applicant"},
    "reviewer.dashboard": {"reviewer"},
    "admin.dashboard": {"admin"},
    "admin.rounds": {"admin"},
    "admin.round_new": {"admin"},
    "admin.round_edit": {"admin"},
    "admin.organizations": {"admin"},
    "admin.reviewers": {"admin"},
    "admin.reviewer_new": {"admin"},
}
POST_ONLY = {"auth.logout", "public.set_language"}
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
        if allowed == "token":
            continue  # covered by the one-time link test
        values = {arg: rnd.id for arg in rule.arguments}
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
            ok = response.status_code == 403
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
