"""Scheduled reminders: each one sent once per (kind, recipient, object, occasion), in the recipient's
language, through the mail outbox.

Providers say who should be reminded of what at a moment; this module makes sure each reminder goes out
once and records it (``reminder_sent``, unique on the five fields: a second scan, or two scans at the
same moment, send nothing more). A stage adds reminders without touching this module: it writes a
``grants/<stage>/reminders.py`` that registers providers with ``@provider("name")``; every such module
is imported when the app is built (``discover``). The post-award stages (agreements, reports due and
overdue, tranches) plug in the same way.

A provider is ``func(now) -> iterable of Reminder`` where ``now`` is an aware UTC datetime; it compares
with the round's dates (stored in UTC) and prints times in local time (``grants.platform.localtime``).
The schedule (``grants.platform.jobs``) enqueues a ``reminders.scan`` job every hour (one per hour, by
its key); the scan asks every provider and sends what is due and not yet sent.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models import ReminderSent, utcnow
from grants.platform import jobs, localtime, mail

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    kind: str  # e.g. "draft_deadline"
    recipient: str  # an e-mail address
    object_type: str  # e.g. "proposal"
    object_id: int
    occasion: str  # e.g. "3d", "1d", "ended": one reminder per occasion
    subject: object  # lazy strings: written in the recipient's language when queued
    body: object


PROVIDERS: dict[str, Callable[[datetime], Iterable[Reminder]]] = {}


def provider(name: str):
    """Register ``func(now) -> iterable of Reminder`` under ``name``."""

    def register(func):
        PROVIDERS[name] = func
        return func

    return register


def discover() -> None:
    """Import every ``grants.<package>.reminders`` module (they register their providers)."""
    import grants

    for info in pkgutil.iter_modules(grants.__path__):
        name = f"grants.{info.name}.reminders"
        if info.ispkg and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def due(now: datetime | None = None) -> list[Reminder]:
    now = now or utcnow()
    out: list[Reminder] = []
    for name, func in sorted(PROVIDERS.items()):
        try:
            out.extend(func(now))
        except Exception:  # one broken provider never stops the others
            LOGGER.exception("reminder provider %s failed", name)
    return out


def already_sent(reminder: Reminder) -> bool:
    return db.session.scalar(select(ReminderSent.id).where(
        ReminderSent.kind == reminder.kind, ReminderSent.recipient == reminder.recipient,
        ReminderSent.object_type == reminder.object_type, ReminderSent.object_id == reminder.object_id,
        ReminderSent.occasion == reminder.occasion)) is not None


def send_due(now: datetime | None = None) -> int:
    """Queue every due reminder not sent before (flushes; the caller commits); returns how many."""
    sent = 0
    for reminder in due(now):
        if already_sent(reminder):
            continue
        try:
            with db.session.begin_nested():  # the unique row first: a concurrent scan loses here
                record = ReminderSent(kind=reminder.kind, recipient=reminder.recipient,
                                      object_type=reminder.object_type, object_id=reminder.object_id,
                                      occasion=reminder.occasion, sent_at=utcnow())
                db.session.add(record)
        except IntegrityError:
            continue
        record.outbox_id = mail.queue(reminder.recipient, reminder.subject, reminder.body).id
        sent += 1
    db.session.flush()
    return sent


@jobs.handler("reminders.scan", label=_l("Send due reminders"), max_attempts=3, backoff=60)
def scan_job(job) -> None:
    count = send_due()
    job.progress = 100
    db.session.commit()
    LOGGER.info("reminders: %d queued", count)


def enqueue_scan() -> None:
    """The schedule's entry: one scan job per local hour (its key), however many schedulers run."""
    jobs.enqueue("reminders.scan", key=f"reminders:{localtime.now():%Y-%m-%dT%H}")


jobs.SCHEDULE.append(enqueue_scan)
