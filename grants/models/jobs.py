"""Background work: the job table (the truth about every job), the mail outbox and sent reminders.

The queue (Huey, ``grants.platform.jobs``) carries only a job's id; what a job is, whether it is
waiting, running, done or failed, its attempts, progress, error and result live in ``background_job``,
so a message lost with a killed worker is found again and re-enqueued (see ``jobs.recover``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grants.models.base import Base, utcnow


class Job(Base):
    __tablename__ = "background_job"
    __table_args__ = (Index("ix_background_job_status_run_at", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))  # a handler name, e.g. "publication.render"
    key: Mapped[str | None] = mapped_column(String(200), unique=True)  # one job per key (idempotent enqueue)
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="waiting")  # waiting running done failed
    progress: Mapped[int] = mapped_column(default=0)  # percent
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)  # not before (back-off after a failure)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    worker: Mapped[str | None] = mapped_column(String(120))  # host:pid of the worker running it
    token: Mapped[str | None] = mapped_column(String(32))  # the current attempt's claim
    error: Mapped[str] = mapped_column(Text, default="")
    result_path: Mapped[str | None] = mapped_column(String(300))  # a file in the job result folder
    result_name: Mapped[str | None] = mapped_column(String(200))  # the download's file name
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)


class OutboxMail(Base):
    """One row per mail: written in the transaction that caused it, sent by a job (with retries)."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending sending sent failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class ReminderSent(Base):
    """A reminder goes out once per (kind, recipient, object, occasion): the unique row is the proof."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("kind", "recipient", "object_type", "object_id", "occasion",
                                       name="uq_reminder_sent_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    occasion: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outbox.id", ondelete="SET NULL"))
