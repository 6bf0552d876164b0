"""Login throttling, session cookies, idle and absolute timeouts, CSRF on every state-changing route."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from grants.extensions import db
from grants.models import Role, UserSession, utcnow
from tests.conftest import Actions


@pytest.fixture
def fast_limits(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 2 seconds"
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "6 per 2 seconds"


def test_login_throttled_per_account_then_cools_down(app, client, auth, make, fast_limits):
    make.user(Role.admin, email="boss@example.org")
    codes = [auth.login("boss@example.org", "wrong-password").status_code for _ in range(5)]
    bites_at = codes.index(429) + 1
    print(f"login throttling per account: attempt {bites_at} refused with 429 (limit 3 failures / window)")
    assert codes[:3] == [200, 200, 200] and bites_at == 4
    # the right password is refused too while throttled (no oracle), then works after the cool-down
    assert auth.login("boss@example.org").status_code == 429
    time.sleep(2.1)
    assert auth.login("boss@example.org").status_code == 302


def test_login_throttled_per_address(app, client, auth, make, fast_limits):
    codes = [auth.login(f"nobody{i}@example.org", "wrong-password").status_code for i in range(8)]
    print(f"login throttling per address: first 429 at attempt {codes.index(429) + 1}")
    assert codes.index(429) == 6


def test_successful_logins_do_not_count(app, client, auth, make, fast_limits):
    make.user(Role.admin, email="boss@example.org")
    for _ in range(5):
        assert auth.login("boss@example.org").status_code == 302
        auth.logout()


def test_cookie_flags(app, client, auth, make):
    make.user(Role.admin, email="boss@example.org")
    response = auth.login("boss@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_in_production(tmp_path):
    from grants import create_app

    prod = create_app({"ENV_NAME": "production", "SECRET_KEY": "p" * 40, "SESSION_COOKIE_SECURE": True,
                       "PUBLIC_BASE_URL": "https://grants.example.org",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite"})
    assert prod.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("column, limit", [("last_seen_at", "SESSION_IDLE_TIMEOUT"), ("created_at", "SESSION_ABSOLUTE_TIMEOUT")])
def test_timeouts(app, client, auth, make, column, limit):
    make.user(Role.admin, email="boss@example.org")
    auth.login("boss@example.org")
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        past = utcnow() - app.config[limit] - timedelta(minutes=1)
        db.session.execute(update(UserSession).values({column: past}))
        db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_every_state_changing_route_requires_csrf(app, make):
    """POST/PUT/DELETE without a token, or with a forged one, is refused with 400 — signed in as admin."""
    make.user(Role.admin, email="boss@example.org")
    client = app.test_client()
    Actions(client).login("boss@example.org")
    checked = 0
    for rule in app.url_map.iter_rules():
        methods = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if not methods or rule.endpoint == "static":
            continue
        url = rule.build({arg: 1 for arg in rule.arguments})[1]
        for method in methods:
            for data in ({}, {"csrf_token": "forged"}):
                response = client.open(url, method=method, data=data)
                assert response.status_code == 400, f"{method} {url} without a valid token gave {response.status_code}"
                checked += 1
    print(f"CSRF: {checked} state-changing requests without a valid token, all refused with 400")
    assert checked >= 4
