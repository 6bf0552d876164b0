"""Publishing results: the 公示 (notice period), objections, the final 立項名單, the work calendar."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import BooleanField, SelectField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from grants.extensions import db
from grants.models import Award, Objection, ObjectionStatus, Publication, PublicationStatus, Round
from grants.platform import downloads, localtime, refusals
from grants.platform.forms import BaseForm
from grants.platform.web import admin as bp
from grants.publication import objections as objection_ops
from grants.publication import operations as ops
from grants.publication import rendering
from grants.rules import workdays
from grants.rules.refusal import Refusal

OBJECTION_STATUS_LABELS = {
    ObjectionStatus.open: _l("Open"),
    ObjectionStatus.investigating: _l("Under investigation"),
    ObjectionStatus.upheld: _l("Upheld"),
    ObjectionStatus.dismissed: _l("Dismissed"),
}
PUBLICATION_STATUS_LABELS = {
    PublicationStatus.rendering: _l("Preparing the PDF"),
    PublicationStatus.notice: _l("Public notice"),
    PublicationStatus.failed: _l("PDF failed"),
    PublicationStatus.final: _l("Final (award list)"),
}


class CalendarForm(BaseForm):
    text = TextAreaField(_l("Holidays and makeup working days"), validators=[Length(max=50_000)])


class DecisionForm(BaseForm):
    status = SelectField(_l("Status"), validators=[DataRequired()])
    investigation = TextAreaField(_l("Investigation"), validators=[Length(max=20_000)])
    decision = TextAreaField(_l("Decision and reasons"), validators=[Length(max=20_000)])
    withdraw_award = BooleanField(_l("Withdraw this project's award (removed from the final list)"))
    withdraw_reason = TextAreaField(_l("Reason for the withdrawal"), validators=[Optional(), Length(max=2000)])

    def validate_decision(self, field):
        if self.status.data in (ObjectionStatus.upheld.value, ObjectionStatus.dismissed.value) and not field.data.strip():
            raise ValidationError(_("Give the decision and its reasons."))


def _round(round_id: int) -> Round:
    return db.session.get(Round, round_id) or abort(404)


def _status_payload(publication: Publication | None) -> dict:
    if publication is None:
        return {"status": "none", "progress": 0, "done": True}
    if publication.status == PublicationStatus.final:
        done = bool(publication.final_pdf_sha256) or bool(publication.error)
    else:
        done = publication.status != PublicationStatus.rendering
    job = rendering.render_job_of(publication)
    payload = {"status": publication.status.value, "progress": publication.progress, "done": done,
               "error": bool(publication.error)}
    if job is not None:  # the render's progress, from its job
        payload.update(progress=job.progress, job=job.status, attempts=job.attempts, job_id=job.id)
        if job.status == "waiting" and job.attempts:
            payload["retrying"] = True
    return payload


@bp.route("/rounds/<int:round_id>/publication")
def publication(round_id: int):
    rnd = _round(round_id)
    pub = ops.latest_publication(rnd.id)
    rows = ops.current_rows(rnd)
    today = localtime.today()
    preview_period = workdays.notice_period(today, ops.load_calendar(), max(1, rnd.notice_working_days or 1))
    counts = {}
    if pub is not None:
        counts = dict(db.session.execute(
            select(Objection.status, func.count(Objection.id)).where(Objection.publication_id == pub.id)
            .group_by(Objection.status)).all())
    can_publish = pub is None or pub.status == PublicationStatus.failed
    refusal = ops.finalise_refusal(pub, today) if pub else None
    return render_template(
        "publication/publication.html", rnd=rnd, pub=pub, rows=rows, total=ops.rows_total(rows),
        published_total=ops.rows_total(pub.rows) if pub else None, preview_period=preview_period,
        today=today, counts=counts, can_publish=can_publish and bool(rows),
        finalise_refusal=refusals.message(refusal) if refusal else "",
        status_labels=PUBLICATION_STATUS_LABELS, objection_labels=OBJECTION_STATUS_LABELS,
        status=_status_payload(pub), stale=bool(pub and ops.render_is_stale(pub)),
        final_code=ops.final_code(pub) if pub else None,
        withdrawn=db.session.scalars(select(Award).where(Award.round_id == rnd.id, Award.withdrawn.is_(True))).all(),
    )


@bp.route("/rounds/<int:round_id>/publication/status.json")
def publication_status(round_id: int):
    rnd = _round(round_id)
    response = jsonify(_status_payload(ops.latest_publication(rnd.id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/rounds/<int:round_id>/publication/publish", methods=["POST"])
def publication_publish(round_id: int):
    rnd = _round(round_id)
    try:
        pub, spec = ops.publish(rnd)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("admin.publication", round_id=rnd.id))
    rendering.enqueue_render(pub, "notice", spec)
    db.session.commit()
    flash(_("Published: the notice period runs from %(start)s to %(end)s. The PDF is being prepared.",
            start=pub.notice_start.isoformat(), end=pub.notice_end.isoformat()), "success")
    return redirect(url_for("admin.publication", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/publication/render", methods=["POST"])
def publication_retry(round_id: int):
    rnd = _round(round_id)
    pub = ops.latest_publication(rnd.id) or abort(404)
    try:
        kind, spec = ops.retry_render(pub)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc, "warning")
        return redirect(url_for("admin.publication", round_id=rnd.id))
    rendering.enqueue_render(pub, kind, spec)
    db.session.commit()
    flash(_("The PDF is being prepared again."), "success")
    return redirect(url_for("admin.publication", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/publication/finalise", methods=["POST"])
def publication_finalise(round_id: int):
    rnd = _round(round_id)
    pub = ops.latest_publication(rnd.id)
    try:
        spec, _outcome = ops.finalise(pub)
    except Refusal as exc:
        db.session.rollback()
        flash(_("The list cannot be made final: %(reason)s", reason=refusals.message(exc)), "error")
        return redirect(url_for("admin.publication", round_id=rnd.id))
    rendering.enqueue_render(pub, "final", spec)
    db.session.commit()
    flash(_("The award list is final. The final PDF is being prepared; the organizations have been notified."),
          "success")
    return redirect(url_for("admin.publication", round_id=rnd.id))


# --------------------------------------------------------------------------- work calendar


@bp.route("/work-calendar", methods=["GET", "POST"])
def work_calendar():
    form = CalendarForm()
    if request.method == "GET":
        form.text.data = ops.calendar_text()
    if form.validate_on_submit():
        try:
            calendar = ops.save_calendar(form.text.data or "")
        except Refusal as exc:
            db.session.rollback()
            refusals.attach(form, exc, default_field="text")
        else:
            db.session.commit()
            flash(_("The work calendar has been saved (%(holidays)d holidays, %(workdays)d makeup working days).",
                    holidays=len(calendar.holidays), workdays=len(calendar.extra_workdays)), "success")
            return redirect(url_for("admin.work_calendar"))
    return render_template("rounds/work_calendar.html", form=form, known_years=sorted(workdays.KNOWN_YEARS))


# --------------------------------------------------------------------------- objections


@bp.route("/rounds/<int:round_id>/objections")
def objections(round_id: int):
    rnd = _round(round_id)
    rows = db.session.scalars(
        select(Objection).join(Publication, Objection.publication_id == Publication.id)
        .where(Publication.round_id == rnd.id).order_by(Objection.filed_at.desc(), Objection.id.desc())
    ).all()
    return render_template("publication/objections.html", rnd=rnd, objections=rows, labels=OBJECTION_STATUS_LABELS)


def _objection(objection_id: int) -> Objection:
    return db.session.get(Objection, objection_id) or abort(404)


@bp.route("/objections/<int:objection_id>", methods=["GET", "POST"])
def objection_detail(objection_id: int):
    objection = _objection(objection_id)
    pub = objection.publication
    form = DecisionForm(obj=objection if request.method == "GET" else None)
    form.status.choices = [SelectChoice(s.value, str(label)) for s, label in OBJECTION_STATUS_LABELS.items()]
    if request.method == "GET":
        form.status.data = objection.status.value
    award = db.session.scalars(select(Award).where(Award.proposal_id == objection.proposal_id)).first()
    if form.validate_on_submit():
        try:
            withdrawn = objection_ops.decide(
                objection, status=ObjectionStatus(form.status.data), investigation=form.investigation.data or "",
                decision=form.decision.data or "", withdraw_award=form.withdraw_award.data,
                withdraw_reason=form.withdraw_reason.data or "", user_id=current_user.id)
        except Refusal as exc:
            db.session.rollback()
            refusals.flash_refusal(exc)
            return redirect(url_for("admin.objection_detail", objection_id=objection.id))
        db.session.commit()
        flash(_("The objection has been saved."), "success")
        if withdrawn is not None:
            flash(_("The award has been withdrawn; it will not be on the final list."), "warning")
        return redirect(url_for("admin.objection_detail", objection_id=objection.id))
    row = next((r for r in pub.rows if r["proposal_id"] == objection.proposal_id), None)
    return render_template("publication/objection_detail.html", objection=objection, pub=pub, rnd=pub.round, form=form,
                           row=row, award=award, labels=OBJECTION_STATUS_LABELS,
                           final=pub.status == PublicationStatus.final)


@bp.route("/objections/<int:objection_id>/evidence")
def objection_evidence(objection_id: int):
    objection = _objection(objection_id)
    try:
        path = objection_ops.evidence_path(objection)
    except Refusal:
        abort(404)
    if path is None:
        abort(404)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        abort(404)
    response = downloads.download(data, filename=objection.evidence_name or "evidence",
                                  mimetype=objection.evidence_type or "application/octet-stream")
    return response
