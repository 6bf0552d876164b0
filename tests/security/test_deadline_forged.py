"""Deadlines are checked on the server: one second after the deadline, with forged hidden
fields (version, status, number, submitted_at, organization_id in the body), no edit, submit,
withdraw, reopen or attachment change is accepted, and no review is saved after review_closes_at.
"""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import update

from grants.extensions import db
from grants.models import Attachment, AttachmentKind, Proposal, ProposalStatus, Round, utcnow
from grants.platform import uploads
from tests.conftest import csrf_token
from tests.intake.helpers import form_data
from tests.review.test_review_support import sheet
from tests.security.world import build, login, report, snapshot

TABLES = ("proposal", "proposal_team_member", "proposal_budget_line", "proposal_activity", "proposal_outcome",
          "attachment", "proposal_event", "review")


def _forged(app, proposal_id: int, other_org_id: int) -> dict:
    with app.app_context():
        p = db.session.get(Proposal, proposal_id)
        version, category = p.version, p.category_id
    return form_data(category, name="截止後偷改", version=str(version), status="submitted", number="HZ-FORGED-1",
                     submitted_at="2000-01-01T00:00:00", organization_id=str(other_org_id))


def test_nothing_changes_one_second_after_the_call_deadline(app, make):
    world = build(make, app)
    draft_id = world.ids["draft_id"]
    with app.app_context():
        draft = db.session.get(Proposal, draft_id)
        org_a, rnd_id = draft.organization_id, draft.round_id
        stored, digest = uploads.store(app.config["UPLOAD_FOLDER"], uploads.tiny_pdf(), "pdf")
        att = Attachment(proposal_id=draft_id, kind=AttachmentKind.other, original_name="x.pdf", stored_name=stored,
                         content_type="application/pdf", size=1, sha256=digest)
        db.session.add(att)
        db.session.commit()
        att_id = att.id
    submitted = make.proposal(rnd_id, organization_id=org_a, status=ProposalStatus.submitted)
    withdrawn = make.proposal(rnd_id, organization_id=org_a, status=ProposalStatus.withdrawn, number="HZ-W-1")
    client = login(app, "appA")
    token = csrf_token(client, "/")
    # control: the same form is accepted before the deadline (so the refusals below are the deadline's doing)
    control = _forged(app, draft_id, world.users["appB"]) | {"action": "save", "csrf_token": token, "name": "截止前"}
    assert client.post(f"/applicant/proposals/{draft_id}/edit", data=control).status_code == 302
    with app.app_context():
        saved = db.session.get(Proposal, draft_id)
        assert saved.name == "截止前" and saved.organization_id == org_a and saved.number is None
    with app.app_context():  # the frozen clock: the call closed one second ago
        db.session.execute(update(Round).where(Round.id == rnd_id).values(call_closes_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    before = snapshot(app, TABLES)
    other_org = world.users["appB"]
    attempts = []
    for action in ("save", "submit", "add_rows:team"):
        data = _forged(app, draft_id, other_org) | {"action": action, "csrf_token": token}
        attempts.append(("edit " + action, client.post(f"/applicant/proposals/{draft_id}/edit", data=data)))
    attempts.append(("withdraw", client.post(f"/applicant/proposals/{submitted.id}/withdraw",
                                             data={"csrf_token": token, "status": "draft"})))
    attempts.append(("reopen", client.post(f"/applicant/proposals/{withdrawn.id}/reopen", data={"csrf_token": token})))
    attempts.append(("upload", client.post(f"/applicant/proposals/{draft_id}/attachments",
                                           content_type="multipart/form-data",
                                           data={"csrf_token": token, "kind": "other", "proposal_id": str(draft_id),
                                                 "file": (io.BytesIO(uploads.tiny_pdf()), "late.pdf")})))
    attempts.append(("delete attachment", client.post(f"/applicant/attachments/{att_id}/delete",
                                                      data={"csrf_token": token})))
    after = snapshot(app, TABLES)
    changed = [t for t in TABLES if before[t] != after[t]]
    codes = {name: r.status_code for name, r in attempts}
    report("deadline (call)", f"{len(attempts)} forged late writes, {len(changed)} tables changed, codes {codes}")
    assert all(r.status_code < 500 for _n, r in attempts), codes
    assert not changed, changed


def test_no_review_saved_after_the_review_deadline(app, make):
    world = build(make, app)
    client = login(app, "rev")
    token = csrf_token(client, "/")
    with app.app_context():
        db.session.execute(update(Round).where(Round.id == world.round_id)
                           .values(review_closes_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    before = snapshot(app, ("review", "conflict_declaration", "assignment"))
    p = world.ids["proposal_id"]
    codes = []
    for action in ("draft", "submit", "submit_next"):
        for version in ("1", "2", "0"):
            data = sheet(version=int(version), action=action) | {"csrf_token": token, "status": "submitted",
                                                                 "reviewer_id": str(world.users["revU"])}
            codes.append(client.post(f"/reviewer/proposals/{p}/review", data=data).status_code)
    after = snapshot(app, ("review", "conflict_declaration", "assignment"))
    report("deadline (review)", f"{len(codes)} late review saves, refused with {sorted(set(codes))}, "
                                f"{'no' if before == after else 'SOME'} rows changed")
    assert set(codes) == {403}
    assert before == after
