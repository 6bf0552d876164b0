"""The reviewer's pages: assigned proposals, the conflict declaration (回避聲明), the blind
proposal view, the score form and the score sheets (評分表)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from grants.extensions import db
from grants.models import (
    Assignment,
    ConflictDeclaration,
    Proposal,
    Review,
    ReviewStatus,
    Round,
    Stage,
    utcnow,
)
from grants.platform import refusals
from grants.platform.permissions import (
    can_view_proposal_as_reviewer,
    conflict_declaration,
    is_assigned,
    review_window_open,
)
from grants.platform.web import reviewer as bp
from grants.review import operations as review_ops
from grants.review import rubrics as rubric_ops
from grants.review.forms import DeclarationForm, names, score_form_class
from grants.review.score_sheets import pdf_response, score_sheet_pdf
from grants.rules import rubric as rubric_core
from grants.rules.refusal import Refusal


def _lang() -> str:
    return rubric_core.normalize_lang(str(get_locale() or "zh_Hant"))


def _state_labels() -> dict[str, str]:
    return {"not_started": _("Not started"), "draft": _("Draft"), "submitted": _("Submitted"),
            "conflict": _("Conflict declared"), "undeclared": _("Declaration needed")}


# --------------------------------------------------------------------- dashboard


def _my_rows():
    """The reviewer's written-stage proposals (assigned or declared conflicted), with state."""
    assigned = db.session.execute(
        select(Assignment.proposal_id).where(Assignment.reviewer_id == current_user.id,
                                             Assignment.stage == Stage.written)
    ).scalars().all()
    declarations = {d.proposal_id: d for d in db.session.scalars(
        select(ConflictDeclaration).where(ConflictDeclaration.reviewer_id == current_user.id))}
    ids = set(assigned) | {pid for pid, d in declarations.items() if d.has_conflict}
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.id.in_(ids)).options(selectinload(Proposal.round))
        .order_by(Proposal.round_id, Proposal.blind_code, Proposal.id)
    ).all() if ids else []
    reviews = {r.proposal_id: r for r in db.session.scalars(
        select(Review).where(Review.reviewer_id == current_user.id, Review.stage == Stage.written))}
    rows = []
    for p in proposals:
        d = declarations.get(p.id)
        review = reviews.get(p.id)
        if d is not None and d.has_conflict:
            state = "conflict"
        elif d is None:
            state = "undeclared"
        elif review is None:
            state = "not_started"
        else:
            state = review.status.value
        rows.append({"proposal": p, "state": state, "review": review, "round": p.round})
    return rows


@bp.route("/")
def dashboard():
    rows = _my_rows()
    active = [r for r in rows if r["state"] != "conflict"]
    rounds = {}
    for r in rows:
        rounds.setdefault(r["round"].id, r["round"])
    now = utcnow()
    windows = []
    for rnd in rounds.values():
        left = None
        if rnd.review_closes_at and now < rnd.review_closes_at:
            left = rnd.review_closes_at - now
        windows.append({"round": rnd, "open": review_window_open(rnd, now), "left": left,
                        "not_yet": bool(rnd.review_opens_at and now < rnd.review_opens_at),
                        "submitted": sum(1 for r in active if r["round"].id == rnd.id and r["state"] == "submitted")})
    done = sum(1 for r in active if r["state"] == "submitted")
    return render_template("review/dashboard.html", rows=rows, done=done, total=len(active), windows=windows,
                           state_labels=_state_labels(), roadshows=_my_roadshows())


def _my_roadshows() -> list[dict]:
    """The rounds whose roadshow panel the reviewer sits on, with their submitted roadshow sheets."""
    round_ids = set(db.session.scalars(select(Assignment.round_id).where(
        Assignment.reviewer_id == current_user.id, Assignment.stage == Stage.roadshow).distinct()))
    if not round_ids:
        return []
    sheets = db.session.execute(
        select(Review, Proposal).join(Proposal, Proposal.id == Review.proposal_id)
        .where(Review.reviewer_id == current_user.id, Review.stage == Stage.roadshow,
               Review.status == ReviewStatus.submitted, Proposal.round_id.in_(round_ids))
        .order_by(Review.submitted_at, Review.id)).all()
    out = []
    for rnd in db.session.scalars(select(Round).where(Round.id.in_(round_ids)).order_by(Round.edition.desc())):
        out.append({"round": rnd, "live": rnd.roadshow_current_id is not None,
                    "sheets": [{"proposal": p, "review": r} for r, p in sheets if p.round_id == rnd.id]})
    return out


