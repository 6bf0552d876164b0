"""異議: filing during the 公示 period (with checked evidence), refusals outside it, deciding, withdrawing."""

from __future__ import annotations

import io
import os
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEntry, Award, Objection, ObjectionStatus
from grants.platform import uploads
from tests.conftest import csrf_token
from tests.publication.test_publication_support import SPECS, add_awards, admin_login, direct_publication

EN = {"Accept-Language": "en"}


def _form(client, round_id, proposal_id, **extra):
    data = {"csrf_token": csrf_token(client, f"/results/{round_id}/objection"), "name": "李市民",
            "contact": "13812345678", "proposal": str(proposal_id),
            "reasons": "該項目的申報材料與實際情況不符，請覆核評分。"}
    data.update(extra)
    return data


def _objections(app):
    with app.app_context():
        return db.session.scalars(select(Objection).order_by(Objection.id)).all()


def test_objection_with_real_pdf_evidence_is_filed(app, client, auth, make):
    rnd = make.round()
    ids = add_awards(make, app, rnd)
    direct_publication(app, rnd.id)
    page = client.get(f"/results/{rnd.id}/objection", headers=EN).get_data(as_text=True)
    assert SPECS[1][0] in page and "File an objection" in page
    evidence = uploads.tiny_pdf()
    data = _form(client, rnd.id, ids[1], evidence=(io.BytesIO(evidence), "證據.pdf"))
    response = client.post(f"/results/{rnd.id}/objection", data=data, content_type="multipart/form-data",
                           headers=EN)
    assert response.status_code == 302
    [objection] = _objections(app)
    assert objection.proposal_id == ids[1] and objection.status == ObjectionStatus.open
    assert objection.evidence_name == "證據.pdf" and objection.evidence_type == "application/pdf"
    with app.app_context():
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "file_objection")).one()
    # the admin sees it and can download the evidence, byte for byte
    admin_login(make, auth)
    listing = client.get(f"/admin/rounds/{rnd.id}/objections", headers=EN).get_data(as_text=True)
    assert "李市民" in listing
    download = client.get(f"/admin/objections/{objection.id}/evidence")
    assert download.status_code == 200 and download.data == evidence


def test_html_named_pdf_is_refused_and_nothing_is_stored(app, client, make):
    rnd = make.round()
    ids = add_awards(make, app, rnd)
    direct_publication(app, rnd.id)
    fake = b"<html><script>alert(1)</script></html>"
    data = _form(client, rnd.id, ids[0], evidence=(io.BytesIO(fake), "evidence.pdf"))
    response = client.post(f"/results/{rnd.id}/objection", data=data, content_type="multipart/form-data",
                           headers=EN)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Only PDF, JPEG and PNG files are accepted." in body
    assert "該項目的申報材料與實際情況不符" in body  # what the person typed is kept
    assert _objections(app) == []


def test_unknown_project_is_refused(app, client, make):
    rnd = make.round()
    add_awards(make, app, rnd)
    other = make.proposal(rnd.id, name="未公示的項目")
    direct_publication(app, rnd.id)
    response = client.post(f"/results/{rnd.id}/objection", data=_form(client, rnd.id, other.id), headers=EN)
    assert response.status_code == 200 and _objections(app) == []


def test_objection_outside_the_period_is_refused(app, client, make):
    rnd = make.round()
    ids = add_awards(make, app, rnd)
    closed = "Objections are accepted only during the notice period"
    # nothing published yet
    page = client.get(f"/results/{rnd.id}/objection", headers=EN)
    assert page.status_code == 200 and closed in page.get_data(as_text=True)
    # the period is over
    direct_publication(app, rnd.id, start=date.today() - timedelta(days=10), end=date.today() - timedelta(days=1),
                       published_days_ago=11)
    page = client.get(f"/results/{rnd.id}/objection", headers=EN)
    assert closed in page.get_data(as_text=True) and 'name="reasons"' not in page.get_data(as_text=True)
    data = _form(client, rnd.id, ids[0])
    response = client.post(f"/results/{rnd.id}/objection", data=data, headers=EN)
    assert response.status_code == 403 and closed in response.get_data(as_text=True)
    assert _objections(app) == []
    assert "File an objection" not in client.get(f"/results/{rnd.id}", headers=EN).get_data(as_text=True)


