"""The NGO's own history across editions (its own organization only)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from grants.organizations import pages
from grants.platform.web import applicant as bp


@bp.route("/history")
def history():
    organization = current_user.organization
    if organization is None:
        abort(404)
    return pages.history_page(organization, for_ngo=True)