# ---------------------------------------------------------------------- loading


def _load_proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


def _viewable(proposal_id: int):
    """The proposal if the reviewer may see it; a redirect to the declaration if they still
    have to declare; 404 otherwise (a reviewer does not learn about other proposals)."""
    proposal = _load_proposal(proposal_id)
    if can_view_proposal_as_reviewer(current_user, proposal):
        return proposal, None
    if is_assigned(current_user, proposal) and conflict_declaration(current_user, proposal) is None:
        return proposal, redirect(url_for("reviewer.declaration", proposal_id=proposal.id))
    abort(404)


# ---------------------------------------------------------------- declaration


@bp.route("/proposals/<int:proposal_id>/declaration", methods=["GET", "POST"])
def declaration(proposal_id: int):
    proposal = _load_proposal(proposal_id)
    if not is_assigned(current_user, proposal):
        abort(404)
    existing = conflict_declaration(current_user, proposal)
    if existing is not None and not existing.has_conflict and request.method == "GET" \
            and not request.args.get("change"):
        return redirect(url_for("reviewer.proposal", proposal_id=proposal.id))
    form = DeclarationForm()
    if form.validate_on_submit():
        conflict = form.answer.data == "conflict"
        review_ops.declare(current_user, proposal, has_conflict=conflict,
                           relation=form.relation.data or "", note=form.note.data or "")
        db.session.commit()
        if conflict:
            flash(_("Your conflict of interest has been recorded and the administrators informed. "
                    "The proposal has been removed from your list."), "success")
            return redirect(url_for("reviewer.dashboard"))
        flash(_("Thank you. You can now read and score the proposal."), "success")
        return redirect(url_for("reviewer.proposal", proposal_id=proposal.id))
    return render_template("review/declaration.html", proposal=proposal, form=form,
                           blind=proposal.round.blind_review, existing=existing)


# ------------------------------------------------------------------ proposal


def _peer_reviews(proposal: Proposal, own: Review | None) -> list[dict] | None:
    """Peers' totals and comments without names, only when the round reveals them and the
    reviewer has submitted their own review; None otherwise."""
    if not proposal.round.reveal_peer_scores or own is None or own.status != ReviewStatus.submitted:
        return None
    peers = db.session.scalars(
        select(Review).where(Review.proposal_id == proposal.id, Review.stage == Stage.written,
                             Review.reviewer_id != current_user.id, Review.status == ReviewStatus.submitted)
        .order_by(Review.id)
    ).all()
    rubrics = review_ops.reviews_by_rubric_version(peers)
    lang = _lang()
    out = []
    for i, r in enumerate(peers):
        rubric = rubrics[r.rubric_version_id]
        comments = [(c.label.get(lang), r.comments[c.key]) for c in rubric.criteria if r.comments.get(c.key)]
        out.append({"label": _("Reviewer %(letter)s", letter=chr(ord("A") + i % 26)), "total": r.total,
                    "vetoed": r.vetoed, "comments": comments})
    return out


@bp.route("/proposals/<int:proposal_id>")
def proposal(proposal_id: int):
    proposal, redirect_to = _viewable(proposal_id)
    if redirect_to is not None:
        return redirect_to
    own = review_ops.find_review(current_user.id, proposal.id)
    return render_template("review/proposal.html", proposal=proposal, blind=proposal.round.blind_review,
                           own=own, peers=_peer_reviews(proposal, own),
                           window_open=review_window_open(proposal.round))


# -------------------------------------------------------------------- review


def _stored_values(review: Review | None) -> dict:
    if review is None:
        return {"scores": {}, "comments": {}, "veto_answers": {}, "bonus": {}}
    return {"scores": dict(review.scores), "comments": dict(review.comments),
            "veto_answers": dict(review.veto_answers), "bonus": dict(review.bonus)}


def _next_unfinished(after: Proposal) -> int | None:
    rows = [r for r in _my_rows() if r["state"] in ("undeclared", "not_started", "draft")
            and r["round"].id == after.round_id and r["proposal"].id != after.id]
    return rows[0]["proposal"].id if rows else None


def _render_review(proposal, review, rubric, form, *, status=200, conflict=None):
    lang = _lang()
    return render_template(
        "review/review.html", proposal=proposal, review=review, rubric=rubric, form=form, lang=lang,
        names=names, window_open=review_window_open(proposal.round), conflict=conflict,
        max_total=rubric_core.max_total(rubric), bonus_cap=rubric.bonus_cap,
        blind=proposal.round.blind_review,
    ), status


