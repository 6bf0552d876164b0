"""The admins' pages about one organization: its bars (bar, lift, current and past) and its
history across editions."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.extensions import db
from grants.models import Organization, Sanction, utcnow
from grants.organizations import operations as ops
from grants.organizations import pages
from grants.organizations.forms import BarForm, LiftForm
from grants.platform import localtime, refusals
from grants.platform.web import admin as bp
from grants.rules import sanctions as rules


@bp.route("/organizations/<int:organization_id>/sanctions", methods=["GET", "POST"])
def organization_sanctions(organization_id: int):
    organization = db.session.get(Organization, organization_id) or abort(404)
    form = BarForm()
    if refusals.carry_out(form, lambda: ops.bar(organization, form.starts_on.data, form.ends_on.data,
                                                form.reason.data or "", current_user.id, utcnow())):
        flash(_("The organization has been barred."), "success")
        return redirect(url_for("admin.organization_sanctions", organization_id=organization.id))
    if not form.is_submitted():
        today = localtime.today()
        form.starts_on.data = today
        form.ends_on.data = rules.add_years(today, 3) - timedelta(days=1)
    rows = ops.sanctions_of(organization.id)
    current = ops.in_force([s for s in rows if s.lifted_at is None], localtime.today())
    return render_template("organizations/sanctions.html", organization=organization, form=form, sanctions=rows,
                           current=current, lift_form=LiftForm(formdata=None), today=localtime.today())


@bp.route("/sanctions/<int:sanction_id>/lift", methods=["POST"])
def sanction_lift(sanction_id: int):
    sanction = db.session.get(Sanction, sanction_id) or abort(404)
    form = LiftForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
    else:
        if refusals.commit_or_flash(lambda: ops.lift(sanction, form.reason.data or "", current_user.id,
                                                     utcnow())):
            flash(_("The bar has been lifted."), "success")
    return redirect(url_for("admin.organization_sanctions", organization_id=sanction.organization_id))


@bp.route("/organizations/<int:organization_id>/history")
def organization_history(organization_id: int):
    organization = db.session.get(Organization, organization_id) or abort(404)
    return pages.history_page(organization, for_ngo=False)
