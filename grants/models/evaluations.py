"""After the reports: the mid-term and final evaluations (中期評估 / 結項評估) of a funded project.

One ``Evaluation`` per agreement and kind (midterm | final) holds the project's result: its state
(panel → scoring → decided → noticed → final), the aggregate score of the panel's submitted
sheets, pass or fail with a reason (``overdue``: a late report fails whatever the scores), the
refund demanded on a fail and, for a passed final evaluation, the 結項 certificate (verification
code, stored PDF and its SHA-256).  Evaluators are reviewer accounts assigned per project
(``EvaluationPanel``; not blind: they see the organization); each scores on an
``EvaluationScore`` sheet against the round's evaluation rubric for the kind
(``EvaluationRubric``: a version per round and kind; the review stages' ``RubricVersion`` and
its ``Stage`` enum are left alone).  The rules (totals with capped bonus and deductions, the
pass mark, aggregation, outcome effects) are pure: grants.rules.evaluation.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Enum, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, utcnow
from grants.models.enums import ReviewStatus
from grants.models.reports import ReportKind

#: The two evaluations of a project have the kinds of its two reports.
EvaluationKind = ReportKind


class EvaluationState(enum.StrEnum):
    panel = "panel"  # 組建評估小組: the admin assigns evaluators
    scoring = "scoring"  # 評分中: at least one evaluator assigned
    decided = "decided"  # 已評定: aggregate and pass/fail recorded, not yet noticed
    noticed = "noticed"  # 公示中: in the round's evaluation-results notice
    final = "final"  # 已生效: notice period over, outcome applied (tranche due / terminated)


class EvaluationMethod(enum.StrEnum):
    papers = "papers"  # 書面評估
    phone = "phone"  # 電話訪談
    site_visit = "site_visit"  # 實地走訪


class EvaluationRubric(Base):
    """One version of a round's evaluation rubric for a kind (definition: grants.rules.rubric.rubric_to_dict,
    with deduction items and the pass mark); frozen once a sheet points at it."""

    __tablename__ = "evaluation_rubric"
    __table_args__ = (UniqueConstraint("round_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReportKind] = mapped_column(Enum(ReportKind, native_enum=False, length=10))
    version: Mapped[int]
    definition: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class Evaluation(Base):
    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("agreement_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("project_report.id", ondelete="SET NULL"))
    kind: Mapped[ReportKind] = mapped_column(Enum(ReportKind, native_enum=False, length=10))
    state: Mapped[EvaluationState] = mapped_column(
        Enum(EvaluationState, native_enum=False, length=10), default=EvaluationState.panel)
    rubric_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_rubric.id"))
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))  # the aggregate, 2 dp half-up
    aggregate_rule: Mapped[str] = mapped_column(String(12), default="")  # mean | trimmed_mean
    sheets: Mapped[int] = mapped_column(default=0)  # submitted sheets aggregated
    passed: Mapped[bool | None]
    reason: Mapped[str] = mapped_column(String(20), default="")  # "" | score | overdue
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("publication.id", ondelete="SET NULL"), index=True)
    finalised_on: Mapped[date | None]
    refund_amount: Mapped[Decimal | None]  # recorded on a fail (paid − justified spending, or entered)
    # 結項證書 of a passed final evaluation
    certificate_code: Mapped[str | None] = mapped_column(String(64), index=True)
    certificate_issued_on: Mapped[date | None]
    certificate_path: Mapped[str | None] = mapped_column(String(300))
    certificate_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    agreement = relationship("Agreement")
    proposal = relationship("Proposal")
    organization = relationship("Organization")
    report = relationship("Report")
    rubric = relationship("EvaluationRubric")
    panel: Mapped[list[EvaluationPanel]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="EvaluationPanel.id")
    score_sheets: Mapped[list[EvaluationScore]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="EvaluationScore.id")

    __mapper_args__ = {"version_id_col": version}


class EvaluationPanel(Base):
    """One evaluator on one project's evaluation panel (評估小組成員)."""

    __tablename__ = "evaluation_panel"
    __table_args__ = (UniqueConstraint("evaluation_id", "evaluator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    evaluation: Mapped[Evaluation] = relationship(back_populates="panel")
    evaluator = relationship("User", foreign_keys=[evaluator_id])


class EvaluationScore(Base):
    """One evaluator's score sheet for one evaluation: the method, the scores, bonus and deductions."""

    __tablename__ = "evaluation_score"
    __table_args__ = (UniqueConstraint("evaluation_id", "evaluator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rubric.id"), index=True)
    method: Mapped[EvaluationMethod] = mapped_column(
        Enum(EvaluationMethod, native_enum=False, length=12), default=EvaluationMethod.papers)
    visited_on: Mapped[date | None]  # phone call or site visit date
    visit_notes: Mapped[str] = mapped_column(Text, default="")
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # criterion key -> decimal string
    comments: Mapped[dict] = mapped_column(JSON, default=dict)
    bonus: Mapped[dict] = mapped_column(JSON, default=dict)
    deductions: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    status: Mapped[ReviewStatus] = mapped_column(
        Enum(ReviewStatus, native_enum=False, length=10), default=ReviewStatus.draft)
    submitted_at: Mapped[datetime | None]
    signature: Mapped[str | None] = mapped_column(String(64))  # the audit hash of the submit entry
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    evaluation: Mapped[Evaluation] = relationship(back_populates="score_sheets")
    evaluator = relationship("User", foreign_keys=[evaluator_id])
    rubric = relationship("EvaluationRubric")

    __mapper_args__ = {"version_id_col": version}
