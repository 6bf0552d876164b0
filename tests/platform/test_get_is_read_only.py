"""Views never write on GET: every GET route of the URL map, as every role, against a populated world;
every row of every table is compared before and after each request. Each HTML page is also checked for
duplicate element ids and labels for no element (tests/htmlids.py).

The world (tests/security/world.py plus the additions below) is two rounds:

- round A (review window open): proposals of org A in several statuses (draft, submitted, returned
  with a screening, withdrawn, eligible and reviewed, shortlisted and awarded), assignments, a draft and
  submitted written reviews, conflict declarations, a drawn roadshow with a project on stage and a
  submitted roadshow score, awards, a notice publication, an objection;
- round B (the same window) that nothing has used yet: no rubric stored, an eligible proposal assigned to
  the reviewer (declared, not yet scored) and a shortlisted one on stage for the reviewer's panel. Pages
  that used to create things "on first use" (a default rubric) are walked here.

Every GET endpoint needs an entry in ``ROUTES`` (the URLs to walk, built from the world's ids) or in
``UNWALKED`` (the reason it cannot be walked): a new GET route without one fails
``test_every_get_route_has_an_entry``.

The one documented exception: ``user_session.last_seen_at`` (grants/platform/sessions.py touches the
signed-in session at most once a minute to enforce the idle timeout). That column is left out of the
comparison and its UPDATE is the only write statement a GET may send.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import event, select

from grants.extensions import db
from grants.models import (
    Assignment,
    Award,
    Base,
    ConflictDeclaration,
    Job,
    OneTimeToken,
    ProposalStatus,
    Publication,
    Review,
    ReviewStatus,
    RoadshowSlot,
    Round,
    Screening,
    ScreeningOutcome,
    Stage,
    utcnow,
)
from grants.platform import pdf, uploads
from tests.htmlids import id_problems
from tests.security import world as security_world

ROLES = {"anonymous": None, "applicant": "appA", "reviewer": "rev", "admin": "admin"}

# The one write a GET may make, and the column it writes (left out of the comparison).
TOUCH_COLUMN = ("user_session", "last_seen_at")
TOUCH_STATEMENT = re.compile(r"^\s*UPDATE user_session SET last_seen_at=[^,]+? WHERE user_session\.id = \S+\s*$",
                             re.IGNORECASE)

# endpoint -> URL values to walk; a value is a key of World.ids (or a literal str for non-id arguments).
A = {"round_id": "round_id"}
B = {"round_id": "round_b_id"}
ROUTES: dict[str, list[dict]] = {
    # public
    "public.home": [{}],
    "public.verify": [{}],
    "public.results": [A, B],
    "public.objection_new": [A, B],
    "public.results_pdf": [A | {"publication_id": "publication_id"}],
    "public.results_final_pdf": [A | {"publication_id": "publication_id"}],
    "public.results_xlsx": [A | {"publication_id": "publication_id"}],
    # accounts
    "auth.login": [{}],
    "auth.register": [{}],
    "auth.set_password": [{"token": "token"}, {"token": "=not-a-token"}],
    "auth.forgot_password": [{}],
    "auth.reset_password": [{"token": "reset_token"}, {"token": "=not-a-token"}],
    "auth.change_password": [{}],
    # applicants: every status of org A's proposals
    "applicant.dashboard": [{}],
    "applicant.proposal_view": [{"proposal_id": k} for k in (
        "proposal_id", "draft_id", "submitted_id", "returned_id", "withdrawn_id", "award_proposal_id", "other_id")],
    "applicant.proposal_submitted": [{"proposal_id": k} for k in ("proposal_id", "submitted_id", "draft_id")],
    "applicant.proposal_edit": [{"proposal_id": k} for k in ("draft_id", "returned_id", "proposal_id")],
    "applicant.proposal_submit": [{"proposal_id": k} for k in ("draft_id", "returned_id", "proposal_id")],
    "applicant.proposal_attachments": [{"proposal_id": k} for k in ("draft_id", "returned_id", "proposal_id")],
    "applicant.proposal_pdf": [{"proposal_id": k} for k in ("proposal_id", "draft_id")],
    "applicant.review_summary": [{"proposal_id": k} for k in ("proposal_id", "award_proposal_id")],
    "attachments.download": [{"attachment_id": "attachment_id"}, {"attachment_id": "other_attachment_id"}],
    # reviewers
    "reviewer.dashboard": [{}],
    "reviewer.declaration": [{"proposal_id": k} for k in ("proposal_id", "b_proposal_id", "b_undeclared_id")]
    + [{"proposal_id": "proposal_id", "change": "=1"}],
    "reviewer.proposal": [{"proposal_id": k} for k in ("proposal_id", "reviewed_id", "b_proposal_id",
                                                       "b_undeclared_id")],
    "reviewer.review": [{"proposal_id": k} for k in ("proposal_id", "reviewed_id", "b_proposal_id",
                                                     "b_undeclared_id")],
    "reviewer.score_sheet": [{"proposal_id": "reviewed_id"}, {"proposal_id": "proposal_id"}],
    "reviewer.score_sheets": [A, B],
    "reviewer.roadshow_judge": [A, B],
    "reviewer.roadshow_judge_now": [A, B],
    "reviewer.roadshow_sheet": [A | {"proposal_id": "award_proposal_id"}],
    # admin
    "admin.dashboard": [{}],
    "admin.overview": [{}],
    "admin.organizations": [{}],
    "admin.background": [{}],
    "admin.background_download": [{"job_id": "job_id"}],
    "admin.reviewers": [{}],
    "admin.reviewer_new": [{}],
    "admin.rounds": [{}],
    "admin.round_new": [{}],
    "admin.work_calendar": [{}],
    "admin.round_detail": [A, B],
    "admin.round_edit": [A, B],
    "admin.round_dashboard": [A, B],
    "admin.screening_list": [A, B],
    "admin.screening_detail": [{"proposal_id": k} for k in ("submitted_id", "returned_id", "proposal_id", "draft_id")],
    "admin.proposal_pdf": [{"proposal_id": "proposal_id"}],
    "admin.proposals_export": [A, B],
    "admin.rubrics": [A, B],
    "admin.rubric_json": [r | {"stage": f"={s}"} for r in (A, B) for s in ("written", "roadshow")],
    "admin.assignments": [A, B],
    "admin.assignment_proposal": [A | {"proposal_id": "proposal_id"}, B | {"proposal_id": "b_proposal_id"}],
    "admin.assignment_export": [A, B],
    "admin.review_progress": [A, B],
    "admin.review_score_sheet": [{"review_id": "peer_review_id"}, {"review_id": "review_id"}],
    "admin.reviewer_score_sheets": [A | {"reviewer_id": "peer_id"}, A | {"reviewer_id": "rev_id"}],
    "admin.ranking": [A, B],
    "admin.score_matrix_export": [A, B],
    "admin.roadshow": [A, B],
    "admin.roadshow_host": [A, B],
    "admin.roadshow_status": [A, B],
    "admin.roadshow_order_pdf": [A],
    "admin.allocation": [A, B],
    "admin.publication": [A, B],
    "admin.publication_status": [A, B],
    "admin.objections": [A, B],
    "admin.objection_detail": [{"objection_id": "objection_id"}],
    "admin.objection_evidence": [{"objection_id": "objection_id"}],
    # agreements: round A has signed agreements (world.py); round B none and no template stored yet
    "admin.agreements": [A, B],
    "admin.agreement_template": [A, B],
    "admin.agreements_ledger_export": [A, B],
    "admin.agreement": [{"agreement_id": "agreement_id"}, {"agreement_id": "other_agreement_id"}],
    "admin.agreement_pdf": [{"agreement_id": "agreement_id"}],
    "admin.agreement_file": [{"file_id": "file_id"}],
    "applicant.agreements": [{}],
    "applicant.agreement": [{"agreement_id": "agreement_id"}, {"agreement_id": "other_agreement_id"}],
    "applicant.agreement_pdf": [{"agreement_id": "agreement_id"}],
    "applicant.agreement_file": [{"file_id": "file_id"}],
    # reports: a draft mid-term report under each signed agreement of round A (world.py), the final not opened
    "admin.reports": [A, B, A | {"status": "=overdue"}],
    "admin.agreement_reports": [{"agreement_id": "agreement_id"}, {"agreement_id": "other_agreement_id"}],
    "admin.report": [{"report_id": "report_id"}],
    "admin.report_file": [{"report_file_id": "report_file_id"}],
    "applicant.reports": [{"agreement_id": "agreement_id"}, {"agreement_id": "other_agreement_id"}],
    "applicant.report": [{"report_id": "report_id"}, {"report_id": "other_report_id"}],
    "applicant.report_submit": [{"report_id": "report_id"}],
    "applicant.report_file": [{"report_file_id": "report_file_id"}],
    # evaluations: round A has a mid-term evaluation being scored (panel: rev, revC), a passed final
    # evaluation with its certificate and an open results notice (world.py); round B none and no rubric stored
    "admin.evaluations": [A, B, A | {"kind": "=final"}, B | {"kind": "=final"}],
    "admin.evaluation_detail": [{"evaluation_id": "evaluation_id"}, {"evaluation_id": "final_evaluation_id"}],
    "admin.evaluation_rubric": [r | {"kind": f"={k}"} for r in (A, B) for k in ("midterm", "final")],
    "admin.evaluation_certificate": [{"evaluation_id": "final_evaluation_id"}],
    "public.evaluation_results": [A, B],
    "public.evaluation_objection": [A, B],
    "public.evaluation_results_pdf": [A | {"publication_id": "evaluation_publication_id"}],
    "applicant.my_evaluations": [{}],
    "applicant.my_certificate": [{"evaluation_id": "final_evaluation_id"}],
    "reviewer.evaluation_list": [{}],
    "reviewer.evaluation_declaration": [{"evaluation_id": "evaluation_id"}],
    "reviewer.evaluation_report": [{"evaluation_id": "evaluation_id"}, {"evaluation_id": "final_evaluation_id"}],
    "reviewer.evaluation_sheet": [{"evaluation_id": "evaluation_id"}],
    # organizations: org A's bars and history (world.py adds a past bar of org B); the NGO's own history
    "admin.organization_sanctions": [{"organization_id": "organization_id"}],
    "admin.organization_history": [{"organization_id": "organization_id"}],
    "applicant.history": [{}],
}

# GET endpoints the walk does not request, and why.
UNWALKED: dict[str, str] = {
    "static": "files served from disk; no view code and no database",
}


# ----------------------------------------------------------------------------------------- the world


def build(make, app) -> dict[str, int | str]:
    """The security world (round A) completed with the statuses, roadshow and round B listed above."""
    from tests.ranking.test_ranking_builders import rubric_version

    world = security_world.build(make, app)
    ids: dict[str, int | str] = dict(world.ids)
    users = world.users
    ids["rev_id"] = users["rev"]
    org_a = _org_of(app, ids["proposal_id"])
    now = utcnow()
    for key, status in (("submitted_id", ProposalStatus.submitted), ("returned_id", ProposalStatus.returned),
                        ("withdrawn_id", ProposalStatus.withdrawn)):
        ids[key] = make.proposal(world.round_id, organization_id=org_a, status=status, name=f"甲方{key}").id
    ids["reviewed_id"] = make.proposal(world.round_id, status=ProposalStatus.eligible, name="已評項目").id
    token = secrets.token_urlsafe(16)
    ids["token"] = token
    reset_token = secrets.token_urlsafe(16)
    ids["reset_token"] = reset_token
    rnd_b = make.round(review_opens_at=now - timedelta(days=1), review_closes_at=now + timedelta(days=5))
    ids["round_b_id"] = rnd_b.id
    ids["b_proposal_id"] = make.proposal(rnd_b.id, organization_id=org_a, status=ProposalStatus.eligible,
                                         name="乙輪待評項目").id
    ids["b_undeclared_id"] = make.proposal(rnd_b.id, status=ProposalStatus.eligible, name="乙輪未聲明項目").id
    ids["b_on_stage_id"] = make.proposal(rnd_b.id, status=ProposalStatus.shortlisted, name="乙輪路演項目").id
    roadshow_rv = rubric_version(app, world.round_id, "roadshow")  # round A only: round B has no rubric at all
    with app.app_context():
        session = db.session
        session.add(Screening(proposal_id=ids["returned_id"], checklist={}, outcome=ScreeningOutcome.returned,
                              reason="請補充預算說明", revision_deadline=now + timedelta(days=3),
                              screened_by_id=users["admin"]))
        session.add(OneTimeToken(user_id=users["revU"], purpose="set_password",
                                 token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                 expires_at=now + timedelta(days=2)))
        session.add(OneTimeToken(user_id=users["appA"], purpose="reset_password",
                                 token_hash=hashlib.sha256(reset_token.encode()).hexdigest(),
                                 expires_at=now + timedelta(hours=1)))
        # round A: the reviewer's submitted written review; the frozen spreadsheet and final list
        written_rv = session.scalar(select(Review.rubric_version_id).where(Review.id == ids["review_id"]))
        session.add_all([
            Assignment(round_id=world.round_id, proposal_id=ids["reviewed_id"], reviewer_id=users["rev"]),
            ConflictDeclaration(reviewer_id=users["rev"], proposal_id=ids["reviewed_id"], has_conflict=False),
            Review(proposal_id=ids["reviewed_id"], reviewer_id=users["rev"], stage=Stage.written,
                   rubric_version_id=written_rv, status=ReviewStatus.submitted,
                   scores=dict(security_world.PEER_SCORES), comments={}, veto_answers={}, bonus={},
                   total=Decimal("63"), submitted_at=now),
        ])
        publication = session.get(Publication, ids["publication_id"])
        folder = Path(app.config["PDF_FOLDER"])
        (folder / "list.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
        (folder / "final.pdf").write_bytes(uploads.tiny_pdf())
        publication.xlsx_path = "list.xlsx"
        publication.final_pdf_path = "final.pdf"
        publication.final_pdf_sha256 = pdf.sha256_hex(uploads.tiny_pdf())
        # a finished export job with its result file (the background-work page's download)
        export_job = Job(kind="export.proposals", args={"round_id": world.round_id}, status="done", attempts=1,
                         error="", result_path="job-walk.bin", result_name="proposals.xlsx")
        session.add(export_job)
        session.flush()
        ids["job_id"] = export_job.id
        Path(app.config["JOB_RESULTS_FOLDER"]).mkdir(parents=True, exist_ok=True)
        (Path(app.config["JOB_RESULTS_FOLDER"]) / "job-walk.bin").write_bytes(b"PK\x03\x04 result")
        # round A: the drawn roadshow, the first project on stage, the judge's submitted score
        rnd_a = session.get(Round, world.round_id)
        on_stage = ids["award_proposal_id"]
        for position, pid in enumerate(session.scalars(select(Award.proposal_id).where(
                Award.round_id == world.round_id).order_by(Award.rank)), start=1):
            session.add(RoadshowSlot(round_id=world.round_id, proposal_id=pid, position=position,
                                     started_at=now if pid == on_stage else None))
        rnd_a.roadshow_seed = "a1b2c3d4e5f60718"
        rnd_a.roadshow_current_id = on_stage
        session.add(Review(proposal_id=on_stage, reviewer_id=users["rev"], stage=Stage.roadshow,
                           rubric_version_id=roadshow_rv, status=ReviewStatus.submitted, scores={"need": "80"},
                           comments={}, veto_answers={}, bonus={}, total=Decimal("80"), submitted_at=now))
        # round B: assigned and declared (not scored), assigned and undeclared, on stage for the panel
        session.add_all([
            Assignment(round_id=rnd_b.id, proposal_id=ids["b_proposal_id"], reviewer_id=users["rev"]),
            ConflictDeclaration(reviewer_id=users["rev"], proposal_id=ids["b_proposal_id"], has_conflict=False),
            Assignment(round_id=rnd_b.id, proposal_id=ids["b_undeclared_id"], reviewer_id=users["rev"]),
            Assignment(round_id=rnd_b.id, proposal_id=ids["b_on_stage_id"], reviewer_id=users["rev"],
                       stage=Stage.roadshow),
            RoadshowSlot(round_id=rnd_b.id, proposal_id=ids["b_on_stage_id"], position=1, started_at=now),
        ])
        session.get(Round, rnd_b.id).roadshow_current_id = ids["b_on_stage_id"]
        session.commit()
    return ids


def _org_of(app, proposal_id: int) -> int:
    from grants.models import Proposal

    with app.app_context():
        return db.session.get(Proposal, proposal_id).organization_id


def _urls(app, ids: dict) -> list[tuple[str, str]]:
    out = []
    with app.test_request_context():
        for endpoint, variants in ROUTES.items():
            for variant in variants:
                values = {arg: (key[1:] if isinstance(key, str) and key.startswith("=") else ids[key])
                          for arg, key in variant.items()}
                out.append((endpoint, url_for(endpoint, **values)))
    return out


# ------------------------------------------------------------------------------------ the comparison


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table (the session touch column left out), sorted."""
    out = {}
    with app.app_context():
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) != TOUCH_COLUMN]
            rows = db.session.execute(select(*columns)).all()
            out[table.name] = sorted(tuple(repr(v) for v in row) for row in rows)
        db.session.remove()
    return out


