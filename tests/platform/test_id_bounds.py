"""An id beyond what the database's integer columns hold is a 404 on every route, never a 500."""

import re

import pytest

from grants.platform.web import MAX_ID

ROLES = [None, ("applicant", "ngo@bounds.example"), ("reviewer", "rev@bounds.example"), ("admin", "adm@bounds.example")]


def int_routes(app):
    return [rule for rule in app.url_map.iter_rules() if "int:" in str(rule)]


@pytest.mark.no_database
def test_there_are_int_routes(app):
    assert len(int_routes(app)) > 30


@pytest.mark.parametrize("value", [MAX_ID + 1, 10**30])
def test_out_of_range_ids_are_404_for_every_role(app, client, auth, make, value):
    from grants.models import Role

    users = {"applicant": make.user(Role.applicant, email="ngo@bounds.example"),
             "reviewer": make.user(Role.reviewer, email="rev@bounds.example"),
             "admin": make.user(Role.admin, email="adm@bounds.example")}
    assert users
    for role in ROLES:
        auth.logout()
        if role is not None:
            auth.login(role[1])
        for rule in int_routes(app):
            url = re.sub(r"<int:\w+>", str(value), rule.rule)
            url = re.sub(r"<\w+>", "x", url)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method)
                assert response.status_code in (404, 302, 400), (role, method, url, response.status_code)
                if response.status_code == 302:  # anonymous: sent to sign in, never a lookup
                    assert role is None and "/login" in response.headers["Location"]
                if response.status_code == 400:  # a POST without its CSRF token
                    assert method == "POST"


def test_largest_id_still_routes(app, client, auth, make):
    from grants.models import Role

    make.user(Role.admin, email="adm@bounds.example")
    auth.login("adm@bounds.example")
    assert client.get(f"/admin/rounds/{MAX_ID}").status_code == 404  # routed, looked up, not found
