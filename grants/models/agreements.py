"""After 立項: grant agreements (資助協議), tranches and payments (分期撥款), budget versions and
changes (預算調整). The rules behind them are pure: grants.rules.tranches, grants.rules.agreements."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Enum, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, utcnow


class AgreementStatus(enum.StrEnum):
    issued = "issued"  # 待簽署: the NGO reviews it, confirms the bank details, uploads the signed scan
    ngo_signed = "ngo_signed"  # 機構已簽署: waiting for the Federation's countersignature
    signed = "signed"  # 已簽訂: under agreement
    withdrawn = "withdrawn"  # 已撤銷 (the award is withdrawn)
    terminated = "terminated"  # 已終止: a failed evaluation (grants.evaluation); refunds can still be recorded
    # (結項, completion, is not a status: the final tranche is still paid after it; it is a passed final
    # Evaluation, grants.evaluation.operations.is_completed)


class BudgetChangeStatus(enum.StrEnum):
    recorded = "recorded"  # under the threshold: in force without approval
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class AgreementTemplate(Base):
    """A round's agreement template and settings (one per round; defaults until an admin saves one)."""

    __tablename__ = "agreement_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), unique=True)
    language: Mapped[str] = mapped_column(String(8), default="zh_Hant")  # the official language of the PDF
    duties: Mapped[str] = mapped_column(Text, default="")  # reporting duties and due dates
    terms: Mapped[str] = mapped_column(Text, default="")  # breach and refund terms
    signing_days: Mapped[int] = mapped_column(default=15)  # working days to sign
    schedule: Mapped[list] = mapped_column(JSON, default=list)  # [["60", "signing"], ...]
    change_threshold: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("10"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Agreement(Base):
    __tablename__ = "agreement"
    __table_args__ = (UniqueConstraint("award_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # 協議編號
    status: Mapped[AgreementStatus] = mapped_column(
        Enum(AgreementStatus, native_enum=False, length=12), default=AgreementStatus.issued)
    amount: Mapped[Decimal]  # the award as agreed
    language: Mapped[str] = mapped_column(String(8), default="zh_Hant")
    duties: Mapped[str] = mapped_column(Text, default="")  # frozen from the template at issue
    terms: Mapped[str] = mapped_column(Text, default="")
    change_threshold: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("10"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_on: Mapped[date]
    deadline: Mapped[date]  # sign by the end of this day (working days from issued_on)
    # bank details (開戶名稱, 開戶銀行, 賬號): shown only to the owning NGO and admins
    bank_account_name: Mapped[str] = mapped_column(String(200), default="")
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    bank_account: Mapped[str] = mapped_column(String(40), default="")
    bank_confirmed_at: Mapped[datetime | None]
    verification_code: Mapped[str | None] = mapped_column(String(64), index=True)
    ngo_signed_at: Mapped[datetime | None]
    signed_budget_version: Mapped[int | None]  # the budget version the NGO signed
    countersigned_on: Mapped[date | None]
    countersigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    stopped_at: Mapped[datetime | None]  # payments stopped
    stop_reason: Mapped[str] = mapped_column(Text, default="")
    refund_demanded: Mapped[Decimal] = mapped_column(default=Decimal(0))  # 退回金額
    refund_reason: Mapped[str] = mapped_column(Text, default="")
    conditions_met: Mapped[list] = mapped_column(JSON, default=list)  # ["signing", "midterm", ...]
    version: Mapped[int] = mapped_column(default=1)

    proposal = relationship("Proposal")
    organization = relationship("Organization")
    award = relationship("Award")
    round = relationship("Round")
    tranches: Mapped[list[Tranche]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="Tranche.position")
    payments: Mapped[list[Payment]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="Payment.id")
    budget_versions: Mapped[list[BudgetVersion]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="BudgetVersion.number")

    __mapper_args__ = {"version_id_col": version}


class Tranche(Base):
    __tablename__ = "tranche"
    __table_args__ = (UniqueConstraint("agreement_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    condition: Mapped[str] = mapped_column(String(12))  # signing | midterm | final
    amount: Mapped[Decimal]
    due_on: Mapped[date | None]  # the day its condition was met

    agreement: Mapped[Agreement] = relationship(back_populates="tranches")


class Payment(Base):
    """Money out (``payment``, against a tranche) or back (``refund`` received)."""

    __tablename__ = "agreement_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    tranche_id: Mapped[int | None] = mapped_column(ForeignKey("tranche.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="payment")  # payment | refund
    amount: Mapped[Decimal]
    paid_on: Mapped[date]
    voucher_no: Mapped[str] = mapped_column(String(60), default="")
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("agreement_file.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None]  # 收款確認 by the NGO
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    agreement: Mapped[Agreement] = relationship(back_populates="payments")
    tranche = relationship("Tranche")


class AgreementFile(Base):
    """A scan: the NGO's signed agreement, the countersigned copy, a payment voucher."""

    __tablename__ = "agreement_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # ngo_signed | countersigned | voucher
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class BudgetVersion(Base):
    __tablename__ = "budget_version"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    lines: Mapped[dict] = mapped_column(JSON, default=dict)  # category -> "amount"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    change_id: Mapped[int | None]  # the budget change that made it (None: the approved budget at issue)

    agreement: Mapped[Agreement] = relationship(back_populates="budget_versions")


class BudgetChange(Base):
    __tablename__ = "budget_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[BudgetChangeStatus] = mapped_column(Enum(BudgetChangeStatus, native_enum=False, length=10))
    base_version: Mapped[int]  # the version it was asked against
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decision_note: Mapped[str] = mapped_column(Text, default="")

    agreement = relationship("Agreement")
