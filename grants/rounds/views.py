"""The Women's Federation staff's pages: rounds, reviewers, organizations."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from grants.extensions import db
from grants.models import Category, Organization, Role, Round, User
from grants.platform import audit
from grants.platform.web import admin as bp
from grants.rounds.forms import RoundForm

ROUND_FIELDS = (
    "edition", "name", "issuer", "description", "funding_pool", "project_cap", "max_proposals_per_org",
    "admin_share_max", "project_start", "project_end", "call_opens_at", "call_closes_at", "screening_closes_at",
    "review_opens_at", "review_closes_at", "roadshow_at", "notice_starts_at", "blind_review", "reveal_peer_scores",
    "publish_panel_names", "notice_working_days", "trim_min_reviews", "score_basis", "veto_policy",
    "disagreement_threshold", "min_score_to_fund", "reviewers_per_proposal", "roadshow_present_minutes",
    "roadshow_qa_minutes",
)


def _criteria_choices(rnd: Round | None) -> list[tuple[str, str]]:
    """The written rubric's criteria (the round's current version, or the shipped default)."""
    from flask_babel import get_locale

    from grants.models import RubricVersion, Stage
    from grants.rules import rubric as rubric_core

    definition = None
    if rnd is not None and rnd.id is not None:
        definition = db.session.scalar(
            select(RubricVersion.definition)
            .where(RubricVersion.round_id == rnd.id, RubricVersion.stage == Stage.written)
            .order_by(RubricVersion.version.desc()).limit(1)
        )
    rubric = rubric_core.rubric_from_dict(definition) if definition else rubric_core.default_written_rubric()
    lang = str(get_locale() or "zh_Hant")
    return [(c.key, c.label.get(lang)) for c in rubric.criteria]


def _round_form(rnd: Round | None) -> RoundForm:
    form = RoundForm(obj=rnd)
    form.set_choices(_criteria_choices(rnd))
    if request.method == "GET" and rnd is not None:
        weights = rnd.stage_weights or {}
        form.written_weight.data = int(weights.get("written", 0))
        form.roadshow_weight.data = int(weights.get("roadshow", 0))
        form.tiebreak_criterion.data = rnd.tiebreak_criterion or ""
    if request.method == "GET" and rnd is None:
        form.required_documents.data = ["registration_certificate", "annual_report"]
    return form


@bp.route("/")
def dashboard():
    rounds = db.session.scalars(select(Round).order_by(Round.edition.desc())).all()
    counts = {
        "organizations": db.session.scalar(select(func.count(Organization.id))),
        "reviewers": db.session.scalar(select(func.count(User.id)).where(User.role == Role.reviewer)),
    }
    return render_template("rounds/admin_home.html", rounds=rounds, counts=counts)


@bp.route("/rounds")
def rounds():
    rows = db.session.scalars(select(Round).options(selectinload(Round.categories)).order_by(Round.edition.desc())).all()
    return render_template("rounds/rounds.html", rounds=rows)


def _edition_taken(edition: int, round_id: int | None) -> bool:
    query = select(Round.id).where(Round.edition == edition)
    if round_id is not None:
        query = query.where(Round.id != round_id)
    return db.session.scalar(query) is not None


def _apply_round_form(form: RoundForm, rnd: Round) -> None:
    for name in ROUND_FIELDS:
        value = getattr(form, name).data
        setattr(rnd, name, value.strip() if isinstance(value, str) else value)
    rnd.stage_weights = form.stage_weights()
    rnd.tiebreak_criterion = form.tiebreak_criterion.data or None
    rnd.required_documents = list(form.required_documents.data or [])
    existing = {c.name: c for c in rnd.categories}
    kept = []
    for position, (name, quota) in enumerate(form.category_rows()):
        category = existing.pop(name, None) or Category(name=name)
        category.quota = quota
        category.position = position
        kept.append(category)
    rnd.categories = kept


@bp.route("/rounds/new", methods=["GET", "POST"])
def round_new():
    form = _round_form(None)
    if request.method == "GET":
        while len(form.categories) < 4:
            form.categories.append_entry()
    if form.validate_on_submit():
        if _edition_taken(form.edition.data, None):
            form.edition.errors.append(_("A round with this edition number already exists."))
        else:
            rnd = Round()
            _apply_round_form(form, rnd)
            db.session.add(rnd)
            db.session.flush()
            audit.record("create_round", rnd, edition=rnd.edition, name=rnd.name)
            db.session.commit()
            flash(_("The round has been created."), "success")
            return redirect(url_for("admin.rounds"))
    return render_template("rounds/round_form.html", form=form, rnd=None)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
def round_edit(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    form = _round_form(rnd)
    if request.method == "GET":
        form.categories.append_entry()  # one blank row for a new category
    if form.validate_on_submit():
        if int(request.form.get("version", "0") or 0) != rnd.version:
            flash(_("Someone else changed this round while you were editing. Your changes were not saved: "
                    "review the current values below and apply your changes again."), "error")
            return render_template("rounds/round_form.html", form=form, rnd=rnd, conflict=True), 409
        if _edition_taken(form.edition.data, rnd.id):
            form.edition.errors.append(_("A round with this edition number already exists."))
        else:
            _apply_round_form(form, rnd)
            audit.record("update_round", rnd, edition=rnd.edition)
            try:
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                abort(409)
            flash(_("The round has been saved."), "success")
            return redirect(url_for("admin.rounds"))
    return render_template("rounds/round_form.html", form=form, rnd=rnd)










@bp.route("/rounds/<int:round_id>")
def round_detail(round_id: int):
    """The round's hub: its figures and a link to every stage of the work."""
    from grants.models import Proposal, ProposalStatus

    rnd = db.session.get(Round, round_id) or abort(404)
    by_status = dict(
        db.session.execute(
            select(Proposal.status, func.count(Proposal.id)).where(Proposal.round_id == rnd.id).group_by(Proposal.status)
        ).all()
    )
    return render_template("rounds/round_detail.html", rnd=rnd, by_status=by_status, statuses=list(ProposalStatus))
