"""Anyone can reset a forgotten password by mail: a single-use link that expires, the same answer
whether or not the address has an account, rate limited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from grants.extensions import db
from grants.models import OneTimeToken, Role, User, UserSession, utcnow
from tests.factories import PASSWORD

EN = {"Accept-Language": "en"}
NEW = "Purple-bauhinia-reset-2026"


def outbox(app) -> list[dict]:
    return app.extensions.get("grants_outbox", [])


def ask(auth, email: str):
    return auth.post("/forgot-password", {"email": email}, headers=EN)


def link_in(mail: dict) -> str:
    return mail["body"].split("http://127.0.0.1:5000", 1)[1].split()[0]


def test_reset_by_mail_signs_in_with_the_new_password_once(app, client, auth, make):
    make.user(Role.applicant, email="clerk@ngo.example")
    assert 'href="/forgot-password"' in client.get("/login", headers=EN).get_data(as_text=True)
    response = ask(auth, "Clerk@NGO.example ")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    mail = outbox(app)[-1]
    assert mail["to"] == "clerk@ngo.example" and "/reset-password/" in mail["body"]
    link = link_in(mail)
    assert client.get(link, headers=EN).status_code == 200
    response = auth.post(link, {"password": NEW, "confirm": NEW}, headers=EN)
    assert response.status_code == 302
    assert client.get(link, headers=EN).status_code == 404  # single use
    assert auth.post(link, {"password": "Another-one-2026-x", "confirm": "Another-one-2026-x"}).status_code == 404
    assert auth.login("clerk@ngo.example", PASSWORD).status_code == 200  # the old password is refused
    assert auth.login("clerk@ngo.example", NEW).headers["Location"].endswith("/applicant/")


def test_the_same_answer_whether_or_not_the_address_exists(app, client, auth, make):
    make.user(Role.reviewer, email="known@expert.example")
    before = len(outbox(app))
    known = ask(auth, "known@expert.example")
    known_page = client.get(known.headers["Location"], headers=EN).get_data(as_text=True)
    unknown = ask(auth, "nobody@nowhere.example")
    unknown_page = client.get(unknown.headers["Location"], headers=EN).get_data(as_text=True)
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert "If an account exists for known@expert.example" in known_page
    assert "If an account exists for nobody@nowhere.example" in unknown_page
    assert [m["to"] for m in outbox(app)[before:]] == ["known@expert.example"]  # only the real account is mailed


def test_the_link_expires_and_a_newer_one_replaces_it(app, client, auth, make):
    make.user(Role.applicant, email="late@ngo.example")
    ask(auth, "late@ngo.example")
    first = link_in(outbox(app)[-1])
    ask(auth, "late@ngo.example")
    second = link_in(outbox(app)[-1])
    assert client.get(first, headers=EN).status_code == 404  # superseded by the newer link
    assert client.get(second, headers=EN).status_code == 200
    with app.app_context():
        db.session.execute(update(OneTimeToken).where(OneTimeToken.purpose == "reset_password")
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    page = client.get(second, headers=EN)
    assert page.status_code == 404 and "This link no longer works" in page.get_data(as_text=True)


def test_reset_ends_every_session(app, client, auth, make):
    make.user(Role.applicant, email="phone@ngo.example")
    other = app.test_client()
    from tests.conftest import Actions

    assert Actions(other).login("phone@ngo.example").status_code == 302
    ask(auth, "phone@ngo.example")
    auth.post(link_in(outbox(app)[-1]), {"password": NEW, "confirm": NEW})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "phone@ngo.example"))
        assert db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                            UserSession.revoked_at.is_(None))).all() == []
    assert other.get("/applicant/").status_code == 302  # the other device is signed out


def test_reset_requests_are_rate_limited(app, client, auth, make):
    make.user(Role.applicant, email="flood@ngo.example")
    codes = [ask(auth, "flood@ngo.example").status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    assert len([m for m in outbox(app) if m["to"] == "flood@ngo.example"]) == 3


def test_a_weak_new_password_is_refused_next_to_the_field(app, client, auth, make):
    make.user(Role.applicant, email="weak@ngo.example")
    ask(auth, "weak@ngo.example")
    link = link_in(outbox(app)[-1])
    response = auth.post(link, {"password": "12345678", "confirm": "12345678"}, headers=EN)
    assert response.status_code == 200 and 'aria-invalid="true"' in response.get_data(as_text=True)
    assert client.get(link, headers=EN).status_code == 200  # not used up by a refused attempt
