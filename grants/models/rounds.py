"""Competition rounds (one edition of a 公益創投) and their categories."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, Labelled, utcnow


class Round(Labelled, Base):
    __tablename__ = "competition_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: name, issuer and description in the other languages (see ``Labelled``)
    labels: Mapped[dict | None] = mapped_column(JSON, default=dict)
    funding_pool: Mapped[Decimal]
    project_cap: Mapped[Decimal]
    max_proposals_per_org: Mapped[int] = mapped_column(default=2)
    admin_share_max: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("10"))
    project_start: Mapped[date | None]
    project_end: Mapped[date | None]
    # stage dates (UTC)
    call_opens_at: Mapped[datetime]
    call_closes_at: Mapped[datetime]
    screening_closes_at: Mapped[datetime | None]
    review_opens_at: Mapped[datetime | None]
    review_closes_at: Mapped[datetime | None]
    roadshow_at: Mapped[datetime | None]
    notice_starts_at: Mapped[datetime | None]
    # settings
    blind_review: Mapped[bool] = mapped_column(default=True)
    reveal_peer_scores: Mapped[bool] = mapped_column(default=False)
    trim_min_reviews: Mapped[int] = mapped_column(default=5)
    disagreement_threshold: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("15"))
    publish_panel_names: Mapped[bool] = mapped_column(default=False)
    notice_working_days: Mapped[int] = mapped_column(default=5)
    #: The language of the round's official documents (notice and final lists, roadshow order,
    #: agreements): zh_Hant | zh_Hans | en. The round form defaults it to the creating admin's language.
    official_language: Mapped[str] = mapped_column(String(8), default="zh_Hant", server_default="zh_Hant")
    required_documents: Mapped[list] = mapped_column(
        JSON, default=lambda: ["registration_certificate", "annual_report"]
    )
    # scoring and allocation
    veto_policy: Mapped[str] = mapped_column(String(10), default="any")  # any | majority
    score_basis: Mapped[str] = mapped_column(String(14), default="trimmed")  # trimmed | mean | median | standardised
    stage_weights: Mapped[dict] = mapped_column(JSON, default=lambda: {"written": 40, "roadshow": 60})
    tiebreak_criterion: Mapped[str | None] = mapped_column(String(40))
    min_score_to_fund: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("60"))
    reviewers_per_proposal: Mapped[int] = mapped_column(default=3)
    # roadshow (路演)
    roadshow_seed: Mapped[str | None] = mapped_column(String(64))
    roadshow_present_minutes: Mapped[int] = mapped_column(default=8)
    roadshow_qa_minutes: Mapped[int] = mapped_column(default=7)
    roadshow_current_id: Mapped[int | None]
    # the last submission sequence handed out (HZ-2026-08-<sequence>): grants.intake.operations numbers
    # with it under the round's row lock; never lowered, so a withdrawn number is never handed out again
    last_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    categories: Mapped[list[Category]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Category.position"
    )

    __mapper_args__ = {"version_id_col": version}

    def category_label(self, name: str | None, locale=None) -> str:
        """The label in ``locale`` of this round's category named ``name`` (as given); ``name``
        itself for a name no category has (e.g. a row frozen in a published list)."""
        for category in self.categories:
            if category.name == name:
                return category.label(locale)
        return name or ""


class Category(Labelled, Base):
    __tablename__ = "category"
    __table_args__ = (UniqueConstraint("round_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("competition_round.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: the name in the other languages (see ``Labelled``)
    labels: Mapped[dict | None] = mapped_column(JSON, default=dict)
    quota: Mapped[Decimal | None]
    position: Mapped[int] = mapped_column(default=0)

    round: Mapped[Round] = relationship(back_populates="categories")
