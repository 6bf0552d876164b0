"""IDOR: other users' object ids and nonexistent ids on every object route.

Each route with an object id is tried by the signed-in user of its audience with (a) ids of
objects belonging to someone else (org B's proposals and files seen by org A; a proposal and a
review the reviewer is not assigned to) and (b) an id that does not exist, by GET and by POST
with forged fields. Nothing may change (a snapshot of the business tables before == after) and
nothing may leak (org B's name, USCC and project name absent from every response).
"""

from __future__ import annotations

from flask import url_for

from tests.conftest import csrf_token
from tests.security.world import OTHER_ORG, build, login, report, snapshot

MISSING = 987654
FORGED = {"name": "IDOR-HACKED", "status": "withdrawn", "organization_id": "1", "version": "1", "action": "submit",
          "answer": "no_conflict", "reason": "x", "outcome": "pass", "amount": "1", "reviewer_id": "1",
          "proposal_id": str(MISSING)}

# who attacks each audience's routes; foreign ids per URL argument (World.ids keys)
ATTACKER = {"applicant": "appA", "attachments": "appA", "reviewer": "rev", "admin": "admin", "public": "anonymous"}
FOREIGN = {
    "appA": {"proposal_id": ["other_id", "other_submitted_id"], "attachment_id": ["other_attachment_id"],
             "agreement_id": ["other_agreement_id"], "file_id": ["other_file_id"],
             "payment_id": ["other_payment_id"], "report_id": ["other_report_id"],
             "report_file_id": ["other_report_file_id"]},
    "rev": {"proposal_id": ["other_submitted_id", "draft_id"], "attachment_id": ["other_attachment_id"],
            "review_id": ["other_review_id"]},
}
# admin routes that refuse an unknown id with a flashed error and a redirect back (nothing changes)
REDIRECT_REFUSALS = {"admin.roadshow_unshortlist"}
SECRETS = [OTHER_ORG["org_name"], OTHER_ORG["uscc"], OTHER_ORG["project"]]


def _object_rules(app):
    for rule in app.url_map.iter_rules():
        args = set(rule.arguments) - {"stage", "token"}
        if rule.endpoint != "static" and args:
            yield rule


def test_idor(app, make):
    world = build(make, app)
    clients = {role: login(app, role) for role in set(ATTACKER.values())}
    tokens = {role: csrf_token(client, "/") for role, client in clients.items()}
    before = snapshot(app)
    sent = refused = leaks = 0
    problems = []
    for rule in _object_rules(app):
        role = ATTACKER[rule.endpoint.split(".")[0]]
        client = clients[role]
        base = world.url_values(rule)
        variants = []
        for arg in rule.arguments:
            if arg in ("stage", "token"):
                continue
            variants.append({arg: MISSING})
            for key in FOREIGN.get(role, {}).get(arg, []):
                variants.append({arg: world.ids[key]})
        for variant in variants:
            with app.test_request_context():
                url = url_for(rule.endpoint, **(base | variant))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.open(url, method=method, data=FORGED | {"csrf_token": tokens[role]})
                sent += 1
                body = response.get_data(as_text=True) if response.mimetype.startswith(("text/", "application/json")) \
                    else response.get_data().decode("latin-1")
                leaked = [s for s in SECRETS if s in body]
                ok_status = response.status_code in (403, 404) or (
                    role == "anonymous" and response.status_code == 302 and "/login" in response.headers["Location"]) or (
                    rule.endpoint in REDIRECT_REFUSALS and response.status_code == 302)
                if ok_status:
                    refused += 1
                else:
                    problems.append(f"{role} {method} {url} -> {response.status_code}")
                if leaked:
                    leaks += 1
                    problems.append(f"{role} {method} {url} leaks {leaked}")
    after = snapshot(app)
    changed = sorted(t for t in before if before[t] != after[t])
    report("IDOR", f"{sent} requests with foreign or missing ids, {refused} refused, {leaks} leaks, "
                   f"{len(changed)} tables changed")
    assert not problems, "\n".join(problems)
    assert not changed, f"tables changed by refused requests: {changed}"
