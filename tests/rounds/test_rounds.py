from decimal import Decimal

from sqlalchemy import select

from grants.extensions import db
from grants.models import Role, Round


def round_form(**overrides):
    data = {
        "edition": "9", "name": "第九屆紅紫荊婦女兒童公益項目創投活動", "issuer": "惠州市婦女聯合會",
        "funding_pool": "2,700,000", "project_cap": "200000", "max_proposals_per_org": "2",
        "admin_share_max": "10", "call_opens_at": "2027-03-01T09:00", "call_closes_at": "2027-04-30T17:00",
        "notice_working_days": "5", "trim_min_reviews": "5", "blind_review": "y",
        "written_weight": "40", "roadshow_weight": "60", "score_basis": "trimmed", "veto_policy": "any",
        "disagreement_threshold": "15", "tiebreak_criterion": "", "min_score_to_fund": "60",
        "reviewers_per_proposal": "3", "roadshow_present_minutes": "8", "roadshow_qa_minutes": "7",
        "required_documents": ["registration_certificate", "annual_report"],
        "categories-0-name": "婦女發展", "categories-0-quota": "800000",
        "categories-1-name": "兒童關愛", "categories-1-quota": "",
        "categories-2-name": "", "categories-2-quota": "",
    }
    data.update(overrides)
    return data


def test_admin_creates_round_times_in_utc(app, client, auth, make):
    make.user(Role.admin, email="boss@example.org")
    auth.login("boss@example.org")
    response = auth.post("/admin/rounds/new", round_form())
    assert response.status_code == 302
    with app.app_context():
        rnd = db.session.scalar(select(Round))
        assert rnd.funding_pool == Decimal("2700000.00")
        assert [c.name for c in rnd.categories] == ["婦女發展", "兒童關愛"]
        assert rnd.categories[0].quota == Decimal("800000") and rnd.categories[1].quota is None
        # 17:00 Beijing time is 09:00 UTC
        assert rnd.call_closes_at.hour == 9 and rnd.call_closes_at.utcoffset().total_seconds() == 0
    html = client.get("/admin/rounds").get_data(as_text=True)
    assert "2027-04-30 17:00" in html