def _conflict_view(proposal, rubric, form, refusal: Refusal | None = None):
    """409: the stored review beside what the reviewer typed (kept in the form)."""
    db.session.rollback()
    stored = review_ops.find_review(current_user.id, proposal.id)
    form.version.data = str(stored.version) if stored else "0"
    refusals.flash_refusal(refusal or Refusal("review_changed"))
    return _render_review(proposal, stored, rubric, form, status=409, conflict=_stored_values(stored) | {
        "total": stored.total if stored else None, "version": stored.version if stored else 0})


@bp.route("/proposals/<int:proposal_id>/review", methods=["GET", "POST"])
def review(proposal_id: int):
    proposal, redirect_to = _viewable(proposal_id)
    if redirect_to is not None:
        return redirect_to
    existing = review_ops.find_review(current_user.id, proposal.id)
    if existing is not None:
        rv = existing.rubric_version
    elif request.method == "GET":  # shown, not stored: the first save stores the default version
        rv = rubric_ops.shown_version(proposal.round_id, Stage.written)
    else:
        rv = rubric_ops.current_version(proposal.round_id, Stage.written)
    rubric = review_ops.rubric_of_version(rv)
    form = score_form_class(rubric, _lang())()
    if request.method == "GET":
        form.fill(**_stored_values(existing))
        form.version.data = str(existing.version) if existing else "0"
        return _render_review(proposal, existing, rubric, form)

    try:
        review_ops.check_window(proposal)
    except Refusal as exc:
        refusals.flash_refusal(exc)
        return _render_review(proposal, existing, rubric, form, status=403)
    if not form.validate_on_submit():
        return _render_review(proposal, existing, rubric, form, status=400)
    action = request.form.get("action", "draft")
    submit = action in ("submit", "submit_next")
    try:
        saved = review_ops.save_review(current_user.id, proposal, rv, form.sheet_input(), submit=submit,
                                       existing=existing, expected_version=form.expected_version())
        # read before the commit expires them (after it, each would be read again from the database)
        submitted_now, total = saved.status == ReviewStatus.submitted, saved.total
        db.session.commit()
    except StaleDataError:
        return _conflict_view(proposal, rubric, form)
    except Refusal as exc:
        if exc.code == "review_changed":
            return _conflict_view(proposal, rubric, form, exc)
        db.session.rollback()
        form.attach(exc)
        return _render_review(proposal, review_ops.find_review(current_user.id, proposal.id), rubric, form,
                              status=400)
    if submitted_now:
        flash(_("Your review has been submitted (total %(total)s). You can revise it until the review window closes.",
                total=total), "success")
    else:
        flash(_("Your draft has been saved."), "success")
    if action.endswith("_next"):
        nxt = _next_unfinished(proposal)
        if nxt is not None:
            return redirect(url_for("reviewer.review", proposal_id=nxt))
        flash(_("You have no more unfinished proposals."), "success")
        return redirect(url_for("reviewer.dashboard"))
    return redirect(url_for("reviewer.review", proposal_id=proposal_id))


# --------------------------------------------------------------- score sheets


@bp.route("/proposals/<int:proposal_id>/score-sheet.pdf")
def score_sheet(proposal_id: int):
    proposal, redirect_to = _viewable(proposal_id)
    if redirect_to is not None:
        return redirect_to
    own = review_ops.find_review(current_user.id, proposal.id)
    if own is None:
        abort(404)
    data = score_sheet_pdf([own], proposal.round, stage_name=_("Written review"))
    return pdf_response(data, f"score-sheet-{proposal.blind_code or proposal.id}.pdf")


@bp.route("/rounds/<int:round_id>/score-sheets.pdf")
def score_sheets(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    reviews = [r for r in db.session.scalars(
        select(Review).join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.round_id == rnd.id, Review.reviewer_id == current_user.id, Review.stage == Stage.written,
               Review.status == ReviewStatus.submitted)
        .options(selectinload(Review.proposal), selectinload(Review.reviewer))
        .order_by(Review.submitted_at, Review.id)
    ) if can_view_proposal_as_reviewer(current_user, r.proposal)]
    if not reviews:
        flash(_("You have no submitted reviews in this round yet."), "warning")
        return redirect(url_for("reviewer.dashboard"))
    data = score_sheet_pdf(reviews, rnd, stage_name=_("Written review"))
    return pdf_response(data, f"score-sheets-{rnd.edition}.pdf")
