"""Outgoing mail, through the outbox and the job queue.

``queue(to, subject, body)`` writes the mail, in the recipient's language, as a ``mail_outbox`` row in
the caller's transaction (an action that rolls back sends nothing) and enqueues a ``mail.send`` job,
handed to the queue after the commit. The job sends it, retrying with back-off (1, 2, 4, 8, 16
minutes); a mail that still fails is marked failed and listed on the admins' background-work page,
never dropped. A sent row is never sent again, so a job that runs twice sends one mail; each mail
carries a Message-ID made from its outbox id, so even a resend after a crash between the server's
acceptance and our commit is recognisable as the same mail.

Without MAIL_SERVER the message is written to the log (the development and demo setting).
"""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage

from flask import current_app
from flask_babel import lazy_gettext as _l

from grants.extensions import db
from grants.models import OutboxMail, utcnow
from grants.platform import jobs


def queue(to: str, subject, body) -> OutboxMail:
    """Queue a mail; lazy strings (``lazy_gettext``) are written in the recipient's language."""
    from flask_babel import force_locale

    with force_locale(locale_for(to)):
        subject, body = str(subject), str(body)
    row = OutboxMail(to=to, subject=subject[:500], body=body, status="pending", attempts=0, last_error="",
                     created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    jobs.enqueue("mail.send", {"outbox_id": row.id}, key=f"mail:{row.id}")
    return row


def queue_many(messages: list[tuple[str, object, object]]) -> list[OutboxMail]:
    """:func:`queue` for many ``(to, subject, body)`` at once: the same rows and jobs, with one query for the
    recipients' languages (only when a subject or body is a lazy string), one flush for the outbox rows and
    one for their jobs, instead of a handful of statements per mail."""
    from flask_babel import force_locale

    lazy = [to for to, subject, body in messages if type(subject) is not str or type(body) is not str]
    locales = locales_for(lazy) if lazy else {}
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    rows = []
    now = utcnow()
    for to, subject, body in messages:
        if type(subject) is not str or type(body) is not str:
            with force_locale(locales.get((to or "").lower()) or default):
                subject, body = str(subject), str(body)
        rows.append(OutboxMail(to=to, subject=subject[:500], body=body, status="pending", attempts=0,
                               last_error="", created_at=now))
    if rows:
        db.session.add_all(rows)
        db.session.flush()
        jobs.enqueue_many("mail.send", [({"outbox_id": row.id}, f"mail:{row.id}") for row in rows])
    return rows


def _send(to: str, subject: str, body: str, message_id: str) -> None:
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
    msg["Message-ID"] = message_id
    msg.set_content(body)
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
        smtp.send_message(msg)


def _mark_failed(job) -> None:
    row = db.session.get(OutboxMail, job.args.get("outbox_id"))
    if row is not None and row.status != "sent":
        row.status = "failed"


@jobs.handler("mail.send", label=_l("Send a mail"), max_attempts=6, backoff=60, on_failure=_mark_failed)
def send_job(job) -> None:
    row = db.session.get(OutboxMail, job.args["outbox_id"])
    if row is None or row.status == "sent":
        return  # already sent (the job ran twice): one mail
    row.attempts += 1
    row.status = "pending"
    db.session.commit()
    domain = current_app.config["MAIL_SENDER"].rpartition("@")[2] or socket.gethostname()
    try:
        _send(row.to, row.subject, row.body, f"<outbox-{row.id}@{domain}>")
    except Exception as exc:
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        db.session.commit()
        raise
    row.status = "sent"
    row.sent_at = utcnow()
    row.last_error = ""
    db.session.commit()


def init_app(app) -> None:
    """Nothing to set up any more: the outbox and the job queue (``grants.platform.jobs``) do the work."""


def locale_for(email: str) -> str:
    """The language to write to this address in: its account's chosen language, else the default."""
    from sqlalchemy import func, select

    from grants.models import User

    chosen = db.session.scalar(select(User.locale).where(func.lower(User.email) == (email or "").lower()).limit(1))
    return chosen or current_app.config["BABEL_DEFAULT_LOCALE"]


def locales_for(emails: list[str]) -> dict[str, str]:
    """:func:`locale_for` of many addresses in one query per 500: lower-cased address -> the account's
    chosen language (addresses without an account, or without a choice, are left out)."""
    from sqlalchemy import func, select

    from grants.models import User

    wanted = sorted({(e or "").lower() for e in emails})
    out: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        rows = db.session.execute(select(func.lower(User.email), User.locale)
                                  .where(func.lower(User.email).in_(wanted[start:start + 500])))
        for email, locale in rows:
            if locale and email not in out:
                out[email] = locale
    return out
