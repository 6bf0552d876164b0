"""The admins' background-work page: running, waiting, failed (the error in words, a retry button) and
recently finished jobs, and the mails that finally failed."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from grants.background import exports as background_exports
from grants.extensions import db
from grants.models import Job, OutboxMail, Round, utcnow
from grants.platform import audit, downloads, jobs
from grants.platform.web import admin as bp

RECENT = timedelta(days=1)
LIMIT = 100

#: what an error means, by the exception's name (the first word of the stored error)
ERROR_WORDS = (
    ("SMTP", _l("The mail server refused the mail or could not be reached.")),
    ("ConnectionRefused", _l("A server could not be reached.")),
    ("TimeoutError", _l("It took too long and was stopped.")),
    ("PdfRenderError", _l("The PDF could not be rendered.")),
    ("OperationalError", _l("The database was busy or could not be reached.")),
    ("OSError", _l("A file could not be written (is the disk full?).")),
    ("LookupError", _l("This kind of job is unknown to the workers (a newer version of the platform?).")),
    ("worker ", _l("The worker running it stopped; it was started again.")),
)
STATUS_LABELS = {
    jobs.RUNNING: _l("Running"),
    jobs.WAITING: _l("Waiting"),
    jobs.FAILED: _l("Failed"),
    jobs.DONE: _l("Finished"),
}


def in_words(error: str):
    for prefix, words in ERROR_WORDS:
        if error.startswith(prefix):
            return words
    return _l("An unexpected error occurred.") if error else ""


@bp.route("/background")
def background():
    def of(status, order, limit=LIMIT, *where):
        return db.session.scalars(select(Job).where(Job.status == status, *where).order_by(order).limit(limit)).all()

    now = utcnow()
    return render_template(
        "background/jobs.html",
        running=of(jobs.RUNNING, Job.started_at), waiting=of(jobs.WAITING, Job.run_at),
        failed=of(jobs.FAILED, Job.finished_at.desc()),
        finished=of(jobs.DONE, Job.finished_at.desc(), 50, Job.finished_at >= now - RECENT),
        failed_mails=db.session.scalars(select(OutboxMail).where(OutboxMail.status == "failed")
                                        .order_by(OutboxMail.id.desc()).limit(LIMIT)).all(),
        label_of=jobs.label_of, in_words=in_words, status_labels=STATUS_LABELS, now=now,
        queued=_queued(), rounds=db.session.scalars(select(Round).order_by(Round.edition.desc())).all(),
        export_kinds=background_exports.KINDS,
    )


def _queued() -> int | None:
    from flask import current_app

    try:
        return current_app.extensions["grants_jobs"].pending_messages()
    except Exception:  # the queue is unreachable: the page still shows the jobs table
        return None


@bp.route("/background/jobs/<int:job_id>/retry", methods=["POST"])
def background_retry(job_id: int):
    job = db.session.get(Job, job_id) or abort(404)
    if not jobs.retry(job):
        flash(_("Only a failed job can be tried again."), "warning")
        return redirect(url_for("admin.background"))
    audit.record("retry_job", object_type="background_job", object_id=job.id, kind=job.kind)
    db.session.commit()
    flash(_("The job will be tried again."), "success")
    return redirect(url_for("admin.background"))


def _export(round_id: int, name: str):
    rnd = db.session.get(Round, round_id) or abort(404)
    kind, _label = background_exports.KINDS[name]
    job = jobs.enqueue(kind, {"round_id": rnd.id, "locale": str(get_locale() or "zh_Hant")}, owner_id=current_user.id)
    audit.record("request_export", object_type="background_job", object_id=job.id, kind=kind, round_id=rnd.id)
    db.session.commit()
    flash(_("The file is being prepared; it will be ready to download below."), "success")
    return redirect(url_for("admin.background", _anchor=f"job-{job.id}"))


@bp.route("/rounds/<int:round_id>/exports/proposals", methods=["POST"])
def export_proposals(round_id: int):
    return _export(round_id, "proposals")


@bp.route("/rounds/<int:round_id>/exports/score-matrix", methods=["POST"])
def export_score_matrix(round_id: int):
    return _export(round_id, "score-matrix")


@bp.route("/rounds/<int:round_id>/exports/score-sheets", methods=["POST"])
def export_score_sheets(round_id: int):
    return _export(round_id, "score-sheets")


@bp.route("/background/jobs/<int:job_id>/download")
def background_download(job_id: int):
    job = db.session.get(Job, job_id) or abort(404)
    data = jobs.result_bytes(job)
    if data is None:
        abort(404)
    return downloads.download(data, filename=job.result_name or f"job-{job.id}",
                              mimetype=background_exports.mimetype(job.result_name or ""))
