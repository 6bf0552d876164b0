"""After 立項: the NGO's mid-term and final reports (中期報告 / 結項報告) and their evidence.

A report belongs to one agreement and one kind (mid-term or final).  Its counted outputs are
columns, and the person-times served are rows per target group and district
(``report_served``), so the funder's figures are SQL sums of what projects reported
(grants.dashboards) rather than constants.  The rules (due dates, overdue as a fail,
extensions before the due date only) are pure: grants.rules.reports.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Enum, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, utcnow
from grants.rules.reports import effective_due


class ReportKind(enum.StrEnum):
    midterm = "midterm"  # 中期報告 / 中期評估
    final = "final"  # 結項報告 / 結項評估


class ReportStatus(enum.StrEnum):
    draft = "draft"  # 草稿 (also: not started, no row yet)
    submitted = "submitted"  # 已提交, waiting for the evaluation
    returned = "returned"  # 退回修改, with a reason and a deadline
    accepted = "accepted"  # 已受理: the evaluation has started on it


class TargetGroup(enum.StrEnum):
    """Whom the person-times served were (服務人次按對象)."""

    women = "women"  # 婦女
    children = "children"  # 兒童
    families = "families"  # 家庭
    others = "others"  # 其他


class ReportFileKind(enum.StrEnum):
    photo = "photo"  # 活動照片
    document = "document"  # 活動記錄、簽到表等
    receipt = "receipt"  # 票據
    audit = "audit"  # 審計報告 (final report)


class Report(Base):
    __tablename__ = "project_report"
    __table_args__ = (UniqueConstraint("agreement_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReportKind] = mapped_column(Enum(ReportKind, native_enum=False, length=10))
    status: Mapped[ReportStatus] = mapped_column(
        Enum(ReportStatus, native_enum=False, length=10), default=ReportStatus.draft)
    due_on: Mapped[date]  # from the agreement (its reporting duties)
    # an extension granted by an admin, with a reason, before the due date (grants.rules.reports)
    extended_to: Mapped[date | None]
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    extension_granted_at: Mapped[datetime | None]
    extension_granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    overdue_at: Mapped[datetime | None]  # marked by the scheduled job: counts as a fail
    submitted_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    return_reason: Mapped[str] = mapped_column(Text, default="")
    revision_due_on: Mapped[date | None]  # the deadline of a returned report's revision
    # what was done: one row per timeline row of the proposal
    # [{"position": 0, "month": "...", "planned": "...", "done": "...", "state": "done|partly|not_done"}]
    activities: Mapped[list] = mapped_column(JSON, default=list)
    sessions_held: Mapped[int | None]  # 活動場次
    volunteers: Mapped[int | None]  # 志願者人數
    volunteer_hours: Mapped[Decimal | None] = mapped_column(Numeric(12, 1))  # 志願服務時數
    # each outcome indicator of the proposal with its target and the actual value
    # [{"position": 0, "indicator": "...", "target": "...", "actual": "...", "note": "..."}]
    indicators: Mapped[list] = mapped_column(JSON, default=list)
    # spending per budget category against the approved budget: {"personnel": "12000.00", ...}
    spending: Mapped[dict] = mapped_column(JSON, default=dict)
    spent_total: Mapped[Decimal | None]  # Σ spending, computed by the server
    matching_funds: Mapped[Decimal | None]  # 配套資金 actually raised
    problems: Mapped[str] = mapped_column(Text, default="")  # 問題
    changes: Mapped[str] = mapped_column(Text, default="")  # 變更
    # final report only: the financial settlement (決算) per budget category and its total
    settlement: Mapped[dict] = mapped_column(JSON, default=dict)
    settlement_total: Mapped[Decimal | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    agreement = relationship("Agreement")
    organization = relationship("Organization")
    served: Mapped[list[ReportServed]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportServed.id")
    files: Mapped[list[ReportFile]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportFile.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def effective_due_on(self) -> date:
        return effective_due(self.due_on, self.extended_to, self.revision_due_on)


class ReportServed(Base):
    """Person-times served (服務人次) by one report, per target group and district."""

    __tablename__ = "report_served"
    __table_args__ = (UniqueConstraint("report_id", "target_group", "district"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("project_report.id", ondelete="CASCADE"), index=True)
    target_group: Mapped[TargetGroup] = mapped_column(Enum(TargetGroup, native_enum=False, length=10))
    district: Mapped[str] = mapped_column(String(20))  # a grants.models.District value
    person_times: Mapped[int]

    report: Mapped[Report] = relationship(back_populates="served")


class ReportFile(Base):
    """Evidence: photos, documents, receipts, the audit report.  Checked by content like every upload."""

    __tablename__ = "report_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("project_report.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReportFileKind] = mapped_column(Enum(ReportFileKind, native_enum=False, length=10))
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    report: Mapped[Report] = relationship(back_populates="files")