def test_objections_are_rate_limited_per_address(app, client, make):
    rnd = make.round()
    add_awards(make, app, rnd)
    direct_publication(app, rnd.id)
    codes = [client.post(f"/results/{rnd.id}/objection", data=_form(client, rnd.id, 0, reasons="太短")).status_code
             for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429


def test_uphold_withdraws_the_award_and_dismiss_needs_reasons(app, client, auth, make):
    rnd = make.round()
    ids = add_awards(make, app, rnd)
    pub_id = direct_publication(app, rnd.id)
    with app.app_context():
        objection = Objection(publication_id=pub_id, proposal_id=ids[0], name="市民", contact="x@example.org",
                              reasons="申報材料造假。")
        db.session.add(objection)
        db.session.commit()
        objection_id = objection.id
    admin_login(make, auth)
    url = f"/admin/objections/{objection_id}"
    assert "申報材料造假。" in client.get(url, headers=EN).get_data(as_text=True)
    response = auth.post(url, {"status": "dismissed", "investigation": "", "decision": ""}, headers=EN)
    assert response.status_code == 200 and "Give the decision and its reasons." in response.get_data(as_text=True)
    response = auth.post(url, {"status": "investigating", "investigation": "已約談申報機構。", "decision": ""})
    assert response.status_code == 302
    response = auth.post(url, {"status": "upheld", "investigation": "已約談申報機構。", "decision": "查實材料造假。",
                               "withdraw_award": "y", "withdraw_reason": "材料造假，撤銷資助。"})
    assert response.status_code == 302
    with app.app_context():
        objection = db.session.get(Objection, objection_id)
        assert objection.status == ObjectionStatus.upheld and objection.decided_at is not None
        award = db.session.scalars(select(Award).where(Award.proposal_id == ids[0])).one()
        assert award.withdrawn and award.withdrawn_reason == "材料造假，撤銷資助。"
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert "withdraw_award" in actions and actions.count("decide_objection") == 2
    page = client.get(f"/admin/rounds/{rnd.id}/publication", headers=EN).get_data(as_text=True)
    assert "Withdrawn awards" in page and "材料造假，撤銷資助。" in page


def test_the_same_objection_sent_twice_is_stored_once(app, client, make):
    rnd = make.round()
    ids = add_awards(make, app, rnd)
    direct_publication(app, rnd.id)
    evidence = uploads.tiny_pdf()

    def send(**extra):
        data = _form(client, rnd.id, ids[0], evidence=(io.BytesIO(evidence), "證據.pdf"), **extra)
        return client.post(f"/results/{rnd.id}/objection", data=data, content_type="multipart/form-data",
                           headers=EN, follow_redirects=True)

    assert "Your objection has been received." in send().get_data(as_text=True)
    again = send()  # a double click: the person lands on the results page, told it is in already
    assert again.status_code == 200
    assert "This objection had already been received; it was not stored a second time." in again.get_data(as_text=True)
    [objection] = _objections(app)
    assert len(os.listdir(os.path.join(app.config["UPLOAD_FOLDER"], "objections"))) == 1
    # a different objection (other reasons) from the same person is a new one
    send(reasons="另一項理由：預算明細與活動內容不一致。")
    assert len(_objections(app)) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "file_objection")) == 2


def test_the_same_objection_at_the_same_instant_is_refused_by_the_index(app, make, monkeypatch):
    """Both requests passed the look-up before either committed: the unique index keeps one row,
    the loser is refused and its evidence file removed."""
    from grants.models import Publication
    from grants.publication import objections as objection_ops
    from grants.rules.refusal import Refusal

    rnd = make.round()
    ids = add_awards(make, app, rnd)
    pub_id = direct_publication(app, rnd.id)
    fields = {"proposal_id": ids[0], "name": "李市民", "contact": "13812345678", "reasons": "評分不公，請覆核。",
              "evidence": ("證據.pdf", uploads.tiny_pdf())}
    with app.test_request_context():
        objection_ops.file_objection(db.session.get(Publication, pub_id), **fields)
        db.session.commit()
    monkeypatch.setattr(objection_ops, "already_filed", lambda key: False)  # the look-up raced
    with app.test_request_context():
        with pytest.raises(Refusal) as exc:
            objection_ops.file_objection(db.session.get(Publication, pub_id), **fields)
        assert exc.value.code == "objection_duplicate"
        db.session.commit()
    assert len(_objections(app)) == 1
    assert len(os.listdir(os.path.join(app.config["UPLOAD_FOLDER"], "objections"))) == 1
