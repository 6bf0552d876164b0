"""Accounts: checking a password at sign-in, registering an organization, creating a reviewer
with a one-time link to set the password, setting and changing a password.

Each operation changes models, flushes and writes the audit log; none commits. Mail is queued
(grants.platform.mail) and leaves only after the caller commits. A refused request raises
:class:`grants.rules.refusal.Refusal` (codes in the "accounts" section of grants.platform.refusals).
The web session (signing in, cookies) stays in the views.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models import OneTimeToken, Organization, ReviewerAffiliation, Role, User, utcnow
from grants.platform import audit, mail, passwords, sessions
from grants.rules.refusal import Problem, Refusal

PASSWORD_LINK_DAYS = 7
RESET_LINK_MINUTES = 60
RESET_PURPOSE = "reset_password"


def _email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None


# --------------------------------------------------------------------------- signing in
def check_credentials(email: str, password: str) -> User:
    """The active account with this email and password (its hash upgraded when the policy
    changed); refused with one message whatever is wrong, so nobody learns which emails exist."""
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    # verify even for an unknown account, so timing does not tell which emails exist
    password_ok = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not user.active or not password_ok:
        raise Refusal("login_failed", field="password")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def record_login(user: User) -> None:
    """Audit a sign-in (after the session is started, so the entry names the user as actor)."""
    audit.record("login", user)


# --------------------------------------------------------------------------- organizations
def _uscc_taken(uscc: str) -> bool:
    return db.session.scalar(select(Organization.id).where(Organization.uscc == uscc)) is not None


def register_organization(*, org_name: str, uscc: str, org_type: str, registered_on, rating: str, address: str,
                          district: str, contact_name: str, contact_phone: str, email: str,
                          password: str) -> User:
    """A new organization and its contact person's applicant account (refused when the code or
    the email is already registered: both problems at once)."""
    email = email.strip().lower()
    problems = []
    if _uscc_taken(uscc):
        problems.append(Problem("uscc", "uscc_taken"))
    if _email_taken(email):
        problems.append(Problem("email", "email_taken"))
    if problems:
        raise Refusal.of(problems)
    org = Organization(name=org_name.strip(), uscc=uscc, org_type=org_type, registered_on=registered_on,
                       rating=rating, address=address.strip(), district=district,
                       contact_name=contact_name.strip(), contact_phone=contact_phone, contact_email=email)
    user = User(email=email, name=contact_name.strip(), role=Role.applicant, organization=org,
                password_hash=passwords.hash_password(password), password_changed_at=utcnow())
    try:
        with db.session.begin_nested():  # the same registration sent twice at the same instant: one row
            db.session.add_all([org, user])
            db.session.flush()
    except IntegrityError:
        taken = []
        if _uscc_taken(uscc):
            taken.append(Problem("uscc", "uscc_taken"))
        if _email_taken(email):
            taken.append(Problem("email", "email_taken"))
        raise Refusal.of(taken or [Problem("uscc", "uscc_taken")]) from None
    audit.record("register_organization", org, actor_id=user.id, uscc=org.uscc)
    return user


# --------------------------------------------------------------------------- reviewers
def issue_password_link(user: User) -> str:
    """A one-time link (valid ``PASSWORD_LINK_DAYS`` days) to set the account's password; only
    the token's hash is stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(OneTimeToken(user_id=user.id, purpose="set_password",
                                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                expires_at=utcnow() + timedelta(days=PASSWORD_LINK_DAYS)))
    db.session.flush()
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("auth.set_password", token=token)


def expertise_tags(text: str | None) -> str:
    """"婦女發展，兒童關愛, 財務" -> "婦女發展, 兒童關愛, 財務" (full-width commas accepted)."""
    return ", ".join(t.strip() for t in (text or "").replace("，", ",").split(",") if t.strip())


def create_reviewer(*, email: str, name: str, title: str | None = None, employer: str | None = None,
                    expertise: str | None = None, affiliation_ids=()) -> User:
    """A reviewer account without a password, its declared ties with organizations, and an
    e-mail with the link to set the password (sent once the caller commits)."""
    email = email.strip().lower()
    if _email_taken(email):
        raise Refusal("email_taken", field="email")
    user = User(email=email, name=name.strip(), role=Role.reviewer, title=(title or "").strip() or None,
                employer=(employer or "").strip() or None, expertise=expertise_tags(expertise))
    user.affiliations = [ReviewerAffiliation(organization_id=org_id) for org_id in affiliation_ids]
    try:
        with db.session.begin_nested():  # the same reviewer added twice at the same instant: one account
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        raise Refusal("email_taken", field="email") from None
    link = issue_password_link(user)
    audit.record("create_reviewer", user, email=email)
    mail.queue(
        email,
        _l("Your reviewer account on the venture philanthropy platform"),
        _l("Dear %(name)s, an account has been created for you. Set your password here (valid for 7 days): %(link)s",
           name=user.name, link=link),
    )
    return user


# --------------------------------------------------------------------------- passwords
def request_password_reset(email: str) -> bool:
    """Mail a one-time link (valid ``RESET_LINK_MINUTES``) to reset the password of the active
    account with this email; earlier unused reset links of the account stop working. Returns
    whether a mail was queued -- the caller must NOT tell the visitor (the page answers the same
    either way, so nobody learns which addresses have accounts). Only the token's hash is stored."""
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.active:
        return False
    now = utcnow()
    for old in db.session.scalars(select(OneTimeToken).where(
            OneTimeToken.user_id == user.id, OneTimeToken.purpose == RESET_PURPOSE, OneTimeToken.used_at.is_(None))):
        old.used_at = now
    token = secrets.token_urlsafe(32)
    db.session.add(OneTimeToken(user_id=user.id, purpose=RESET_PURPOSE,
                                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                expires_at=now + timedelta(minutes=RESET_LINK_MINUTES)))
    db.session.flush()
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("auth.reset_password", token=token)
    audit.record("request_password_reset", user, actor_id=None)
    mail.queue(
        user.email,
        _l("Reset your password"),
        _l("Someone (hopefully you) asked to reset the password of your account on the venture philanthropy "
           "platform. Choose a new password here within %(minutes)s minutes: %(link)s\n\nIf you did not ask for "
           "this, ignore this mail: your password stays as it is.", minutes=RESET_LINK_MINUTES, link=link),
    )
    return True


def token_user(token: str, purpose: str) -> tuple[OneTimeToken, User] | None:
    """The unused, unexpired one-time token and its account (None: unknown, used or expired)."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = db.session.execute(
        select(OneTimeToken, User).join(User).where(OneTimeToken.token_hash == digest, OneTimeToken.purpose == purpose)
    ).first()
    if row is None or row[0].used_at is not None or row[0].expires_at < utcnow():
        return None
    return row[0], row[1]


def set_password(record: OneTimeToken, user: User, password: str) -> None:
    """Set the password through a one-time link: the link is used up, every session ends."""
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    record.used_at = utcnow()
    sessions.end_all_sessions(user)
    audit.record("set_password", user, actor_id=user.id)


def change_password(user: User, current: str, new: str) -> None:
    """Change one's own password (the current one is checked); every session ends — the caller
    starts a fresh one for this device."""
    if not passwords.verify_password(user.password_hash, current):
        raise Refusal("wrong_password", field="current")
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()
    sessions.end_all_sessions(user)
    audit.record("change_password", user)