def test_round_validation_errors_keep_input(app, client, auth, make):
    make.user(Role.admin, email="boss@example.org")
    auth.login("boss@example.org")
    response = auth.post("/admin/rounds/new", round_form(project_cap="3000000", funding_pool="12.345",
                                                         call_closes_at="2027-02-01T09:00"),
                         headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "at most 2 decimal places" in html
    assert "must close after it opens" in html
    assert 'value="第九屆紅紫荊婦女兒童公益項目創投活動"' in html
    with app.app_context():
        assert db.session.scalar(select(Round)) is None


def test_admin_edits_round_and_stale_edit_conflicts(app, client, auth, make):
    make.user(Role.admin, email="boss@example.org")
    rnd = make.round(edition=8)
    auth.login("boss@example.org")
    page = client.get(f"/admin/rounds/{rnd.id}/edit").get_data(as_text=True)
    assert "婦女發展" in page and 'name="version" value="1"' in page
    data = round_form(edition="8", name="第八屆（修訂）", version="1")
    assert auth.post(f"/admin/rounds/{rnd.id}/edit", data).status_code == 302
    with app.app_context():
        assert db.session.get(Round, rnd.id).name == "第八屆（修訂）"
    # a second tab still holding version 1 gets a clear conflict, not a silent overwrite
    response = auth.post(f"/admin/rounds/{rnd.id}/edit", round_form(edition="8", name="舊分頁", version="1"))
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(Round, rnd.id).name == "第八屆（修訂）"


def test_duplicate_edition_refused(app, auth, make):
    make.user(Role.admin, email="boss@example.org")
    make.round(edition=9)
    auth.login("boss@example.org")
    response = auth.post("/admin/rounds/new", round_form(), headers={"Accept-Language": "en"})
    assert "already exists" in response.get_data(as_text=True)


def test_scoring_settings_saved_and_weights_checked(app, client, auth, make):
    make.user(Role.admin, email="boss@example.org")
    auth.login("boss@example.org")
    html = auth.post("/admin/rounds/new", round_form(written_weight="50", roadshow_weight="40"),
                     headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "must add up to 100" in html
    response = auth.post("/admin/rounds/new", round_form(
        written_weight="100", roadshow_weight="0", score_basis="standardised", veto_policy="majority",
        tiebreak_criterion="innovation", min_score_to_fund="65.5", reviewers_per_proposal="5",
        required_documents=["registration_certificate"]))
    assert response.status_code == 302
    with app.app_context():
        rnd = db.session.scalar(select(Round))
        assert rnd.stage_weights == {"written": 100}  # no roadshow
        assert (rnd.score_basis, rnd.veto_policy, rnd.tiebreak_criterion) == ("standardised", "majority", "innovation")
        assert rnd.min_score_to_fund == Decimal("65.5") and rnd.reviewers_per_proposal == 5
        assert rnd.required_documents == ["registration_certificate"]
    page = client.get(f"/admin/rounds/{rnd.id}/edit").get_data(as_text=True)
    assert 'id="written_weight" name="written_weight" type="number" value="100"' in page or 'value="100"' in page


def test_edit_to_a_taken_edition_is_refused_and_changes_nothing(app, client, auth, make):
    make.user(Role.admin, email="boss@example.org")
    make.round(edition=7)
    rnd = make.round(edition=8)
    auth.login("boss@example.org")
    response = auth.post(f"/admin/rounds/{rnd.id}/edit", round_form(edition="7", name="改名", version="1"),
                         headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "A round with this edition number already exists." in response.get_data(as_text=True)
    # a version that is not a number is a conflict, not a server error
    response = auth.post(f"/admin/rounds/{rnd.id}/edit", round_form(edition="8", name="改名", version="x"))
    assert response.status_code == 409
    with app.app_context():
        saved = db.session.get(Round, rnd.id)
        assert (saved.edition, saved.version) == (8, 1) and saved.name != "改名"


def test_round_labels_per_language_with_fallback(app, client, auth, make):
    """Round name, issuer and category names can be given per language; a page shows its
    language's text and falls back to the text as given where none was entered."""
    make.user(Role.admin, email="boss@example.org")
    auth.login("boss@example.org")
    response = auth.post("/admin/rounds/new", round_form(
        name_zh_hans="第九届红紫荆妇女儿童公益项目创投活动", name_en="9th Red Bauhinia Venture Philanthropy Round",
        issuer_zh_hans="惠州市妇女联合会", issuer_en="",
        **{"categories-0-name_zh_hans": "妇女发展", "categories-0-name_en": "Women's development",
           "categories-1-name_zh_hans": "", "categories-1-name_en": "Child care"}))
    assert response.status_code == 302
    with app.app_context():
        rnd = db.session.scalar(select(Round))
        assert rnd.label("zh_Hans") == "第九届红紫荆妇女儿童公益项目创投活动"
        assert rnd.label("zh_Hant") == "第九屆紅紫荊婦女兒童公益項目創投活動"  # the text as given
        assert rnd.label("en", "issuer") == "惠州市婦女聯合會"  # blank: falls back
        assert [c.label("en") for c in rnd.categories] == ["Women's development", "Child care"]
        assert [c.label("zh_Hans") for c in rnd.categories] == ["妇女发展", "兒童關愛"]
        round_id = rnd.id
    page = client.get(f"/admin/rounds/{round_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "9th Red Bauhinia Venture Philanthropy Round" in page and "第九屆" not in page
    auth.post("/language", {"lang": "zh_Hans", "next": "/"})
    page = client.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    assert "第九届红紫荆妇女儿童公益项目创投活动" in page and "惠州市妇女联合会" in page
    form = client.get(f"/admin/rounds/{round_id}/edit").get_data(as_text=True)
    assert 'value="9th Red Bauhinia Venture Philanthropy Round"' in form and 'value="Child care"' in form
    # clearing a translation on edit makes the page fall back again
    with app.app_context():
        version = db.session.get(Round, round_id).version
    response = auth.post(f"/admin/rounds/{round_id}/edit", round_form(
        version=str(version), name_zh_hans="", name_en="9th round",
        **{"categories-0-name_en": "Women", "categories-1-name_en": ""}))
    assert response.status_code == 302
    with app.app_context():
        rnd = db.session.get(Round, round_id)
        assert rnd.label("zh_Hans") == rnd.name and rnd.label("en") == "9th round"
        assert [c.label("en") for c in rnd.categories] == ["Women", "兒童關愛"]
def test_official_language_defaults_to_the_creating_admins_language(app, client, auth, make):
    make.user(Role.admin, email="boss@example.org")
    auth.login("boss@example.org")
    with client.session_transaction() as session:
        session["lang"] = "zh_Hans"
    page = client.get("/admin/rounds/new").get_data(as_text=True)
    assert '<option selected value="zh_Hans">' in page or '<option value="zh_Hans" selected>' in page
    assert auth.post("/admin/rounds/new", round_form()).status_code == 302  # the field left as offered
    response = auth.post("/admin/rounds/new", round_form(edition="10", official_language="klingon"))
    assert response.status_code == 200 and "official_language" in response.get_data(as_text=True)
    assert auth.post("/admin/rounds/new", round_form(edition="11", official_language="en")).status_code == 302
    with app.app_context():
        languages = {r.edition: r.official_language for r in db.session.scalars(select(Round))}
    assert languages == {9: "zh_Hans", 11: "en"}


def test_official_language_is_locked_once_a_list_is_published(app, client, auth, make):
    from tests.publication.test_publication_support import add_awards, direct_publication

    make.user(Role.admin, email="boss@example.org")
    rnd = make.round(edition=8)
    auth.login("boss@example.org")
    assert auth.post(f"/admin/rounds/{rnd.id}/edit", round_form(edition="8", version="1",
                                                                official_language="zh_Hans")).status_code == 302
    add_awards(make, app, rnd)
    direct_publication(app, rnd.id)
    response = auth.post(f"/admin/rounds/{rnd.id}/edit", round_form(edition="8", version="2", official_language="en",
                                                                    name="改名"), headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "can no longer change" in html and 'value="改名"' in html
    with app.app_context():
        stored = db.session.get(Round, rnd.id)
        assert (stored.official_language, stored.name) == ("zh_Hans", "第九屆紅紫荊婦女兒童公益項目創投活動")


def test_edit_with_a_date_left_out_compares_with_the_stored_one(app, client, auth, make):
    """A date field not sent keeps the stored value (a naive wall time) while the other is read from
    the request (aware): the close-after-open check compares them as wall times, never a 500."""
    make.user(Role.admin, email="boss@example.org")
    rnd = make.round(edition=8)
    auth.login("boss@example.org")
    with app.app_context():
        opens = db.session.get(Round, rnd.id).call_opens_at
    data = round_form(edition="8", version="1", call_closes_at="2000-01-01T09:00")
    del data["call_opens_at"]
    response = auth.post(f"/admin/rounds/{rnd.id}/edit", data, headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.status_code  # refused with messages, not a 500
    with app.app_context():
        assert db.session.get(Round, rnd.id).call_opens_at == opens
