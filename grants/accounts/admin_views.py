"""The admins' pages about people: organizations and the expert pool (reviewer accounts)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from grants.accounts import operations as ops
from grants.accounts.forms import ReviewerForm
from grants.extensions import db
from grants.models import Organization, ReviewerAffiliation, Role, User
from grants.organizations import operations as org_ops
from grants.platform import localtime, refusals
from grants.platform.web import admin as bp


@bp.route("/organizations")
def organizations():
    rows = db.session.scalars(select(Organization).order_by(Organization.name)).all()
    barred = org_ops.bars_by_organization([o.id for o in rows], localtime.today())
    return render_template("accounts/organizations.html", organizations=rows, barred=barred)


@bp.route("/reviewers")
def reviewers():
    rows = db.session.scalars(
        select(User)
        .where(User.role == Role.reviewer)
        .options(selectinload(User.affiliations).selectinload(ReviewerAffiliation.organization))
        .order_by(User.name)
    ).all()
    return render_template("accounts/reviewers.html", reviewers=rows)


@bp.route("/reviewers/new", methods=["GET", "POST"])
def reviewer_new():
    form = ReviewerForm()
    form.affiliations.choices = [SelectChoice(org_id, name) for org_id, name in db.session.execute(
        select(Organization.id, Organization.name).order_by(Organization.name))]
    if refusals.carry_out(form, lambda: ops.create_reviewer(
            email=form.email.data, name=form.name.data, title=form.title.data, employer=form.employer.data,
            expertise=form.expertise.data, affiliation_ids=form.affiliations.data)):
        flash(_("The reviewer account has been created and a link to set the password has been sent."), "success")
        return redirect(url_for("admin.reviewers"))
    return render_template("accounts/reviewer_form.html", form=form)
