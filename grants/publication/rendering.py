"""The background render of a publication's list PDF (and the notice's .xlsx).

A background job is its own unit of work, like a view: it runs after the request's commit, in its
own thread, app context and session, and commits its progress and result itself. The rendering
content comes from ``grants.publication.operations.list_context`` and ``grants.publication.exports``, which
flushes and never commits.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from grants.extensions import db
from grants.models import Publication, PublicationStatus
from grants.platform import audit, pdf
from grants.publication import award_list
from grants.publication import exports as publication_exports
from grants.publication import operations as ops

LOGGER = logging.getLogger(__name__)

_threads: dict[int, threading.Thread] = {}


def start_render(app, publication_id: int, kind: str, spec: dict) -> threading.Thread:
    """Render the list PDF (and, for the notice, the .xlsx) in a background thread.

    Call after the commit: the thread opens its own app context and session.
    """
    thread = threading.Thread(target=_render_job, args=(app, publication_id, kind, spec),
                              name=f"publication-{publication_id}-{kind}", daemon=True)
    _threads[publication_id] = thread
    thread.start()
    return thread


def wait_for_render(publication_id: int, timeout: float = 120) -> None:
    """Join the render thread (CLI and tests)."""
    thread = _threads.get(publication_id)
    if thread is not None:
        thread.join(timeout)


def _progress(publication_id: int, value: int) -> None:
    publication = db.session.get(Publication, publication_id)
    publication.progress = value
    db.session.commit()


def _store(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, folder / name)


def _render_job(app, publication_id: int, kind: str, spec: dict) -> None:
    with app.app_context():
        try:
            _progress(publication_id, 5)
            context = ops.list_context(spec, ops.verify_base_url())
            _progress(publication_id, 15)
            data = award_list.render_award_list(context)
            _progress(publication_id, 85)
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
        except Exception as exc:  # any failure is shown to the admins, who can retry
            LOGGER.exception("rendering publication %s (%s) failed", publication_id, kind)
            db.session.rollback()
            try:
                publication = db.session.get(Publication, publication_id)
                if publication is not None:
                    if kind == "notice":
                        publication.status = PublicationStatus.failed
                    publication.error = f"{type(exc).__name__}: {exc}"[:2000]
                    db.session.commit()
            except Exception:
                LOGGER.exception("could not record the render failure of publication %s", publication_id)
                db.session.rollback()
        finally:
            db.session.remove()
