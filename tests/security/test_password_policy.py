"""Password policy at the door: the login form accepts any 8..128-character password (spaces and
CJK included); registration refuses common passwords and lengths outside 8..128."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Role, User
from grants.platform import passwords
from tests.conftest import Actions
from tests.factories import valid_uscc
from tests.security.world import report

GOOD = ["abcd efgh", "紅紫荊 婦女兒童 公益創投", "  leading and trailing  ", "x" * 127 + "y", "密碼" * 64]
COMMON = ["password", "12345678", "qwertyuiop", "00000000"]


def registration(n: int, password: str) -> dict:
    return {"org_name": f"密碼測試社{n}", "uscc": valid_uscc(700000 + n), "org_type": "social_service",
            "registered_on": "2019-05-20", "rating": "3A", "district": "huiyang", "address": "惠州市惠陽區1號",
            "contact_name": "陳測試", "contact_phone": "13800138000", "email": f"pw{n}@example.org",
            "password": password, "confirm": password}


def _users(app, email) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(User).where(User.email == email))
        db.session.remove()
        return n


@pytest.mark.parametrize("password", GOOD, ids=["space", "cjk", "edges", "128-ascii", "128-cjk"])
def test_login_accepts_long_spaced_and_cjk_passwords(app, make, password):
    assert 8 <= len(password) <= 128
    make.user(Role.admin, email="pw@example.org", password_hash=passwords.hash_password(password))
    client = app.test_client()
    assert Actions(client).login("pw@example.org", password).status_code == 302
    assert Actions(app.test_client()).login("pw@example.org", password.strip() + "!").status_code == 200


def test_registration_password_rules(app):
    client = app.test_client()
    auth = Actions(client)
    outcomes = {}
    for i, password in enumerate(COMMON + ["short7!", "z" * 129]):
        response = auth.post("/register", registration(i, password), headers={"Accept-Language": "en"})
        outcomes[password[:12]] = response.status_code
        assert response.status_code == 200 and _users(app, f"pw{i}@example.org") == 0, password
    accepted = 0
    for j, password in enumerate(["紅紫荊 婦女兒童 公益創投 2026", "x" * 64 + " 密碼 " + "y" * 58]):
        fresh = Actions(app.test_client())
        n = 50 + j
        response = fresh.post("/register", registration(n, password))
        assert response.status_code == 302, password
        assert _users(app, f"pw{n}@example.org") == 1
        accepted += 1
    report("password policy", f"{len(COMMON)} common + 2 bad-length passwords refused at registration, "
                              f"{accepted} CJK/space passwords accepted, {len(GOOD)} 8..128-char logins accepted")
