"""THE access matrix: every route x method x role against one table of expected outcomes.

Roles (tests/security/world.py): anonymous, ``appA`` (the NGO owning the proposal), ``appB`` (another
NGO), ``rev`` (assigned, declared no conflict, on the roadshow panel), ``revU`` (unassigned; owns a
submitted review of org B's proposal), ``revC`` (declared a conflict), ``admin``.

``EXPECT`` has one entry per endpoint of ``app.url_map``, giving the outcome for EVERY role:
a route without an entry, or an entry without every role, fails ``test_every_route_has_an_entry``.
Outcomes:

- ``OK``: GET -> 200; POST -> reached the view (2xx, a redirect that is not to the login page, or
  400/409/413/429: the empty form was refused by validation, so access was granted);
- ``REDIRECT``: a redirect that is not to the login page (e.g. a signed-in user on /login);
- ``LOGIN``: a redirect to the login page;
- ``FORBIDDEN`` (403) and ``NOT_FOUND`` (404).

The world is ``build()`` plus :func:`furnish` (a real set-password token, frozen final PDF and
spreadsheet, a drawn roadshow order, the assigned judge's submitted roadshow review, a proposal
assigned to ``rev`` not declared yet), so every
route is walked with the objects it needs; none is skipped.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import url_for

from grants.extensions import db
from grants.models import (
    Assignment,
    Job,
    OneTimeToken,
    ProposalStatus,
    Publication,
    Review,
    ReviewStatus,
    RoadshowSlot,
    Role,
    Round,
    Stage,
    utcnow,
)
from grants.platform import pdf as pdf_mod
from grants.platform import uploads
from tests.conftest import csrf_token
from tests.security.world import ROLES, build, login, report

OK, REDIRECT, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "redirect", "login", "403", "404"


def row(default: str, **per_role: str) -> dict[str, str]:
    unknown = set(per_role) - set(ROLES)
    assert not unknown, unknown
    return {role: per_role.get(role, default) for role in ROLES}


EVERYONE = row(OK)
ADMIN = row(FORBIDDEN, anonymous=LOGIN, admin=OK)
SIGNED_IN = row(OK, anonymous=LOGIN)
NGOS = row(FORBIDDEN, anonymous=LOGIN, appA=OK, appB=OK)
OWNER = row(FORBIDDEN, anonymous=LOGIN, appA=OK, appB=NOT_FOUND)
REVIEWERS = row(FORBIDDEN, anonymous=LOGIN, rev=OK, revU=OK, revC=OK)
ASSIGNED = row(FORBIDDEN, anonymous=LOGIN, rev=OK, revU=NOT_FOUND, revC=NOT_FOUND)

# endpoint -> outcome per role, or (outcome per role, URL overrides naming World.ids keys)
EXPECT: dict[str, object] = {
    # public
    "public.home": EVERYONE,
    "public.results": EVERYONE,
    "public.objection_new": EVERYONE,
    "public.verify": EVERYONE,
    "public.set_language": EVERYONE,
    "public.results_pdf": EVERYONE,  # the frozen notice PDF: public by design
    "public.results_final_pdf": EVERYONE,  # frozen by furnish()
    "public.results_xlsx": EVERYONE,  # frozen by furnish()
    # accounts
    "auth.login": row(REDIRECT, anonymous=OK),
    "auth.register": row(REDIRECT, anonymous=OK),
    "auth.logout": EVERYONE,
    "auth.set_password": (EVERYONE, {"token": "set_password_token"}),  # a real, unused token
    "auth.change_password": SIGNED_IN,
    "auth.forgot_password": EVERYONE,  # the same answer for every address; rate limited
    "auth.reset_password": (EVERYONE, {"token": "reset_password_token"}),  # a real, unused reset token
    # applicants (org A owns the proposal; org B must not learn it exists)
    "applicant.dashboard": NGOS,
    "applicant.proposal_new": NGOS,
    "applicant.proposal_edit": (OWNER, {"proposal_id": "draft_id"}),
    "applicant.proposal_attachments": (OWNER, {"proposal_id": "draft_id"}),
    "applicant.proposal_view": OWNER,
    "applicant.proposal_submitted": OWNER,
    "applicant.proposal_pdf": OWNER,
    "applicant.proposal_withdraw": OWNER,
    "applicant.proposal_reopen": OWNER,
    # the confirmation step of a submitted proposal leads back to its page (nothing left to confirm)
    "applicant.proposal_submit": row(FORBIDDEN, anonymous=LOGIN, appA=REDIRECT, appB=NOT_FOUND),
    "applicant.proposal_delete": OWNER,  # refused for the submitted proposal: a redirect with the reason
    "applicant.attachment_delete": OWNER,
    "applicant.review_summary": OWNER,
    "attachments.download": row(NOT_FOUND, anonymous=LOGIN, appA=OK, rev=OK, admin=OK),
    # reviewers
    "reviewer.dashboard": REVIEWERS,
    "reviewer.declaration": (ASSIGNED, {"proposal_id": "undeclared_id"}),  # assigned, not declared yet
    "reviewer.proposal": ASSIGNED,
    "reviewer.review": ASSIGNED,
    # the score sheet of one's own SUBMITTED review (revU's review of org B's proposal)
    "reviewer.score_sheet": (row(FORBIDDEN, anonymous=LOGIN, rev=NOT_FOUND, revU=OK, revC=NOT_FOUND),
                             {"proposal_id": "other_submitted_id"}),
    # one's own submitted sheets of the round; a redirect to the dashboard when there are none
    "reviewer.score_sheets": row(FORBIDDEN, anonymous=LOGIN, rev=REDIRECT, revU=OK, revC=REDIRECT),
    "reviewer.roadshow_judge": row(FORBIDDEN, anonymous=LOGIN, rev=OK, revU=NOT_FOUND, revC=NOT_FOUND),
    "reviewer.roadshow_judge_now": row(FORBIDDEN, anonymous=LOGIN, rev=OK, revU=NOT_FOUND, revC=NOT_FOUND),
    "reviewer.roadshow_sheet": (row(FORBIDDEN, anonymous=LOGIN, rev=OK, revU=NOT_FOUND, revC=NOT_FOUND),
                                {"proposal_id": "award_proposal_id"}),
    # admin
    "admin.dashboard": ADMIN,
    "admin.overview": ADMIN,
    "admin.rounds": ADMIN,
    "admin.round_new": ADMIN,
    "admin.round_edit": ADMIN,
    "admin.round_detail": ADMIN,
    "admin.round_dashboard": ADMIN,
    "admin.organizations": ADMIN,
    "admin.reviewers": ADMIN,
    "admin.reviewer_new": ADMIN,
    "admin.work_calendar": ADMIN,
    "admin.screening_list": ADMIN,
    "admin.screening_detail": ADMIN,
    "admin.proposals_export": ADMIN,
    "admin.proposal_pdf": ADMIN,
    "admin.rubrics": ADMIN,
    "admin.rubric_json": ADMIN,
    "admin.review_progress": ADMIN,
    "admin.review_reminders": ADMIN,
    "admin.review_score_sheet": (ADMIN, {"review_id": "peer_review_id"}),  # a submitted review
    "admin.reviewer_score_sheets": (ADMIN, {"reviewer_id": "peer_id"}),  # a reviewer with a submitted review
    "admin.assignments": ADMIN,
    "admin.assignment_proposal": ADMIN,
    "admin.assignment_add": ADMIN,
    "admin.assignment_remove": ADMIN,
    "admin.assignment_bulk": ADMIN,
    "admin.assignment_export": ADMIN,
    "admin.assignment_import": ADMIN,
    "admin.assignment_preview": ADMIN,
    "admin.assignment_apply": ADMIN,
    "admin.ranking": ADMIN,
    "admin.ranking_basis": ADMIN,
    "admin.score_matrix_export": ADMIN,
    "admin.roadshow": ADMIN,
    "admin.roadshow_host": ADMIN,
    "admin.roadshow_status": ADMIN,
    "admin.roadshow_order_pdf": ADMIN,  # the order is drawn by furnish()
    "admin.roadshow_shortlist": ADMIN,
    "admin.roadshow_unshortlist": (ADMIN, {"proposal_id": "award_proposal_id"}),
    "admin.roadshow_draw": ADMIN,
    "admin.roadshow_panel": ADMIN,
    "admin.roadshow_next": ADMIN,
    "admin.allocation": ADMIN,
    "admin.allocation_choose": ADMIN,
    "admin.allocation_adjust": ADMIN,
    "admin.publication": ADMIN,
    "admin.publication_status": ADMIN,
    "admin.publication_publish": ADMIN,
    "admin.publication_retry": ADMIN,
    "admin.background": ADMIN,
    "admin.background_retry": ADMIN,
    "admin.background_download": ADMIN,
    "admin.export_proposals": ADMIN,
    "admin.export_score_matrix": ADMIN,
    "admin.export_score_sheets": ADMIN,
    "admin.publication_finalise": ADMIN,
    "admin.objections": ADMIN,
    "admin.objection_detail": ADMIN,
    "admin.objection_evidence": ADMIN,
    # agreements (資助協議): only the owning NGO and admins; reviewers never
    "applicant.agreements": NGOS,
    "applicant.agreement": OWNER,
    "applicant.agreement_pdf": OWNER,
    "applicant.agreement_file": OWNER,
    "applicant.agreement_bank": OWNER,
    "applicant.agreement_upload": OWNER,
    "applicant.payment_confirm": OWNER,
    "applicant.budget_change_new": OWNER,
    "admin.agreements": ADMIN,
    "admin.agreements_issue": ADMIN,
    "admin.agreement_template": ADMIN,
    "admin.agreements_ledger_export": ADMIN,
    "admin.agreement": ADMIN,
    "admin.agreement_pdf": ADMIN,
    "admin.agreement_file": ADMIN,
    "admin.agreement_countersign": ADMIN,
    "admin.agreement_withdraw": ADMIN,
    "admin.agreement_payment": ADMIN,
    "admin.agreement_stop": ADMIN,
    "admin.agreement_refund": ADMIN,
    "admin.budget_change_decide": ADMIN,
    # evaluations (中期 / 結項評估): deliberately NOT blind; panel members only, a declared conflict shuts out
    "public.evaluation_results": EVERYONE,
    "public.evaluation_results_pdf": (EVERYONE, {"publication_id": "evaluation_publication_id"}),
    "public.evaluation_objection": EVERYONE,  # the notice is open for objections
    "applicant.my_evaluations": NGOS,
    "applicant.my_certificate": (row(FORBIDDEN, anonymous=LOGIN, appA=OK), {"evaluation_id": "final_evaluation_id"}),
    "reviewer.evaluation_list": REVIEWERS,
    "reviewer.evaluation_declaration": row(FORBIDDEN, anonymous=LOGIN, rev=OK),
    "reviewer.evaluation_report": row(FORBIDDEN, anonymous=LOGIN, rev=OK),
    "reviewer.evaluation_sheet": row(FORBIDDEN, anonymous=LOGIN, rev=OK),
    "admin.evaluations": ADMIN,
    "admin.evaluation_assign": ADMIN,
    "admin.evaluation_detail": ADMIN,
    "admin.evaluation_unassign": ADMIN,
    "admin.evaluation_decide": ADMIN,
    "admin.evaluation_reopen": ADMIN,  # refused (nothing upheld): a redirect with the reason
    "admin.evaluation_rubric": ADMIN,
    "admin.evaluation_publish": ADMIN,
    "admin.evaluation_retry": ADMIN,
    "admin.evaluation_finalise": ADMIN,
    "admin.evaluation_certificate": (ADMIN, {"evaluation_id": "final_evaluation_id"}),
    # reports (中期報告, 結項報告): only the owning NGO and admins; reviewers never (evaluators read them
    # through the evaluation pages)
    "applicant.reports": OWNER,
    "applicant.report_open": OWNER,
    "applicant.report": OWNER,
    # the world's draft is incomplete: the confirmation step sends the owner back to the form
    "applicant.report_submit": row(FORBIDDEN, anonymous=LOGIN, appA=REDIRECT, appB=NOT_FOUND),
    "applicant.report_upload": OWNER,
    "applicant.report_file": OWNER,
    "applicant.report_file_delete": OWNER,
    "admin.reports": ADMIN,
    "admin.agreement_reports": ADMIN,
    "admin.report_dues": ADMIN,
    "admin.report_extension": ADMIN,
    "admin.report_reopen": ADMIN,
    "admin.report": ADMIN,
    "admin.report_return": ADMIN,
    "admin.report_accept": ADMIN,
    "admin.report_file": ADMIN,
    # organizations across editions: bars (取消資格) and each NGO's history; an NGO sees only its own
    "admin.organization_sanctions": ADMIN,
    "admin.sanction_lift": ADMIN,
    "admin.organization_history": ADMIN,
    "applicant.history": NGOS,
}
# URL values that exist only once furnish() ran (the other security walks use the plain world).
FURNISHED_IDS = {"set_password_token", "reset_password_token", "undeclared_id"}

# Minimal form data where the route needs a selector to find its object (values: World.ids keys or literals).
MINIMAL = {
    "admin.allocation_adjust": {"proposal_id": "award_proposal_id"},
    "admin.rubrics": {"stage": "=written"},
}


def minimal_data(world, endpoint: str, token: str) -> dict:
    data = {"csrf_token": token}
    for key, value in MINIMAL.get(endpoint, {}).items():
        data[key] = value[1:] if value.startswith("=") else str(world.ids[value])
    return data


# POSTs that change the world for later cells run last, in this order.
LAST = ["applicant.attachment_delete", "applicant.proposal_withdraw", "admin.assignment_remove", "auth.logout"]


def entry(endpoint: str) -> tuple[dict | None, dict]:
    value = EXPECT.get(endpoint)
    if isinstance(value, tuple):
        return value
    return value, {}


def expectation(endpoint: str):
    """(roles granted access, URL overrides naming keys of the plain World.ids) -- for the other
    security walks (fuzzing, XSS, download headers), which use ``build()`` without :func:`furnish`."""
    outcomes, overrides = entry(endpoint)
    if outcomes is None:
        return None, {}
    allowed = frozenset(role for role, outcome in outcomes.items() if outcome in (OK, REDIRECT))
    return allowed, {k: v for k, v in overrides.items() if v not in FURNISHED_IDS}


def cells(app):
    """(endpoint, method, rule) for every route and method, GETs first, world-changing POSTs last."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, rule))
    return sorted(out, key=lambda c: (c[1] != "GET", LAST.index(c[0]) if c[0] in LAST else -1, c[0]))


