"""Builders for the intake tests: a signed-in NGO, a complete proposal filled through the web form."""

from __future__ import annotations

import re

from grants.extensions import db
from grants.models import Proposal, Role
from grants.platform import uploads

EN = {"Accept-Language": "en"}
PDF = uploads.tiny_pdf()


def form_data(category_id: int, **overrides) -> dict:
    data = {
        "name": "守護花蕾：留守兒童安全教育計劃",
        "category_id": str(category_id),
        "districts": ["huicheng", "boluo"],
        "target_groups": ["children", "left_behind_children"],
        "beneficiaries": "600",
        "start_date": "2027-03-01",
        "end_date": "2027-11-30",
        "need": "博羅縣山區留守兒童約三千人，安全教育缺乏。",
        "objectives": "為 600 人次兒童提供安全教育。",
        "risks": "暑期颱風：活動改為室內。",
        "activities-0-month": "2027-03", "activities-0-activity": "需求調研", "activities-0-output": "調研報告一份",
        "outcomes-0-indicator": "安全知識知曉率", "outcomes-0-target": "90%", "outcomes-0-measure": "前後測問卷",
        "team-0-name": "陳美玲", "team-0-role": "項目主管", "team-0-qualification": "中級社工師", "team-0-hours": "400",
        "budget_lines-0-category": "personnel", "budget_lines-0-item": "社工補貼", "budget_lines-0-unit_price": "5000",
        "budget_lines-0-quantity": "10",
        "budget_lines-1-category": "activities", "budget_lines-1-item": "安全講座", "budget_lines-1-unit_price": "1500.50",
        "budget_lines-1-quantity": "20",
        "budget_lines-2-category": "administration", "budget_lines-2-item": "行政管理", "budget_lines-2-unit_price": "5000",
        "budget_lines-2-quantity": "1",
        "requested": "80000", "matching_funds": "5010",  # total 50000 + 30010 + 5000 = 85010
    }
    data.update(overrides)
    return data


def login_ngo(make, auth, email="ngo@example.org"):
    user = make.user(Role.applicant, email=email)
    assert auth.login(email).status_code == 302
    return user


def new_draft(client, auth, rnd) -> int:
    response = auth.post(f"/applicant/rounds/{rnd.id}/proposals/new")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/proposals/(\d+)/edit", response.headers["Location"]).group(1))


def version_of(app, proposal_id: int) -> str:
    with app.app_context():
        return str(db.session.get(Proposal, proposal_id).version)


def save(app, auth, proposal_id: int, data: dict, action: str = "save", **kwargs):
    data = {**data, "version": version_of(app, proposal_id), "action": action}
    return auth.post(f"/applicant/proposals/{proposal_id}/edit", data, headers=EN, **kwargs)


def upload(auth, proposal_id: int, kind: str, filename: str, content: bytes):
    import io

    return auth.post(f"/applicant/proposals/{proposal_id}/attachments",
                     {"kind": kind, "file": (io.BytesIO(content), filename)},
                     content_type="multipart/form-data", headers=EN)


def category_id(app, rnd, index: int = 0) -> int:
    from sqlalchemy import select

    from grants.models import Category

    with app.app_context():
        return db.session.scalars(select(Category.id).where(Category.round_id == rnd.id).order_by(Category.position)).all()[index]


def complete_proposal(app, client, auth, rnd, **overrides) -> int:
    """A draft filled through the form with both required documents attached (not submitted)."""
    pid = new_draft(client, auth, rnd)
    assert save(app, auth, pid, form_data(category_id(app, rnd), **overrides)).status_code == 302
    assert upload(auth, pid, "registration_certificate", "登記證書.pdf", PDF).status_code == 302
    assert upload(auth, pid, "annual_report", "年檢報告.pdf", PDF).status_code == 302
    return pid


def load(app, proposal_id: int) -> Proposal:
    with app.app_context():
        p = db.session.get(Proposal, proposal_id)
        for rel in ("budget_lines", "events", "attachments", "activities", "team", "outcomes", "screening"):
            getattr(p, rel)
        db.session.expunge(p)
        return p


def upload_raw(client, auth, proposal_id: int, kind: str, filename: str, content: bytes):
    """The multipart body built here, in memory (werkzeug's test client spools big bodies to a temp
    file it never closes, which a ResourceWarning turns into a test error)."""
    from tests.conftest import csrf_token

    boundary = "----intake-test-boundary"
    parts = []
    for name, value in (("csrf_token", csrf_token(client)), ("kind", kind)):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    body = b"".join(parts)
    return client.post(f"/applicant/proposals/{proposal_id}/attachments", data=body, headers=EN,
                       content_type=f"multipart/form-data; boundary={boundary}")
