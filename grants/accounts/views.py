"""Sign in, sign out, NGO registration, setting and changing a password."""

from __future__ import annotations

import hashlib

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from grants.accounts.forms import ChangePasswordForm, LoginForm, RegisterForm, SetPasswordForm
from grants.extensions import db, limiter
from grants.models import OneTimeToken, Organization, Role, User, utcnow
from grants.platform import audit, passwords, sessions
from grants.platform.urls import safe_next
from grants.platform.web import auth as bp


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
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        # verify even for an unknown account, so timing does not tell which emails exist
        password_ok = passwords.verify_password(user.password_hash if user else None, form.password.data)
        if user is not None and user.active and password_ok:
            if passwords.needs_rehash(user.password_hash):
                user.password_hash = passwords.hash_password(form.password.data)
            sign_in(user)
            audit.record("login", user)
            db.session.commit()
            target = request.args.get("next")
            return redirect(safe_next(target) if target else home_for(user))
        form.password.errors.append(_("Email or password is incorrect."))
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
        email = form.email.data.strip().lower()
        if db.session.scalar(select(Organization.id).where(Organization.uscc == form.uscc.data)):
            form.uscc.errors.append(
                _("An organization with this code is already registered. Ask its contact person for an account.")
            )
        if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
            form.email.errors.append(_("This email address already has an account."))
        if not form.errors:
            org = Organization(
                name=form.org_name.data.strip(),
                uscc=form.uscc.data,
                org_type=form.org_type.data,
                registered_on=form.registered_on.data,
                rating=form.rating.data,
                address=form.address.data.strip(),
                district=form.district.data,
                contact_name=form.contact_name.data.strip(),
                contact_phone=form.contact_phone.data,
                contact_email=email,
            )
            user = User(
                email=email,
                name=form.contact_name.data.strip(),
                role=Role.applicant,
                organization=org,
                password_hash=passwords.hash_password(form.password.data),
                password_changed_at=utcnow(),
            )
            db.session.add_all([org, user])
            db.session.flush()
            audit.record("register_organization", org, actor_id=user.id, uscc=org.uscc)
            sign_in(user)
            db.session.commit()
            flash(_("Your organization is registered. Welcome!"), "success")
            return redirect(url_for("applicant.dashboard"))
    return render_template("accounts/register.html", form=form)


def _token_user(token: str, purpose: str) -> tuple[OneTimeToken, User]:
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = db.session.execute(
        select(OneTimeToken, User).join(User).where(OneTimeToken.token_hash == digest, OneTimeToken.purpose == purpose)
    ).first()
    if row is None or row[0].used_at is not None or row[0].expires_at < utcnow():
        abort(404)
    return row[0], row[1]


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    record, user = _token_user(token, "set_password")
    form = SetPasswordForm()
    if form.validate_on_submit():
        user.password_hash = passwords.hash_password(form.password.data)
        user.password_changed_at = utcnow()
        record.used_at = utcnow()
        sessions.end_all_sessions(user)
        audit.record("set_password", user, actor_id=user.id)
        db.session.commit()
        flash(_("Your password is set. Please sign in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("accounts/set_password.html", form=form, user=user)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not passwords.verify_password(current_user.password_hash, form.current.data):
            form.current.errors.append(_("The current password is incorrect."))
        else:
            user = current_user._get_current_object()
            user.password_hash = passwords.hash_password(form.password.data)
            user.password_changed_at = utcnow()
            sessions.end_all_sessions(user)
            audit.record("change_password", user)
            sign_in(user)
            db.session.commit()
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(home_for(user))
    return render_template("accounts/change_password.html", form=form)
