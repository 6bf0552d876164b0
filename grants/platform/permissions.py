"""Who may do what: role guards for whole blueprints and object-level predicates, in one place.

Each audience's blueprint is guarded in ``before_request`` (``guard_blueprint``), so a view that
forgets a decorator still cannot leak. Object-level checks (``can_view_organization`` ...)
are called by the views after loading the object.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from grants.models import Role


def guard_blueprint(bp: Blueprint, *roles: Role) -> None:
    @bp.before_request
    def _require_role():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if current_user.role not in roles:
            abort(403)


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.admin)


def can_view_organization(user, organization) -> bool:
    if is_admin(user):
        return True
    return bool(user and user.is_authenticated and user.organization_id == organization.id)


# --------------------------------------------------------------- expert review (專家評審)
# A reviewer reaches a proposal only while assigned to it (Assignment, written stage) and
# after answering the conflict-of-interest declaration (回避聲明) with "no conflict".
# A declared conflict releases the assignment, so access ends on the next request.


def _is_reviewer(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.reviewer)


def is_assigned(user, proposal) -> bool:
    """Assigned to the proposal for the written review."""
    from sqlalchemy import exists, select

    from grants.extensions import db
    from grants.models import Assignment, Stage

    if not _is_reviewer(user):
        return False
    return bool(db.session.scalar(select(exists().where(
        Assignment.proposal_id == proposal.id, Assignment.reviewer_id == user.id,
        Assignment.stage == Stage.written))))


def conflict_declaration(user, proposal):
    """The reviewer's ConflictDeclaration for the proposal, or None."""
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import ConflictDeclaration

    return db.session.scalar(select(ConflictDeclaration).where(
        ConflictDeclaration.reviewer_id == user.id, ConflictDeclaration.proposal_id == proposal.id))


def review_window_open(rnd, now=None) -> bool:
    """The round's written-review window (UTC, server clock): opens_at <= now < closes_at."""
    from grants.models import utcnow

    now = now or utcnow()
    if rnd.review_opens_at is None or rnd.review_closes_at is None:
        return False
    return rnd.review_opens_at <= now < rnd.review_closes_at


def can_view_proposal_as_reviewer(user, proposal) -> bool:
    """Assigned, declared "no conflict" (回避聲明), and not conflicted. Reading stays
    possible after the review window closes (the reviewer may still print the score sheet)."""
    if not is_assigned(user, proposal):
        return False
    declaration = conflict_declaration(user, proposal)
    return bool(declaration is not None and not declaration.has_conflict)


def can_review(user, proposal) -> bool:
    """May write (save, submit, revise) a review: may view it and the window is open."""
    return can_view_proposal_as_reviewer(user, proposal) and review_window_open(proposal.round)


# ------------------------------------------------------------------ proposals (intake)

def owns_proposal(user, proposal) -> bool:
    """The NGO that filed the proposal (any of its member accounts)."""
    return bool(
        user and user.is_authenticated and user.role == Role.applicant
        and user.organization_id is not None and user.organization_id == proposal.organization_id
    )


IDENTITY_DOCUMENTS = {"registration_certificate", "annual_report"}


def can_download_attachment(user, proposal, kind=None) -> bool:
    """Owner, admins, and assigned reviewers who have declared no conflict.

    In a blind round a reviewer never gets the identity documents (registration certificate,
    annual report): they name the organization, and eligibility is the admins' check anyway.
    """
    if not (user and user.is_authenticated):
        return False
    if is_admin(user) or owns_proposal(user, proposal):
        return True
    if not can_view_proposal_as_reviewer(user, proposal):
        return False
    return not (proposal.round.blind_review and str(kind) in IDENTITY_DOCUMENTS)
