"""The large exports as jobs: asked for with a POST, prepared by the job (in the admin's language),
downloaded from the background-work page when ready; a second run stores one file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from grants.extensions import db
from grants.models import Job, ProposalStatus
from grants.platform import jobs
from tests.publication.test_publication_support import add_reviews, admin_login

EN = {"Accept-Language": "en"}


@pytest.fixture
def app(inprocess_app):
    return inprocess_app


def finished_job(app, kind):
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == kind))
        return job.id, job.status, job.result_name


def test_proposals_spreadsheet_job_and_its_download(app, client, auth, make):
    rnd = make.round()
    make.proposal(rnd.id, name="婦女就業支持計劃")
    admin_login(make, auth)
    assert client.get(f"/admin/rounds/{rnd.id}/exports/proposals").status_code == 405  # never on a GET
    response = auth.post(f"/admin/rounds/{rnd.id}/exports/proposals", headers=EN, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "The file is being prepared" in page
    job_id, status, name = finished_job(app, "export.proposals")
    assert status == "done" and name.endswith(".xlsx") and f"/admin/background/jobs/{job_id}/download" in page
    download = client.get(f"/admin/background/jobs/{job_id}/download")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "private, no-store"
    cells = [c.value for row in load_workbook(io.BytesIO(download.data)).active.iter_rows() for c in row]
    assert "婦女就業支持計劃" in cells
    with app.app_context():  # the job run again overwrites its one result file
        job = db.session.get(Job, job_id)
        job.status = "waiting"
        db.session.commit()
        assert jobs.execute(job_id) == "done"
    assert sorted(p.name for p in Path(app.config["JOB_RESULTS_FOLDER"]).iterdir()) == \
        [f"job-{job_id}.bin"]


@pytest.mark.parametrize("kind,path", [("export.score_matrix", "score-matrix"), ("export.score_sheets", "score-sheets")])
def test_score_exports_as_jobs(app, client, auth, make, kind, path):
    rnd = make.round()
    proposal = make.proposal(rnd.id, name="留守兒童關愛行動", status=ProposalStatus.eligible)
    add_reviews(make, app, proposal.id, ["林專家"], [{"need": "18"}], [{}], rnd.id)
    admin_login(make, auth)
    auth.post(f"/admin/rounds/{rnd.id}/exports/{path}", headers=EN)
    job_id, status, name = finished_job(app, kind)
    assert status == "done"
    data = client.get(f"/admin/background/jobs/{job_id}/download").data
    if name.endswith(".pdf"):
        assert "留守兒童關愛行動" in "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    else:
        cells = [c.value for ws in load_workbook(io.BytesIO(data)).worksheets for row in ws.iter_rows() for c in row]
        assert "留守兒童關愛行動" in cells
