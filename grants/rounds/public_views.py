"""Pages anyone can see: the home page and the language switch."""

from flask import current_app, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import select

from grants.extensions import db
from grants.models import Round
from grants.platform.urls import safe_next
from grants.platform.web import public as bp


@bp.route("/")
def home():
    rounds = db.session.scalars(select(Round).order_by(Round.edition.desc())).all()
    return render_template("rounds/home.html", rounds=rounds)


@bp.route("/language", methods=["POST"])
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))