@pytest.mark.no_database
def test_every_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = sorted(endpoints - set(EXPECT))
    assert not missing, f"routes without an entry in the access matrix (tests/security/test_access_matrix.py): {missing}"
    stale = sorted(set(EXPECT) - endpoints)
    assert not stale, f"entries for routes that do not exist: {stale}"
    for endpoint in EXPECT:
        outcomes, _overrides = entry(endpoint)
        assert set(outcomes) == set(ROLES), endpoint
        assert set(outcomes.values()) <= {OK, REDIRECT, LOGIN, FORBIDDEN, NOT_FOUND}, endpoint


def furnish(world, make, app) -> None:
    """The objects the plain world lacks, so that no route has to be skipped."""
    from tests.ranking.test_ranking_builders import rubric_version

    award_id = world.ids["award_proposal_id"]
    roadshow_rubric = rubric_version(app, world.round_id, "roadshow")
    token = secrets.token_urlsafe(32)
    reset = secrets.token_urlsafe(32)
    invited = make.user(Role.reviewer, email="invited@expert.example", name="受邀專家")
    undeclared = make.proposal(world.round_id, status=ProposalStatus.eligible, name="待申報項目")
    with app.app_context():
        db.session.add(Assignment(round_id=world.round_id, proposal_id=undeclared.id, reviewer_id=world.users["rev"]))
        db.session.add(OneTimeToken(user_id=invited.id, purpose="set_password",
                                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                    expires_at=utcnow() + timedelta(days=7)))
        db.session.add(OneTimeToken(user_id=invited.id, purpose="reset_password",
                                    token_hash=hashlib.sha256(reset.encode()).hexdigest(),
                                    expires_at=utcnow() + timedelta(hours=1)))
        folder = Path(app.config["PDF_FOLDER"])
        pub = db.session.get(Publication, world.ids["publication_id"])
        final, sheet = uploads.tiny_pdf(), b"PK\x03\x04 frozen list"
        (folder / f"final-{pub.id}.pdf").write_bytes(final)
        (folder / f"list-{pub.id}.xlsx").write_bytes(sheet)
        pub.final_pdf_path, pub.final_pdf_sha256 = f"final-{pub.id}.pdf", pdf_mod.sha256_hex(final)
        pub.xlsx_path = f"list-{pub.id}.xlsx"
        rnd = db.session.get(Round, world.round_id)
        rnd.roadshow_seed = "0123456789abcdef"
        db.session.add(RoadshowSlot(round_id=rnd.id, proposal_id=award_id, position=1))
        db.session.add(Review(proposal_id=award_id, reviewer_id=world.users["rev"], stage=Stage.roadshow,
                              rubric_version_id=roadshow_rubric, status=ReviewStatus.submitted,
                              scores={"presentation": "25", "feasibility": "30", "qa": "25"}, comments={},
                              veto_answers={}, bonus={}, total=Decimal("80"), submitted_at=utcnow()))
        db.session.commit()
        result_job = Job(kind="mail.send", args={"outbox_id": 0}, status="done", attempts=1, error="",
                         result_path="job-result-matrix.bin", result_name="result.xlsx")
        db.session.add(result_job)
        db.session.commit()
        job_id = result_job.id
        results = Path(app.config["JOB_RESULTS_FOLDER"])
        results.mkdir(parents=True, exist_ok=True)
        (results / "job-result-matrix.bin").write_bytes(sheet)
    world.ids |= {"set_password_token": token, "reset_password_token": reset, "undeclared_id": undeclared.id,
                  "job_id": job_id}


