"""The roadshow order, awards, publications (公示 / 立項), objections and site settings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Enum, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, utcnow
from grants.models.enums import ObjectionStatus, PublicationStatus


class RoadshowSlot(Base):
    __tablename__ = "roadshow_slot"
    __table_args__ = (UniqueConstraint("round_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    position: Mapped[int | None]  # drawn by lot; None until the draw
    started_at: Mapped[datetime | None]  # the host put it on screen

    proposal = relationship("Proposal")


class Award(Base):
    __tablename__ = "award"
    __table_args__ = (UniqueConstraint("proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    rank: Mapped[int | None]
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    requested: Mapped[Decimal]
    amount: Mapped[Decimal]  # 核定金額
    method: Mapped[str] = mapped_column(String(20), default="rank_order")  # rank_order | max_score | adjusted
    adjustment_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn: Mapped[bool] = mapped_column(default=False)  # e.g. an upheld objection
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    proposal = relationship("Proposal")


class Publication(Base):
    __tablename__ = "publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), index=True)
    status: Mapped[PublicationStatus] = mapped_column(Enum(PublicationStatus, native_enum=False, length=12))
    # what is noticed: "award" (the award list, 立項公示) or "evaluation" (a round's evaluation
    # results, grants.evaluation); every award query filters on it
    kind: Mapped[str] = mapped_column(String(12), default="award", server_default="award", index=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    notice_start: Mapped[date | None]
    notice_end: Mapped[date | None]
    rows: Mapped[list] = mapped_column(JSON, default=list)  # the frozen list as published (plain data)
    data_code: Mapped[str | None] = mapped_column(String(64), index=True)  # SHA-256 of the canonical rows
    audit_head: Mapped[str | None] = mapped_column(String(64))
    pdf_path: Mapped[str | None] = mapped_column(String(300))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    xlsx_path: Mapped[str | None] = mapped_column(String(300))
    progress: Mapped[int] = mapped_column(default=0)  # percent, while rendering
    error: Mapped[str] = mapped_column(Text, default="")
    finalised_at: Mapped[datetime | None]
    # the final list (立項名單), written when the list is made final
    final_rows: Mapped[list | None] = mapped_column(JSON)  # the rows as made final (withdrawn awards left out)
    final_code: Mapped[str | None] = mapped_column(String(64), index=True)  # its footer verification code
    final_audit_head: Mapped[str | None] = mapped_column(String(64))  # hash of the finalise audit entry
    final_pdf_path: Mapped[str | None] = mapped_column(String(300))
    final_pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)

    round = relationship("Round")


class Objection(Base):
    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(200))
    reasons: Mapped[str] = mapped_column(Text)
    evidence_name: Mapped[str | None] = mapped_column(String(200))
    evidence_stored: Mapped[str | None] = mapped_column(String(64), unique=True)
    evidence_type: Mapped[str | None] = mapped_column(String(50))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[ObjectionStatus] = mapped_column(
        Enum(ObjectionStatus, native_enum=False, length=14), default=ObjectionStatus.open
    )
    investigation: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # what makes two objections the same one (grants.publication.objections.fingerprint); None for
    # objections filed with evidence before the column existed
    fingerprint: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    proposal = relationship("Proposal")
    publication = relationship("Publication")


class Setting(Base):
    """Site-wide editable settings, e.g. the working-day calendar for 公示 periods."""

    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
