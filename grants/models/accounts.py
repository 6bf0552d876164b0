"""Users, their organizations, sessions and one-time tokens."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, utcnow
from grants.models.enums import District, OrgType, Rating, Role


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    org_type: Mapped[OrgType] = mapped_column(Enum(OrgType, native_enum=False, length=20))
    registered_on: Mapped[date]
    rating: Mapped[Rating] = mapped_column(Enum(Rating, native_enum=False, length=8), default=Rating.none)
    address: Mapped[str] = mapped_column(String(300))
    district: Mapped[District] = mapped_column(Enum(District, native_enum=False, length=20))
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(11))
    contact_email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organization")


class User(UserMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    # reviewer profile
    title: Mapped[str | None] = mapped_column(String(100))
    employer: Mapped[str | None] = mapped_column(String(200))
    expertise: Mapped[str | None] = mapped_column(Text)  # comma-separated tags
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime | None]

    organization: Mapped[Organization | None] = relationship(back_populates="members")
    affiliations: Mapped[list[ReviewerAffiliation]] = relationship(
        back_populates="reviewer", cascade="all, delete-orphan"
    )

    # Flask-Login: the session token is bound in get_id (see grants.platform.sessions).
    _session_token = None

    def get_id(self) -> str:
        return f"{self.id}:{self._session_token or ''}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def expertise_tags(self) -> list[str]:
        return [t.strip() for t in (self.expertise or "").split(",") if t.strip()]

    def has_role(self, role: Role) -> bool:
        return self.role == role


class ReviewerAffiliation(Base):
    """A tie a reviewer declared with an organization: a hard conflict for assignment."""

    __tablename__ = "reviewer_affiliation"
    __table_args__ = (UniqueConstraint("reviewer_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(200), default="")

    reviewer: Mapped[User] = relationship(back_populates="affiliations")
    organization: Mapped[Organization] = relationship()


class UserSession(Base):
    """A server-side login session: revoked on logout or password change; idle and absolute timeouts."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(45))


class OneTimeToken(Base):
    """A single-use link token (set a password); only its hash is stored."""

    __tablename__ = "one_time_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
