"""Rubrics per round and stage: defaults, download, JSON upload errors, freezing and versions."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEntry, Role, RubricVersion, Stage
from tests.review.test_review_support import EN, setup, sheet


def _admin(make, auth):
    make.user(Role.admin, email="boss@example.org")
    auth.login("boss@example.org")


def _versions(app, round_id, stage=Stage.written):
    with app.app_context():
        return [(rv.id, rv.version) for rv in db.session.scalars(
            select(RubricVersion).where(RubricVersion.round_id == round_id, RubricVersion.stage == stage)
            .order_by(RubricVersion.version))]


def test_defaults_shown_and_downloadable_then_stored_by_the_first_save(app, client, auth, make):
    rnd = make.round()
    _admin(make, auth)
    html = client.get(f"/admin/rounds/{rnd.id}/rubrics", headers=EN).get_data(as_text=True)
    assert "Written review rubric" in html and "Need and necessity" in html
    assert "Not used yet" in html
    response = client.get(f"/admin/rounds/{rnd.id}/rubrics/written.json")
    assert response.status_code == 200
    data = json.loads(response.get_data(as_text=True))
    assert data["version"] == 1 and data["criteria"][0]["key"] == "need"
    assert client.get(f"/admin/rounds/{rnd.id}/rubrics/nonsense.json").status_code == 404
    # reading stores nothing (views never write on GET) ...
    assert _versions(app, rnd.id) == [] and _versions(app, rnd.id, Stage.roadshow) == []
    # ... the first save stores the default (audited), then the edit, in place as version 1
    data["criteria"][0]["label"]["en"] = "Need (edited)"
    response = auth.post(f"/admin/rounds/{rnd.id}/rubrics",
                         {"stage": "written", "written-definition": json.dumps(data, ensure_ascii=False)})
    assert response.status_code == 302
    assert [v for _id, v in _versions(app, rnd.id)] == [1] and _versions(app, rnd.id, Stage.roadshow) == []
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "create_rubric")) is not None
    assert "Need (edited)" in client.get(f"/admin/rounds/{rnd.id}/rubrics", headers=EN).get_data(as_text=True)


def test_json_syntax_error_names_the_line(client, auth, make):
    rnd = make.round()
    _admin(make, auth)
    client.get(f"/admin/rounds/{rnd.id}/rubrics")
    text = client.get(f"/admin/rounds/{rnd.id}/rubrics/written.json").get_data(as_text=True)
    broken = text.replace('"version": 1,', '"version": 1', 1)  # a missing comma on line 7
    response = auth.post(f"/admin/rounds/{rnd.id}/rubrics", {"stage": "written", "written-definition": broken},
                         headers=EN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The JSON is not valid at line 8" in html
    assert 'class="field has-error' in html and "written-definition" in html
    # a structural error names the key path; an uploaded file works the same way
    bad = json.loads(text)
    bad["criteria"][1]["max_points"] = "lots"
    response = auth.post(f"/admin/rounds/{rnd.id}/rubrics", {
        "stage": "written",
        "written-upload": (io.BytesIO(json.dumps(bad, ensure_ascii=False).encode()), "rubric.json"),
    }, headers=EN, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "criteria[1].max_points: must be a number" in response.get_data(as_text=True)


def test_edit_in_place_then_frozen_edit_makes_a_new_version(app, client, auth, make):
    rnd, reviewer, (proposal,) = setup(make, app)
    _admin(make, auth)
    client.get(f"/admin/rounds/{rnd.id}/rubrics")
    data = json.loads(client.get(f"/admin/rounds/{rnd.id}/rubrics/written.json").get_data(as_text=True))
    data["criteria"][0]["label"]["en"] = "Need (edited)"
    response = auth.post(f"/admin/rounds/{rnd.id}/rubrics",
                         {"stage": "written", "written-definition": json.dumps(data, ensure_ascii=False)})
    assert response.status_code == 302
    (only,) = _versions(app, rnd.id)
    assert only[1] == 1  # unused: edited in place

    # a reviewer submits against version 1: it freezes
    auth.logout()
    auth.login(reviewer.email)
    assert auth.post(f"/reviewer/proposals/{proposal.id}/review", sheet()).status_code == 302
    auth.logout()
    auth.login("boss@example.org")
    assert "Frozen" in client.get(f"/admin/rounds/{rnd.id}/rubrics", headers=EN).get_data(as_text=True)
    data["criteria"][0]["label"]["en"] = "Need (second edit)"
    response = auth.post(f"/admin/rounds/{rnd.id}/rubrics",
                         {"stage": "written", "written-definition": json.dumps(data, ensure_ascii=False)})
    assert response.status_code == 302
    versions = _versions(app, rnd.id)
    assert [v for _, v in versions] == [1, 2]
    with app.app_context():
        from grants.models import Review

        review = db.session.scalar(select(Review))
        assert review.rubric_version_id == versions[0][0]  # the old review keeps its version
        assert db.session.get(RubricVersion, versions[0][0]).definition["criteria"][0]["label"]["en"] == "Need (edited)"
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "create_rubric_version"))
    # a new review uses version 2
    other = make.user(Role.reviewer, email="rev2@example.org")
    from tests.review.test_review_support import assign

    assign(app, proposal.id, other.id, rnd.id)
    auth.logout()
    auth.login("rev2@example.org")
    html = client.get(f"/reviewer/proposals/{proposal.id}/review", headers=EN).get_data(as_text=True)
    assert "Need (second edit)" in html
    assert auth.post(f"/reviewer/proposals/{proposal.id}/review", sheet()).status_code == 302
    with app.app_context():
        from grants.models import Review

        review = db.session.scalar(select(Review).where(Review.reviewer_id == other.id))
        assert review.rubric_version_id == versions[1][0]


def _rubric_errors(html: str, field_id: str) -> list[str]:
    import re

    start = html.index(f'id="{field_id}"')
    end = html.index("</div>", start)
    return re.findall(r'<p class="error" role="alert">([^<]*)</p>', html[start:end])


def test_rubric_problems_are_listed_by_key_path_in_the_admins_language(app, client, auth, make):
    rnd = make.round()
    _admin(make, auth)
    client.get(f"/admin/rounds/{rnd.id}/rubrics")
    text = client.get(f"/admin/rounds/{rnd.id}/rubrics/written.json").get_data(as_text=True)
    before = _versions(app, rnd.id)
    bad = json.loads(text)
    bad["criteria"][1]["max_points"] = "lots"
    bad["criteria"][0]["label"].pop("en")
    bad["criteria"][2]["max_pionts"] = 5
    zh_hant = {"Accept-Language": "zh-TW"}
    response = auth.post(f"/admin/rounds/{rnd.id}/rubrics",
                         {"stage": "written", "written-definition": json.dumps(bad, ensure_ascii=False)}, headers=zh_hant)
    assert response.status_code == 400
    assert _rubric_errors(response.get_data(as_text=True), "written-definition") == [
        "criteria[0].label.en：為必填項。",
        "criteria[1].max_points：必須是數字，不能是「lots」。",
        "criteria[2].max_pionts：未知的鍵名（請檢查拼寫）。",
    ]
    # semantic problems once the types are right, in Simplified Chinese
    bad = json.loads(text)
    bad["criteria"][0]["bands"][3]["max"] = "10"  # 差 0–9 becomes 0–10: overlaps 中 10–13
    bad["bonus_cap"] = "0"
    response = auth.post(f"/admin/rounds/{rnd.id}/rubrics",
                         {"stage": "written", "written-definition": json.dumps(bad, ensure_ascii=False)},
                         headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 400
    errors = _rubric_errors(response.get_data(as_text=True), "written-definition")
    assert "bonus_cap：为 0，加分项将永远不会计入总分。" in errors
    assert "criteria[0].bands[2]：与 bands[3] 重叠（0–10 与 10–13）。" in errors
    # the file itself refused: too large, not UTF-8; an empty box
    for upload, message in [
        (b"{" + b" " * 200_001 + b"}", "文件過大，評分標準文件不能超過 200 KB。"),
        ("{}".encode("utf-16"), None),
    ]:
        response = auth.post(f"/admin/rounds/{rnd.id}/rubrics", {
            "stage": "written", "written-upload": (io.BytesIO(upload), "rubric.json"),
        }, headers=zh_hant, content_type="multipart/form-data")
        assert response.status_code == 400
        errors = _rubric_errors(response.get_data(as_text=True), "written-upload")
        assert errors == [message or errors[0]] and errors[0]
    response = auth.post(f"/admin/rounds/{rnd.id}/rubrics", {"stage": "written", "written-definition": "  "},
                         headers=EN)
    assert _rubric_errors(response.get_data(as_text=True), "written-definition") == [
        "Paste the rubric JSON or choose a file."]
    assert _versions(app, rnd.id) == before  # nothing saved
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "update_rubric")) is None
