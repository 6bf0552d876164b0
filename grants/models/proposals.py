"""Proposals (申報書) with their repeatable sections, attachments, status history and screening."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Enum, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, utcnow
from grants.models.enums import AttachmentKind, BudgetCategory, ProposalStatus, ScreeningOutcome


class Proposal(Base):
    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)  # e.g. HZ-2026-08-0042
    blind_code: Mapped[str | None] = mapped_column(String(16))  # what a blind reviewer sees, e.g. P-0042
    status: Mapped[ProposalStatus] = mapped_column(
        Enum(ProposalStatus, native_enum=False, length=20), default=ProposalStatus.draft, index=True
    )
    name: Mapped[str] = mapped_column(String(200), default="")
    districts: Mapped[list] = mapped_column(JSON, default=list)
    target_groups: Mapped[list] = mapped_column(JSON, default=list)
    beneficiaries: Mapped[int | None]
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    need: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    requested: Mapped[Decimal | None]
    matching_funds: Mapped[Decimal | None]
    budget_total: Mapped[Decimal | None]  # computed by the server from the lines
    submitted_at: Mapped[datetime | None]
    revision_deadline: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organization = relationship("Organization")
    round = relationship("Round")
    category = relationship("Category")
    activities: Mapped[list[ActivityRow]] = relationship(
        cascade="all, delete-orphan", order_by="ActivityRow.position", back_populates="proposal"
    )
    outcomes: Mapped[list[OutcomeRow]] = relationship(
        cascade="all, delete-orphan", order_by="OutcomeRow.position", back_populates="proposal"
    )
    team: Mapped[list[TeamMember]] = relationship(
        cascade="all, delete-orphan", order_by="TeamMember.position", back_populates="proposal"
    )
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        cascade="all, delete-orphan", order_by="BudgetLine.position", back_populates="proposal"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        cascade="all, delete-orphan", order_by="Attachment.id", back_populates="proposal"
    )
    events: Mapped[list[ProposalEvent]] = relationship(
        cascade="all, delete-orphan", order_by="ProposalEvent.id", back_populates="proposal"
    )
    screening: Mapped[Screening | None] = relationship(back_populates="proposal", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class ActivityRow(Base):
    __tablename__ = "proposal_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    month: Mapped[str] = mapped_column(String(20), default="")
    activity: Mapped[str] = mapped_column(Text, default="")
    output: Mapped[str] = mapped_column(Text, default="")
    proposal: Mapped[Proposal] = relationship(back_populates="activities")


class OutcomeRow(Base):
    __tablename__ = "proposal_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    indicator: Mapped[str] = mapped_column(String(300), default="")
    target: Mapped[str] = mapped_column(String(100), default="")
    measure: Mapped[str] = mapped_column(String(300), default="")
    proposal: Mapped[Proposal] = relationship(back_populates="outcomes")


class TeamMember(Base):
    __tablename__ = "proposal_team_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(100), default="")
    qualification: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[int | None]
    proposal: Mapped[Proposal] = relationship(back_populates="team")


class BudgetLine(Base):
    __tablename__ = "proposal_budget_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    category: Mapped[BudgetCategory] = mapped_column(Enum(BudgetCategory, native_enum=False, length=20))
    item: Mapped[str] = mapped_column(String(200), default="")
    unit_price: Mapped[Decimal]
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    subtotal: Mapped[Decimal]  # unit_price × quantity, computed by the server
    proposal: Mapped[Proposal] = relationship(back_populates="budget_lines")


class Attachment(Base):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(Enum(AttachmentKind, native_enum=False, length=30))
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  # server-generated
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    proposal: Mapped[Proposal] = relationship(back_populates="attachments")


class ProposalEvent(Base):
    """The status timeline an NGO sees."""

    __tablename__ = "proposal_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    status: Mapped[ProposalStatus] = mapped_column(Enum(ProposalStatus, native_enum=False, length=20))
    note: Mapped[str] = mapped_column(Text, default="")
    proposal: Mapped[Proposal] = relationship(back_populates="events")


class Screening(Base):
    """資格審查: the checklist and the outcome."""

    __tablename__ = "screening"
    __table_args__ = (UniqueConstraint("proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)
    outcome: Mapped[ScreeningOutcome] = mapped_column(Enum(ScreeningOutcome, native_enum=False, length=10))
    reason: Mapped[str] = mapped_column(Text, default="")
    revision_deadline: Mapped[datetime | None]
    screened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    screened_at: Mapped[datetime] = mapped_column(default=utcnow)
    proposal: Mapped[Proposal] = relationship(back_populates="screening")
