from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Organization, Role, User, UserSession
from tests.factories import PASSWORD, valid_uscc


def registration(**overrides):
    data = {
        "org_name": "惠州市測試婦女服務中心",
        "uscc": valid_uscc(901),
        "org_type": "social_service",
        "registered_on": "2019-05-20",
        "rating": "3A",
        "district": "huiyang",
        "address": "惠州市惠陽區淡水街道1號",
        "contact_name": "陳小姐",
        "contact_phone": "13912345678",
        "email": "chen@ngo.example",
        "password": "Bauhinia-blooms-2026",
        "confirm": "Bauhinia-blooms-2026",
    }
    data.update(overrides)
    return data


def test_register_creates_org_and_signs_in(app, client, auth):
    response = auth.post("/register", registration())
    assert response.status_code == 302 and response.headers["Location"].endswith("/applicant/")
    with app.app_context():
        org = db.session.scalar(select(Organization))
        assert org.uscc == valid_uscc(901) and org.district == "huiyang"
        user = db.session.scalar(select(User))
        assert user.role == Role.applicant and user.organization_id == org.id
        assert user.password_hash.startswith("$argon2id$")
    assert "惠州市測試婦女服務中心" in client.get("/applicant/").get_data(as_text=True)


def test_bad_uscc_shown_next_to_field_and_input_kept(app, client, auth):
    bad = valid_uscc(902)[:17] + ("0" if valid_uscc(902)[17] != "0" else "1")
    response = auth.post("/register", registration(uscc=bad))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "校驗" in html or "檢驗" in html or "check character" in html  # the checksum message, in zh_Hant
    assert 'value="惠州市測試婦女服務中心"' in html  # nothing typed is lost
    assert bad in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Organization.id))) == 0


def test_non_civil_affairs_code_explained(client, auth):
    html = auth.post("/register", registration(uscc="91350100M000100Y43"),
                     headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "start with 5" in html


def test_duplicate_uscc_refused(app, client, auth, make):
    make.organization(uscc=valid_uscc(903))
    html = auth.post("/register", registration(uscc=valid_uscc(903)),
                     headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "already registered" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Organization.id))) == 1


