"""Outgoing mail: queued during a request, sent only after the transaction commits.

Without MAIL_SERVER the message is written to the log (the development and demo setting).
A failed send is logged and never undoes the action that caused it.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app, g
from sqlalchemy import event

from grants.extensions import db


def queue(to: str, subject, body) -> None:
    """Queue a mail; lazy strings (``lazy_gettext``) are written in the recipient's language."""
    from flask_babel import force_locale

    with force_locale(locale_for(to)):
        subject, body = str(subject), str(body)
    g.setdefault("mail_pending", []).append((to, subject, body))


def _send(to: str, subject: str, body: str) -> None:
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        current_app.logger.info("MAIL to=%s subject=%s\n%s", to, subject, body)
        outbox = current_app.extensions.setdefault("grants_outbox", [])
        outbox.append({"to": to, "subject": subject, "body": body})
        del outbox[:-200]
        return
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
        smtp.send_message(msg)


_listening = False


def _install_listeners() -> None:
    """Once per process: every app shares the one ``db.session`` factory."""
    global _listening
    if _listening:
        return
    _listening = True

    @event.listens_for(db.session, "after_commit")
    def _committed(session):
        from flask import has_app_context

        if has_app_context() and "mail_pending" in g:
            g.setdefault("mail_ready", []).extend(g.pop("mail_pending"))

    @event.listens_for(db.session, "after_soft_rollback")
    def _rolled_back(session, previous_transaction):
        from flask import has_app_context

        if has_app_context() and previous_transaction.parent is None:
            g.pop("mail_pending", None)


def init_app(app) -> None:
    _install_listeners()

    @app.teardown_appcontext
    def _flush(exc):
        for to, subject, body in g.pop("mail_ready", []):
            try:
                _send(to, subject, body)
            except Exception:  # a failed mail never undoes the action
                app.logger.exception("sending mail to %s failed", to)


def locale_for(email: str) -> str:
    """The language to write to this address in: its account's chosen language, else the default."""
    from sqlalchemy import func, select

    from grants.models import User

    chosen = db.session.scalar(select(User.locale).where(func.lower(User.email) == (email or "").lower()).limit(1))
    return chosen or current_app.config["BABEL_DEFAULT_LOCALE"]