def difference(before: dict, after: dict) -> list[str]:
    lines = []
    for table, rows in after.items():
        old = before[table]
        if rows != old:
            gone = [r for r in old if r not in rows]
            new = [r for r in rows if r not in old]
            lines.append(f"{table}: {len(gone)} row(s) changed/removed, {len(new)} added/changed; "
                         f"e.g. before {str(gone[:1])[:200]} after {str(new[:1])[:200]}")
    return lines


class WriteStatements:
    """INSERT/UPDATE/DELETE statements sent while a request runs (caught even when rolled back)."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.seen: list[str] = []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement, *args):
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if verb in ("INSERT", "UPDATE", "DELETE") and not TOUCH_STATEMENT.match(statement.replace("\n", " ")):
            self.seen.append(" ".join(statement.split())[:160])

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen


# ----------------------------------------------------------------------------------------- the tests


@pytest.mark.no_database
def test_every_get_route_has_an_entry(app):
    gets = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    missing = gets - set(ROUTES) - set(UNWALKED)
    assert not missing, f"GET routes with no entry in ROUTES or UNWALKED: {sorted(missing)}"
    stale = (set(ROUTES) | set(UNWALKED)) - gets
    assert not stale, f"entries for routes that are no longer GET routes: {sorted(stale)}"
    assert not set(ROUTES) & set(UNWALKED)


def test_touch_statement_pattern_matches_the_real_touch(app, make):
    """The exception is narrow: the pattern matches the real session touch and nothing wider."""
    from grants.models import UserSession
    from tests.conftest import Actions

    user = make.user(email="touch@example.org")
    client = app.test_client()
    assert Actions(client).login("touch@example.org").status_code == 302

    with app.app_context():
        session = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
        session.last_seen_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    with WriteStatements(app) as writes:
        seen = []

        def raw(conn, cursor, statement, *args):
            seen.append(" ".join(statement.split()))

        event.listen(writes.engine, "before_cursor_execute", raw)
        try:
            assert client.get("/").status_code == 200
        finally:
            event.remove(writes.engine, "before_cursor_execute", raw)
    touches = [s for s in seen if s.upper().startswith("UPDATE USER_SESSION")]
    assert touches, "the session was not touched: the exception is not exercised"
    assert writes.take() == []  # the touch is allowed ...
    assert not TOUCH_STATEMENT.match("UPDATE user_session SET revoked_at=? WHERE user_session.id = ?")
    assert not TOUCH_STATEMENT.match("UPDATE proposal SET status=? WHERE proposal.id = ?")


@pytest.mark.parametrize("role", list(ROLES))
def test_get_changes_no_row(app, make, role):
    ids = build(make, app)
    client = security_world.login(app, ROLES[role]) if ROLES[role] else app.test_client()
    urls = _urls(app, ids)
    offenders: list[str] = []
    bad_ids: list[str] = []  # the walk renders every page: each id once, every label for an element
    statuses: dict[int, int] = {}
    before = snapshot(app)
    with WriteStatements(app) as writes:
        for endpoint, url in urls:
            response = client.get(url)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code < 500, f"{role} GET {url} -> {response.status_code}"
            if response.status_code == 200 and response.mimetype == "text/html":
                if problems := id_problems(response.get_data(as_text=True)):
                    bad_ids.append(f"{role} GET {url} ({endpoint}): " + "; ".join(problems))
            after = snapshot(app)
            changed = difference(before, after)
            sent = writes.take()
            if changed or sent:
                offenders.append(f"{role} GET {url} ({endpoint}): " + "; ".join(changed + sent[:3]))
            before = after
    print(f"GET read-only walk [{role}]: {len(urls)} requests, statuses {sorted(statuses.items())}")
    assert not offenders, "GET requests that wrote:\n" + "\n".join(offenders)
    assert not bad_ids, "pages with duplicate ids or labels for no element:\n" + "\n".join(bad_ids)
    if role != "anonymous":  # the walk reached the role's own pages, not only refusals
        assert statuses.get(200, 0) >= 10, statuses
