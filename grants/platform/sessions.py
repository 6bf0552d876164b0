"""Server-side login sessions bound into Flask-Login's user id.

Flask keeps its session in a signed cookie, which cannot be revoked by itself. Each login makes a
random token whose SHA-256 is stored in ``user_session``; the cookie carries ``"<user id>:<token>"``.
Logging out or changing the password revokes the row, so an old cookie is dead on its next use;
idle and absolute timeouts are checked on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from grants.extensions import db, login_manager
from grants.models import User, UserSession, utcnow

_TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> None:
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_digest(token), ip=request.remote_addr))
    user._session_token = token


def end_session(user: User) -> None:
    if user._session_token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _digest(user._session_token), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def end_all_sessions(user: User) -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


@login_manager.user_loader
def load_user(user_key: str) -> User | None:
    user_id, _, token = user_key.partition(":")
    if not user_id.isdigit() or not token:
        return None
    row = db.session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == _digest(token), UserSession.user_id == int(user_id))
    ).first()
    if row is None:
        return None
    sess, user = row
    now = utcnow()
    cfg = current_app.config
    if (
        sess.revoked_at is not None
        or not user.active
        or now - sess.last_seen_at > cfg["SESSION_IDLE_TIMEOUT"]
        or now - sess.created_at > cfg["SESSION_ABSOLUTE_TIMEOUT"]
    ):
        return None
    if now - sess.last_seen_at > _TOUCH_EVERY:
        sess.last_seen_at = now
        try:
            db.session.commit()
        except OperationalError:  # best effort: a GET on a busy SQLite skips this touch, never fails
            db.session.rollback()
    user._session_token = token
    return user
