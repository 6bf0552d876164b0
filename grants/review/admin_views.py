"""Admin pages for the expert review: rubrics per round and stage, review progress and
reminders, score sheets of any reviewer."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from grants.extensions import db
from grants.models import Proposal, Review, ReviewStatus, Role, Round, RubricVersion, Stage, User
from grants.platform import downloads, refusals
from grants.platform.forms import BaseForm, parse_id
from grants.platform.web import admin as bp
from grants.review import operations as review_ops
from grants.review import rubrics as rubric_ops
from grants.rules import rubric as rubric_core
from grants.rules.refusal import Refusal

MAX_RUBRIC_BYTES = 200_000


class RubricForm(BaseForm):
    definition = TextAreaField(_l("Rubric (JSON)"), validators=[Optional(), Length(max=MAX_RUBRIC_BYTES)],
                               render_kw={"rows": 18, "spellcheck": "false", "class": "mono", "translate": "no"})
    upload = FileField(_l("…or upload a JSON file"), validators=[Optional()])

    def uploaded(self) -> bool:
        storage = self.upload.data
        return bool(storage and getattr(storage, "filename", ""))

    def rubric_text(self) -> str:
        """The rubric JSON, from the uploaded file or the text box; refuses (``Refusal``, on the
        field concerned) a file that is too large or not UTF-8, and an empty box."""
        if self.uploaded():
            raw = self.upload.data.read(MAX_RUBRIC_BYTES + 1)
            if len(raw) > MAX_RUBRIC_BYTES:
                raise Refusal("rubric_file_too_large", field="upload")
            try:
                return raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise Refusal("rubric_file_not_utf8", field="upload") from None
        text = (self.definition.data or "").strip()
        if not text:
            raise Refusal("rubric_text_missing", field="definition")
        return text


def _lang() -> str:
    return rubric_core.normalize_lang(str(get_locale() or "zh_Hant"))


def _stage_or_404(stage: str) -> Stage:
    try:
        return Stage(stage)
    except ValueError:
        abort(404)


def _stage_view(rnd: Round, stage: Stage, form: RubricForm | None = None) -> dict:
    rv = rubric_ops.shown_version(rnd.id, stage)
    uses = dict(db.session.execute(
        select(Review.rubric_version_id, func.count(Review.id))
        .join(RubricVersion, RubricVersion.id == Review.rubric_version_id)
        .where(RubricVersion.round_id == rnd.id, RubricVersion.stage == stage)
        .group_by(Review.rubric_version_id)).all())
    versions = db.session.scalars(select(RubricVersion).where(
        RubricVersion.round_id == rnd.id, RubricVersion.stage == stage).order_by(RubricVersion.version)).all()
    if form is None:
        form = RubricForm(prefix=stage.value, formdata=None)
        form.definition.data = rubric_core.dumps_rubric(rubric_ops.rubric_of(rv))
    return {"stage": stage, "rv": rv, "rubric": rubric_ops.rubric_of(rv), "frozen": bool(uses.get(rv.id)),
            "uses": uses, "versions": versions, "form": form,
            "max_total": rubric_core.max_total(rubric_ops.rubric_of(rv))}


STAGE_LABELS = {Stage.written: _l("Written review"), Stage.roadshow: _l("Roadshow")}


@bp.route("/rounds/<int:round_id>/rubrics", methods=["GET", "POST"])
def rubrics(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    forms: dict[Stage, RubricForm] = {}
    status = 200
    if request.method == "POST":
        stage = _stage_or_404(request.form.get("stage", ""))
        form = RubricForm(prefix=stage.value)
        if form.validate_on_submit():
            try:
                text = form.rubric_text()
            except Refusal as exc:
                refusals.attach(form, exc)
            else:
                try:
                    rubric = rubric_core.loads_rubric(text)
                except rubric_core.RubricError as exc:
                    # every problem, by key path, under the box or the file it came from
                    form.definition.data = text
                    target = form.upload if form.uploaded() else form.definition
                    target.errors = [*list(target.errors or ()), *refusals.messages(exc)]
                else:
                    rv, created = rubric_ops.save_rubric(rnd.id, stage, rubric)
                    db.session.commit()
                    if created:
                        flash(_("Reviews already use version %(old)s, so your edit was saved as version %(new)s. "
                                "New reviews use it; existing reviews keep their version.",
                                old=rv.version - 1, new=rv.version), "success")
                    else:
                        flash(_("The rubric has been saved (version %(n)s).", n=rv.version), "success")
                    return redirect(url_for("admin.rubrics", round_id=rnd.id, _anchor=f"stage-{stage.value}"))
        forms[stage] = form
        status = 400
    stages = [_stage_view(rnd, stage, forms.get(stage)) for stage in Stage]
    return render_template("review/rubrics.html", rnd=rnd, stages=stages, lang=_lang(),
                           stage_labels=STAGE_LABELS), status


@bp.route("/rounds/<int:round_id>/rubrics/<stage>.json")
def rubric_json(round_id: int, stage: str):
    rnd = db.session.get(Round, round_id) or abort(404)
    stage_ = _stage_or_404(stage)
    version = parse_id(request.args.get("version"))  # not a plain id in range: the shown version
    if version is None:
        rv = rubric_ops.shown_version(rnd.id, stage_)
    else:
        rv = db.session.scalar(select(RubricVersion).where(
            RubricVersion.round_id == rnd.id, RubricVersion.stage == stage_, RubricVersion.version == version))
        if rv is None:
            abort(404)
    body = rubric_core.dumps_rubric(rubric_ops.rubric_of(rv))
    return downloads.download(body.encode("utf-8"), filename=f"rubric-{rnd.edition}-{stage_.value}-v{rv.version}.json",
                              mimetype="application/json")


# ------------------------------------------------------------------- progress


@bp.route("/rounds/<int:round_id>/review-progress")
def review_progress(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    reviewers, proposals = review_ops.progress(rnd.id)
    totals = {
        "assigned": sum(r.assigned for r in reviewers),
        "submitted": sum(r.submitted for r in reviewers),
        "draft": sum(r.draft for r in reviewers),
        "not_started": sum(r.not_started for r in reviewers),
        "conflicts": sum(r.conflicts for r in reviewers),
    }
    return render_template("review/progress.html", rnd=rnd, reviewers=reviewers, proposals=proposals,
                           totals=totals, per_proposal=rnd.reviewers_per_proposal)


@bp.route("/rounds/<int:round_id>/review-progress/remind", methods=["POST"])
def review_reminders(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("reviewer.dashboard")
    sent = review_ops.send_reminders(rnd, url)
    db.session.commit()
    if sent:
        flash(_("A reminder was emailed to %(n)s reviewers.", n=len(sent)), "success")
    else:
        flash(_("Every reviewer has finished: no reminder was sent."), "success")
    return redirect(url_for("admin.review_progress", round_id=rnd.id))


# --------------------------------------------------------------- score sheets


@bp.route("/reviews/<int:review_id>/score-sheet.pdf")
def review_score_sheet(review_id: int):
    from grants.review.score_sheets import pdf_response, score_sheet_pdf

    review = db.session.get(Review, review_id) or abort(404)
    rnd = review.proposal.round
    data = score_sheet_pdf([review], rnd, stage_name=str(STAGE_LABELS[review.stage]))
    return pdf_response(data, f"score-sheet-{review.proposal.blind_code or review.proposal_id}-{review.reviewer_id}.pdf")


@bp.route("/rounds/<int:round_id>/reviewers/<int:reviewer_id>/score-sheets.pdf")
def reviewer_score_sheets(round_id: int, reviewer_id: int):
    from grants.review.score_sheets import pdf_response, score_sheet_pdf

    rnd = db.session.get(Round, round_id) or abort(404)
    reviewer = db.session.get(User, reviewer_id)
    if reviewer is None or reviewer.role != Role.reviewer:
        abort(404)
    reviews = db.session.scalars(
        select(Review).join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.round_id == rnd.id, Review.reviewer_id == reviewer.id, Review.stage == Stage.written,
               Review.status == ReviewStatus.submitted)
        .options(selectinload(Review.proposal), selectinload(Review.reviewer))
        .order_by(Review.submitted_at, Review.id)
    ).all()
    if not reviews:
        flash(_("This reviewer has no submitted reviews in this round."), "warning")
        return redirect(url_for("admin.review_progress", round_id=rnd.id))
    data = score_sheet_pdf(reviews, rnd, stage_name=str(STAGE_LABELS[Stage.written]))
    return pdf_response(data, f"score-sheets-{rnd.edition}-{reviewer.id}.pdf")
