"""Download headers: every private file route (attachments, proposal PDFs, score sheets, exports,
the review summary, objection evidence) sends ``Content-Disposition: attachment``,
``X-Content-Type-Options: nosniff`` and a ``Cache-Control`` with no-store/private.

The frozen public files (notice / final award-list PDF, list spreadsheet) are public by design:
they may be cached publicly (``Cache-Control: public``, ETag = SHA-256), and the PDFs open inline.
"""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import update

from grants.extensions import db
from grants.models import Review, ReviewStatus, RoadshowSlot, Round, Stage, utcnow
from tests.security.test_access_matrix import cells
from tests.security.world import build, login, report

# Headers do not depend on the database: SQLite only, to keep the suite short.
pytestmark = pytest.mark.sqlite_only

PRIVATE_FILES = {
    "attachments.download", "applicant.proposal_pdf", "admin.proposal_pdf", "reviewer.score_sheet",
    "reviewer.score_sheets", "admin.review_score_sheet", "admin.reviewer_score_sheets", "admin.proposals_export",
    "admin.score_matrix_export", "admin.assignment_export", "admin.rubric_json", "admin.roadshow_order_pdf",
    "reviewer.roadshow_sheet", "applicant.review_summary", "admin.objection_evidence",
    "applicant.agreement_pdf", "admin.agreement_pdf", "applicant.agreement_file", "admin.agreement_file",
    "applicant.report_file", "admin.report_file",  # report evidence: the owning NGO and admins only
    "admin.agreements_ledger_export", "admin.background_download",
}
PUBLIC_FILES = {"public.results_pdf"}
OVERRIDES = {"reviewer.roadshow_sheet": {"proposal_id": "award_proposal_id"}}


def _files_world(app, make):
    world = build(make, app)
    from tests.ranking.test_ranking_builders import rubric_version

    rv_id = rubric_version(app, world.round_id, "roadshow")
    with app.app_context():
        # the reviewer's review submitted (score sheets), an order drawn and a roadshow sheet signed
        db.session.execute(update(Review).where(Review.id == world.ids["review_id"])
                           .values(status=ReviewStatus.submitted, submitted_at=utcnow(), total=70))
        db.session.add(RoadshowSlot(round_id=world.round_id, proposal_id=world.ids["award_proposal_id"], position=1))
        db.session.get(Round, world.round_id).roadshow_seed = "seed"
        db.session.add(Review(proposal_id=world.ids["award_proposal_id"], reviewer_id=world.users["rev"],
                              stage=Stage.roadshow, rubric_version_id=rv_id, status=ReviewStatus.submitted,
                              scores={"presentation": "25", "feasibility": "30", "qa": "25"}, total=80,
                              submitted_at=utcnow()))
        db.session.commit()
    return world


def test_private_downloads_are_attachments_not_cached(app, make):
    world = _files_world(app, make)
    seen, problems = {}, []
    for role in ("appA", "rev", "admin", "anonymous"):
        client = login(app, role)
        for endpoint, method, rule in cells(app):
            if method != "GET" or endpoint in seen:
                continue
            over = {k: world.ids[v] for k, v in OVERRIDES.get(endpoint, {}).items()}
            with app.test_request_context():
                url = url_for(endpoint, **world.url_values(rule, over))
            response = client.get(url)
            if response.status_code != 200 or response.mimetype in ("text/html", "application/json") \
                    and "Content-Disposition" not in response.headers:
                continue
            seen[endpoint] = response.headers
            disposition = response.headers.get("Content-Disposition", "")
            cache = response.headers.get("Cache-Control", "")
            if response.headers.get("X-Content-Type-Options") != "nosniff":
                problems.append(f"{endpoint}: no nosniff")
            if endpoint in PUBLIC_FILES:
                if "public" not in cache:
                    problems.append(f"{endpoint}: public file not cacheable: {cache!r}")
                continue
            if not disposition.startswith("attachment"):
                problems.append(f"{endpoint}: Content-Disposition {disposition!r}")
            if "no-store" not in cache or "private" not in cache:
                problems.append(f"{endpoint}: Cache-Control {cache!r}")
    unknown = set(seen) - PRIVATE_FILES - PUBLIC_FILES
    missing = PRIVATE_FILES - set(seen)
    report("download headers", f"{len(seen)} file routes checked ({len(PUBLIC_FILES)} public, cacheable by design), "
                               f"{len(problems)} problems")
    assert not problems, "\n".join(problems)
    assert not unknown, f"file routes not classified as private or public: {unknown}"
    assert not missing, f"private file routes not reached by the test: {missing}"
