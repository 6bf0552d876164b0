"""The render of a publication's list PDF (and the notice's .xlsx), as a job on the queue.

The view commits the publication and calls ``enqueue_render``; a worker runs ``render_job`` in its own
app context and session and commits its progress and result itself. The job is idempotent: a
publication that already has its PDF is left as it is, so a job that runs twice (or again after its
worker was killed mid-way) stores one file. The rendering content comes from
``grants.publication.operations.list_context`` and ``grants.publication.exports``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants.extensions import db
from grants.models import Job, Publication, PublicationStatus
from grants.platform import audit, jobs, pdf
from grants.publication import award_list
from grants.publication import exports as publication_exports
from grants.publication import operations as ops

LOGGER = logging.getLogger(__name__)
KIND = "publication.render"


def job_key(publication_id: int, kind: str) -> str:
    return f"publication:{publication_id}:{kind}"


def enqueue_render(publication: Publication, kind: str, spec: dict) -> Job:
    """Add the render job in the current transaction (the queue gets it after the commit).

    The callers (publish, finalise, retry) have checked that the PDF is missing, so a finished job
    with this key is started again; a waiting or running one is left to finish."""
    return jobs.enqueue(KIND, {"publication_id": publication.id, "kind": kind, "spec": spec},
                        key=job_key(publication.id, kind), again=True)


def render_job_of(publication: Publication) -> Job | None:
    """The job rendering (or that rendered) this publication's current PDF."""
    kind = "final" if publication.status == PublicationStatus.final else "notice"
    return db.session.scalar(select(Job).where(Job.key == job_key(publication.id, kind)))


def _progress(job: Job, publication: Publication, value: int) -> None:
    publication.progress = value
    jobs.progress(job, value)  # commits


def _store(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, folder / name)


def _mark_failed(job: Job) -> None:
    """After the last attempt: the publication shows the failure (admins can retry)."""
    publication = db.session.get(Publication, job.args["publication_id"])
    if publication is None:
        return
    if job.args["kind"] == "notice" and publication.status == PublicationStatus.rendering:
        publication.status = PublicationStatus.failed
    publication.error = job.error[:2000]


@jobs.handler(KIND, label=_l("Render a published list"), max_attempts=3, backoff=20, on_failure=_mark_failed)
def render_job(job: Job) -> None:
    publication_id, kind, spec = job.args["publication_id"], job.args["kind"], job.args["spec"]
    app = current_app
    publication = db.session.get(Publication, publication_id)
    if publication is None:
        return
    if (publication.final_pdf_sha256 if kind == "final" else publication.pdf_sha256):
        return  # already rendered (this job ran before): one stored file
    _progress(job, publication, 5)
    context = ops.list_context(spec, ops.verify_base_url())
    _progress(job, publication, 15)
    data = award_list.render_award_list(context)
    _progress(job, publication, 85)
    digest = pdf.sha256_hex(data)
    folder = Path(app.config["PDF_FOLDER"])
    name = f"publication-{publication_id}-{kind}-{digest[:16]}.pdf"
    _store(folder, name, data)
    publication = db.session.get(Publication, publication_id)
    if kind == "final":
        publication.final_pdf_path = name
        publication.final_pdf_sha256 = digest
        publication.final_code = context["verification_code"]
    else:
        xlsx_name = f"publication-{publication_id}-notice.xlsx"
        _store(folder, xlsx_name, publication_exports.notice_workbook(
            spec, ops.list_labels(spec.get("locale", "zh_Hant"))))
        publication.pdf_path = name
        publication.pdf_sha256 = digest
        publication.xlsx_path = xlsx_name
        publication.data_code = context["verification_code"]
        publication.status = PublicationStatus.notice
    publication.progress = 100
    publication.error = ""
    audit.record("render_publication", publication, kind=kind, sha256=digest, bytes=len(data),
                 verification_code=context["verification_code"])
    db.session.commit()
