"""The NGO's pages."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from grants.extensions import db
from grants.models import Role, Round
from grants.permissions import guard_blueprint

bp = Blueprint("applicant", __name__, url_prefix="/applicant")
guard_blueprint(bp, Role.applicant)


@bp.route("/")
def dashboard():
    rounds = db.session.scalars(select(Round).order_by(Round.edition.desc())).all()
    return render_template("applicant/dashboard.html", organization=current_user.organization, rounds=rounds)
