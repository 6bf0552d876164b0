"""The reviewer's pages."""

from flask import Blueprint, render_template

from grants.models import Role
from grants.permissions import guard_blueprint

bp = Blueprint("reviewer", __name__, url_prefix="/reviewer")
guard_blueprint(bp, Role.reviewer)


@bp.route("/")
def dashboard():
    return render_template("reviewer/dashboard.html")