def url_for_cell(app, world, endpoint: str, rule) -> str:
    _outcomes, overrides = entry(endpoint)
    values = world.url_values(rule, {k: world.ids[v] for k, v in overrides.items()})
    with app.test_request_context():
        return url_for(endpoint, **values)


def outcome(method: str, response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        return LOGIN if "/login" in response.headers.get("Location", "") else REDIRECT
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return NOT_FOUND
    if status == 200 or (method == "POST" and (200 <= status < 300 or status in (400, 409, 413, 429))):
        return OK
    return str(status)


def judge(expected: str, method: str, got: str) -> bool:
    if method == "POST" and expected == OK:
        return got in (OK, REDIRECT)  # a POST that reached its view may answer with a redirect
    return got == expected


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, make, role):
    world = build(make, app)
    furnish(world, make, app)
    client = login(app, role)
    token = csrf_token(client, "/")
    checked = 0
    problems = []
    for endpoint, method, rule in cells(app):
        url = url_for_cell(app, world, endpoint, rule)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.open(url, method=method, data=minimal_data(world, endpoint, token))
        checked += 1
        expected, got = entry(endpoint)[0][role], outcome(method, response)
        if not judge(expected, method, got):
            problems.append(f"{role} {method} {url} ({endpoint}): expected {expected}, got {response.status_code} "
                            f"{response.headers.get('Location', '')}")
    for line in problems:
        print("MISMATCH", line)
    report(f"access matrix [{role}]", f"{checked} cells checked, {len(problems)} mismatches")
    assert not problems, "\n".join(problems)


def test_forbidden_page_is_localized(client, auth, make):
    make.user(Role.applicant, email="ngo@example.org")
    auth.login("ngo@example.org")
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "無權訪問" in response.get_data(as_text=True)
