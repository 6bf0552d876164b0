"""The admins' pages about people: organizations and the expert pool (reviewer accounts)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from grants.accounts.forms import ReviewerForm
from grants.extensions import db
from grants.models import OneTimeToken, Organization, ReviewerAffiliation, Role, User, utcnow
from grants.platform import audit, mail
from grants.platform.web import admin as bp


@bp.route("/organizations")
def organizations():
    rows = db.session.scalars(select(Organization).order_by(Organization.name)).all()
    return render_template("accounts/organizations.html", organizations=rows)



@bp.route("/reviewers")
def reviewers():
    rows = db.session.scalars(
        select(User)
        .where(User.role == Role.reviewer)
        .options(selectinload(User.affiliations).selectinload(ReviewerAffiliation.organization))
        .order_by(User.name)
    ).all()
    return render_template("accounts/reviewers.html", reviewers=rows)



def issue_password_link(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        OneTimeToken(
            user_id=user.id,
            purpose="set_password",
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=utcnow() + timedelta(days=7),
        )
    )
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("auth.set_password", token=token)



@bp.route("/reviewers/new", methods=["GET", "POST"])
def reviewer_new():
    form = ReviewerForm()
    form.affiliations.choices = [
        SelectChoice(org_id, name) for org_id, name in db.session.execute(select(Organization.id, Organization.name).order_by(Organization.name))
    ]
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
            form.email.errors.append(_("This email address already has an account."))
        else:
            user = User(
                email=email,
                name=form.name.data.strip(),
                role=Role.reviewer,
                title=(form.title.data or "").strip() or None,
                employer=(form.employer.data or "").strip() or None,
                expertise=", ".join(t.strip() for t in (form.expertise.data or "").replace("，", ",").split(",") if t.strip()),
            )
            user.affiliations = [ReviewerAffiliation(organization_id=org_id) for org_id in form.affiliations.data]
            db.session.add(user)
            db.session.flush()
            link = issue_password_link(user)
            audit.record("create_reviewer", user, email=email)
            mail.queue(
                email,
                _l("Your reviewer account on the venture philanthropy platform"),
                _l("Dear %(name)s, an account has been created for you. Set your password here (valid for 7 days): %(link)s",
                  name=user.name, link=link),
            )
            db.session.commit()
            flash(_("The reviewer account has been created and a link to set the password has been sent."), "success")
            return redirect(url_for("admin.reviewers"))
    return render_template("accounts/reviewer_form.html", form=form)

