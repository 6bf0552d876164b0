"""Rubrics stored per round and stage, assignments, conflict declarations, reviews."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Enum, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, utcnow
from grants.models.enums import ReviewStatus, Stage


class RubricVersion(Base):
    """One version of a round's rubric for a stage; frozen once any score points at it."""

    __tablename__ = "rubric_version"
    __table_args__ = (UniqueConstraint("round_id", "stage", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), index=True)
    stage: Mapped[Stage] = mapped_column(Enum(Stage, native_enum=False, length=10))
    version: Mapped[int]
    definition: Mapped[dict] = mapped_column(JSON)  # grants.rules.rubric.rubric_to_dict
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(Base):
    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("proposal_id", "reviewer_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    stage: Mapped[Stage] = mapped_column(Enum(Stage, native_enum=False, length=10), default=Stage.written)
    source: Mapped[str] = mapped_column(String(10), default="manual")  # manual | auto | import
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    proposal = relationship("Proposal")
    reviewer = relationship("User", foreign_keys=[reviewer_id])


class ConflictDeclaration(Base):
    """回避聲明: a reviewer's answer for one proposal, given before seeing it."""

    __tablename__ = "conflict_declaration"
    __table_args__ = (UniqueConstraint("reviewer_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    has_conflict: Mapped[bool]
    relation: Mapped[str] = mapped_column(String(30), default="")  # employment, board, family, donation, collaboration, other
    note: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)


class Review(Base):
    """One reviewer's scores for one proposal at one stage."""

    __tablename__ = "review"
    __table_args__ = (UniqueConstraint("proposal_id", "reviewer_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    stage: Mapped[Stage] = mapped_column(Enum(Stage, native_enum=False, length=10), default=Stage.written)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_version.id"), index=True)
    status: Mapped[ReviewStatus] = mapped_column(
        Enum(ReviewStatus, native_enum=False, length=10), default=ReviewStatus.draft
    )
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # criterion key -> decimal string
    comments: Mapped[dict] = mapped_column(JSON, default=dict)
    veto_answers: Mapped[dict] = mapped_column(JSON, default=dict)  # veto key -> bool
    bonus: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    vetoed: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    proposal = relationship("Proposal")
    reviewer = relationship("User")
    rubric_version = relationship("RubricVersion")

    __mapper_args__ = {"version_id_col": version}


class ScoreAggregate(Base):
    """What one proposal's submitted reviews in one stage add up to (``grants.rules.scoring.ProposalParts``),
    kept current in the same transaction as every review or proposal change (``grants.ranking.aggregates``).

    Exact figures are stored as decimal strings (40 significant digits), so the ranking computed from these
    rows equals ``grants.rules.scoring.score_round`` over the raw reviews.  Rows exist only for received
    proposals (not draft, not withdrawn) with at least one submitted review in the stage."""

    __tablename__ = "score_aggregate"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True)
    stage: Mapped[Stage] = mapped_column(Enum(Stage, native_enum=False, length=10), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), index=True)
    n: Mapped[int]
    veto_count: Mapped[int]
    points_sum: Mapped[str] = mapped_column(String(64))
    points_sum2: Mapped[str] = mapped_column(String(64))
    mean: Mapped[str] = mapped_column(String(64))
    median: Mapped[str] = mapped_column(String(64))
    trimmed_mean: Mapped[str | None] = mapped_column(String(64))
    score_range: Mapped[str] = mapped_column(String(64))
    sd: Mapped[str] = mapped_column(String(64))
    zsum: Mapped[str] = mapped_column(String(64))
    criteria_mean: Mapped[dict] = mapped_column(JSON, default=dict)  # criterion key -> published mean
    marks: Mapped[str] = mapped_column(Text, default="")  # "reviewer_id:total:vetoed(0/1)" per review, by reviewer id


class ReviewerScale(Base):
    """Count, sum and sum of squares of one reviewer's submitted points in one stage of a round (for z-scores)."""

    __tablename__ = "reviewer_scale"

    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), primary_key=True)
    stage: Mapped[Stage] = mapped_column(Enum(Stage, native_enum=False, length=10), primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    n: Mapped[int]
    points_sum: Mapped[str] = mapped_column(String(64))
    points_sum2: Mapped[str] = mapped_column(String(64))


class ScoreState(Base):
    """A round whose ``score_aggregate`` / ``reviewer_scale`` rows are complete (built once, then kept current)."""

    __tablename__ = "score_state"

    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), primary_key=True)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A fresh random token on every change of the round's aggregate rows, written in the same transaction
    # (grants.ranking.aggregates): the ranking page's cache key (grants.ranking.page).  Random rather than a
    # counter, so a rebuilt round or a reused round id never meets an old cache entry.
    version: Mapped[str] = mapped_column(String(32), default="", server_default="")
