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
