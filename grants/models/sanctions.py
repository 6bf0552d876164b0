"""Sanctions (取消資格, 禁入期): an organization barred from applying for a period.

A bar runs from ``starts_on`` to ``ends_on`` inclusive (dates in Beijing time). An admin may
lift it early with a reason; a lifted bar stays on record. Which bar is in force on a day is a
pure rule: grants.rules.sanctions.active_bar.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, utcnow


class Sanction(Base):
    __tablename__ = "sanction"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]  # the last day of the bar
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    lift_reason: Mapped[str] = mapped_column(Text, default="")

    organization = relationship("Organization")
    created_by = relationship("User", foreign_keys=[created_by_id])
    lifted_by = relationship("User", foreign_keys=[lifted_by_id])
