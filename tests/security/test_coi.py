"""Conflict of interest (回避): after a declaration the proposal, its files and the reviewer's
review are refused on the very next request; an assignment of a conflicted reviewer is refused
whichever way the admin tries (manual, bulk by category, CSV import, automatic)."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Assignment, Proposal
from tests.conftest import csrf_token
from tests.security.world import EMAILS, build, login, report


def _routes(world) -> list[tuple[str, str]]:
    p = world.ids["proposal_id"]
    return [("GET", f"/reviewer/proposals/{p}"), ("GET", f"/reviewer/proposals/{p}/review"),
            ("POST", f"/reviewer/proposals/{p}/review"), ("GET", f"/reviewer/proposals/{p}/score-sheet.pdf"),
            ("GET", f"/attachments/{world.ids['attachment_id']}")]


def test_declared_conflict_ends_access_on_the_next_request(app, make):
    world = build(make, app)
    client = login(app, "rev")
    token = csrf_token(client, "/")
    p = world.ids["proposal_id"]
    before = [client.open(url, method=m, data={"csrf_token": token, "version": "1", "action": "draft"}).status_code
              for m, url in _routes(world)]
    assert all(code < 500 and code not in (403, 404) for code in before), before
    response = client.post(f"/reviewer/proposals/{p}/declaration",
                           data={"csrf_token": token, "answer": "conflict", "relation": "employment", "note": "前僱主"})
    assert response.status_code == 302
    after = [client.open(url, method=m, data={"csrf_token": token, "version": "1", "action": "draft"}).status_code
             for m, url in _routes(world)]
    dashboard = client.get("/reviewer/").get_data(as_text=True)
    report("COI after declaration", f"{len(after)} routes refused on the next request: {after}")
    assert after == [404] * len(after)
    assert f"/reviewer/proposals/{p}\"" not in dashboard


def _count(app, proposal_id, reviewer_id) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.proposal_id == proposal_id, Assignment.reviewer_id == reviewer_id))
        db.session.remove()
        return n


def test_conflicted_reviewer_cannot_be_assigned(app, make):
    world = build(make, app)
    admin = login(app, "admin")
    token = csrf_token(admin, "/")
    rid, p = world.round_id, world.ids["proposal_id"]
    conflicted = world.users["revC"]
    with app.app_context():
        proposal = db.session.get(Proposal, p)
        number, category_id = proposal.number, proposal.category_id
    outcomes = {}
    r = admin.post(f"/admin/rounds/{rid}/assignments/proposals/{p}/add", data={"csrf_token": token,
                                                                              "reviewer": conflicted})
    outcomes["manual"] = r.status_code
    assert r.status_code == 409 and _count(app, p, conflicted) == 0
    r = admin.post(f"/admin/rounds/{rid}/assignments/bulk", data={"csrf_token": token, "category": category_id,
                                                                  "reviewer": conflicted})
    outcomes["bulk"] = r.status_code
    assert r.status_code < 500 and _count(app, p, conflicted) == 0
    csv = f"proposal_number,reviewer_email\n{number},{EMAILS['revC']}\n".encode()
    r = admin.post(f"/admin/rounds/{rid}/assignments/import", content_type="multipart/form-data",
                   data={"csrf_token": token, "file": (io.BytesIO(csv), "assign.csv")})
    outcomes["csv"] = r.status_code
    assert r.status_code == 400 and _count(app, p, conflicted) == 0
    form = {"csrf_token": token, "category": "", "k": "3", "max_load": "", "incremental": "y"}
    r = admin.post(f"/admin/rounds/{rid}/assignments/auto/preview", data=form)
    assert r.status_code == 200, r.status_code
    fingerprint = re.search(r'<input[^>]*name="fingerprint"[^>]*value="([^"]+)"', r.get_data(as_text=True))
    assert fingerprint, "no fingerprint on the preview page"
    r = admin.post(f"/admin/rounds/{rid}/assignments/auto/apply",
                   data=form | {"fingerprint": fingerprint.group(1)})
    outcomes["auto"] = r.status_code
    assert r.status_code == 302 and _count(app, p, conflicted) == 0
    assert _count(app, p, world.users["revU"]) == 1  # the gap was filled, by the one reviewer without a conflict
    report("COI assignment refusals", f"4 ways tried (manual, bulk, CSV, auto), 0 assignments made: {outcomes}")