def test_bad_phone_and_common_password(client, auth):
    html = auth.post("/register", registration(contact_phone="2345", password="password1", confirm="password1"),
                     headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "11-digit mainland mobile number" in html
    assert "too common" in html


def test_login_logout_and_session_rotation(app, client, auth, make):
    user = make.user(Role.admin, email="boss@example.org")
    client.get("/login")
    before = client.get_cookie("session").value
    response = auth.login("boss@example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    after = client.get_cookie("session").value
    assert before != after
    assert client.get("/admin/").status_code == 200
    stolen = after
    auth.logout()
    assert client.get("/admin/").status_code == 302
    # the cookie from before logout is dead: its server-side session was revoked
    client.set_cookie("session", stolen)
    assert client.get("/admin/").status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
        assert len(rows) == 1 and rows[0].revoked_at is not None


def test_wrong_password_message(client, auth, make):
    make.user(Role.admin, email="boss@example.org")
    response = auth.login("boss@example.org", "not-the-password")
    assert response.status_code == 200
    assert "電子郵件或密碼不正確" in response.get_data(as_text=True)


def test_offsite_next_refused(client, auth, make):
    make.user(Role.admin, email="boss@example.org")
    token_page = client.get("/login")
    assert token_page.status_code == 200
    for target in ("https://evil.example/x", "//evil.example", "/\\evil.example"):
        from tests.conftest import csrf_token

        response = client.post(f"/login?next={target}", data={
            "email": "boss@example.org", "password": PASSWORD, "csrf_token": csrf_token(client)})
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"]
        auth.logout()
    response = client.post("/login?next=/admin/rounds", data={
        "email": "boss@example.org", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/admin/rounds"


def test_csrf_refused_with_400(client, make):
    make.user(Role.admin, email="boss@example.org")
    response = client.post("/login", data={"email": "boss@example.org", "password": PASSWORD})
    assert response.status_code == 400
    response = client.post("/login", data={"email": "boss@example.org", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400


def test_password_change_kills_other_sessions(app, make):
    make.user(Role.admin, email="boss@example.org")
    from tests.conftest import Actions

    first, second = app.test_client(), app.test_client()
    Actions(first).login("boss@example.org")
    Actions(second).login("boss@example.org")
    response = Actions(first).post("/account/password", {
        "current": PASSWORD, "password": "A-brand-new-passphrase", "confirm": "A-brand-new-passphrase"})
    assert response.status_code == 302
    assert first.get("/admin/").status_code == 200  # the changer gets a fresh session
    assert second.get("/admin/").status_code == 302  # the other device is signed out


def test_reviewer_sets_password_through_one_time_link(app, client, auth, make):
    make.user(Role.admin, email="boss@example.org")
    org = make.organization()
    auth.login("boss@example.org")
    response = auth.post("/admin/reviewers/new", {
        "name": "林教授", "email": "lin@uni.example", "title": "教授", "employer": "惠州學院",
        "expertise": "兒童關愛，社會工作", "affiliations": [str(org.id)]})
    assert response.status_code == 302
    mail = app.extensions["grants_outbox"][-1]
    assert mail["to"] == "lin@uni.example"
    link = mail["body"].split("http://127.0.0.1:5000", 1)[1].split()[0]
    auth.logout()
    assert client.get(link).status_code == 200
    response = auth.post(link, {"password": "Reviewing-is-fun-2026", "confirm": "Reviewing-is-fun-2026"})
    assert response.status_code == 302
    assert client.get(link).status_code == 404  # one time only
    assert auth.login("lin@uni.example", "Reviewing-is-fun-2026").headers["Location"].endswith("/reviewer/")
    with app.app_context():
        reviewer = db.session.scalar(select(User).where(User.email == "lin@uni.example"))
        assert reviewer.expertise_tags == ["兒童關愛", "社會工作"]
        assert [a.organization_id for a in reviewer.affiliations] == [org.id]


def test_duplicate_uscc_and_email_both_reported_next_to_their_fields(app, client, auth, make):
    make.organization(uscc=valid_uscc(904))
    make.user(Role.admin, email="taken@ngo.example")
    html = auth.post("/register", registration(uscc=valid_uscc(904), email="Taken@NGO.example")).get_data(as_text=True)
    assert "使用此代碼的社會組織已註冊" in html and "此電子郵件地址已註冊帳號。" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Organization.id))) == 1
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_change_password_refuses_a_wrong_current_password(app, client, auth, make):
    make.user(Role.admin, email="boss@example.org")
    auth.login("boss@example.org")
    response = auth.post("/account/password", {"current": "not-it", "password": "A-brand-new-passphrase",
                                               "confirm": "A-brand-new-passphrase"}, headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "The current password is incorrect." in response.get_data(as_text=True)
    auth.logout()
    assert auth.login("boss@example.org").status_code == 302  # the old password still works


def test_reviewer_with_a_taken_email_is_refused_without_mail(app, client, auth, make):
    make.user(Role.admin, email="boss@example.org")
    make.user(Role.reviewer, email="lin@uni.example")
    auth.login("boss@example.org")
    app.extensions.pop("grants_outbox", None)
    response = auth.post("/admin/reviewers/new", {"name": "林教授", "email": "LIN@uni.example"})
    assert response.status_code == 200 and "此電子郵件地址已註冊帳號。" in response.get_data(as_text=True)
    response = auth.post("/admin/reviewers/new", {"name": "林教授", "email": "LIN@uni.example"},
                         headers={"Accept-Language": "en"})
    assert "This email address already has an account." in response.get_data(as_text=True)
    assert app.extensions.get("grants_outbox", []) == []
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.role == Role.reviewer)) == 1


def test_reviewer_creation_mails_only_after_the_commit(app, make):
    """The operation queues the mail; a rolled-back creation sends nothing, a committed one sends it."""
    from grants.accounts import operations as ops

    admin = make.user(Role.admin, email="boss@example.org")
    app.extensions.pop("grants_outbox", None)
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(db.session.get(User, admin.id))
        ops.create_reviewer(email="a@uni.example", name="甲")
        db.session.rollback()
        ops.create_reviewer(email=" B@Uni.example ", name="乙", expertise="財務，社會工作")
        assert app.extensions.get("grants_outbox", []) == []  # queued, not sent before the commit
        db.session.commit()
    outbox = app.extensions["grants_outbox"]
    assert [m["to"] for m in outbox] == ["b@uni.example"] and "/set-password/" in outbox[0]["body"]
    with app.app_context():
        reviewers = db.session.scalars(select(User).where(User.role == Role.reviewer)).all()
        assert [(u.email, u.expertise) for u in reviewers] == [("b@uni.example", "財務, 社會工作")]


def test_registration_sent_twice_at_the_same_instant_is_stored_once(app, client, auth, monkeypatch):
    """Both requests pass the "already registered?" check before either has written (simulated by
    letting the second request's check miss the first's row): the unique USCC/email columns turn the
    second into the "already registered" message, not a 500 and not a second organization."""
    from grants.accounts import operations as ops

    assert auth.post("/register", registration()).status_code == 302
    auth.logout()
    real_uscc, real_email = ops._uscc_taken, ops._email_taken
    misses = {"uscc": 1, "email": 1}

    def late(kind, real):
        def check(value):
            if misses[kind]:
                misses[kind] -= 1
                return False
            return real(value)
        return check

    monkeypatch.setattr(ops, "_uscc_taken", late("uscc", real_uscc))
    monkeypatch.setattr(ops, "_email_taken", late("email", real_email))
    response = auth.post("/register", registration())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="error"' in html and misses == {"uscc": 0, "email": 0}
    with app.app_context():
        assert db.session.scalar(select(func.count(Organization.id))) == 1
        assert db.session.scalar(select(func.count(User.id))) == 1
