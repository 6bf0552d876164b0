"""Sign in, sign out, NGO registration, setting and changing a password."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from grants.accounts import operations as ops
from grants.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    SetPasswordForm,
)
from grants.extensions import db, limiter
from grants.models import Role, User
from grants.platform import refusals, sessions
from grants.platform.urls import safe_next
from grants.platform.web import auth as bp
from grants.rules.refusal import Refusal


def home_for(user: User) -> str:
    return {
        Role.admin: url_for("admin.dashboard"),
        Role.reviewer: url_for("reviewer.dashboard"),
        Role.applicant: url_for("applicant.dashboard"),
    }[user.role]


def _login_key() -> str:
    return "login:" + (request.form.get("email") or "").strip().lower()


def sign_in(user: User) -> None:
    """A fresh session: the old cookie's contents are dropped, a new server-side token is made."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    sessions.start_session(user)
    login_user(user)


def _account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _failed(response) -> bool:
    return response.status_code != 302  # only failed attempts count; a success redirects


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_account_limit, key_func=_login_key, methods=["POST"], deduct_when=_failed)
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = ops.check_credentials(form.email.data, form.password.data)
        except Refusal as exc:
            refusals.attach(form, exc)
        else:
            sign_in(user)
            ops.record_login(user)
            db.session.commit()
            target = request.args.get("next")
            return redirect(safe_next(target) if target else home_for(user))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        sessions.end_session(current_user)
        db.session.commit()
        logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("public.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = ops.register_organization(
                org_name=form.org_name.data, uscc=form.uscc.data, org_type=form.org_type.data,
                registered_on=form.registered_on.data, rating=form.rating.data, address=form.address.data,
                district=form.district.data, contact_name=form.contact_name.data,
                contact_phone=form.contact_phone.data, email=form.email.data, password=form.password.data)
        except Refusal as exc:
            refusals.attach(form, exc)
        else:
            sign_in(user)
            db.session.commit()
            flash(_("Your organization is registered. Welcome!"), "success")
            return redirect(url_for("applicant.dashboard"))
    return render_template("accounts/register.html", form=form)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    found = ops.token_user(token, "set_password")
    if found is None:
        abort(404)
    record, user = found
    form = SetPasswordForm()
    if form.validate_on_submit():
        ops.set_password(record, user, form.password.data)
        db.session.commit()
        flash(_("Your password is set. Please sign in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("accounts/set_password.html", form=form, user=user)


def _reset_key() -> str:
    return "reset:" + (request.form.get("email") or "").strip().lower()


def _reset_limit_per_account() -> str:
    return current_app.config["RESET_LIMIT_PER_ACCOUNT"]


def _reset_limit_per_address() -> str:
    return current_app.config["RESET_LIMIT_PER_ADDRESS"]


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_reset_limit_per_account, key_func=_reset_key, methods=["POST"])
@limiter.limit(_reset_limit_per_address, methods=["POST"])
def forgot_password():
    """Ask for a reset link by mail. The answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        ops.request_password_reset(form.email.data)
        db.session.commit()
        flash(_("If an account exists for %(email)s, a link to reset its password has been sent there. The link "
                "works once, for %(minutes)s minutes.", email=form.email.data.strip(),
                minutes=ops.RESET_LINK_MINUTES), "info")
        return redirect(url_for("auth.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a reset link (single use, expires; every session ends)."""
    found = ops.token_user(token, ops.RESET_PURPOSE)
    if found is None:
        return render_template("accounts/reset_invalid.html"), 404
    record, user = found
    form = SetPasswordForm()
    if form.validate_on_submit():
        ops.set_password(record, user, form.password.data)
        db.session.commit()
        flash(_("Your password has been changed. Please sign in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("accounts/set_password.html", form=form, user=user, reset=True)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            ops.change_password(user, form.current.data, form.password.data)
        except Refusal as exc:
            refusals.attach(form, exc)
        else:
            sign_in(user)
            db.session.commit()
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(home_for(user))
    return render_template("accounts/change_password.html", form=form)
