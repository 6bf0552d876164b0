"""All models, imported here so Alembic and the app see one metadata."""

from grants.models.accounts import OneTimeToken, Organization, ReviewerAffiliation, User, UserSession
from grants.models.audit import AuditEntry
from grants.models.base import Base, utcnow
from grants.models.enums import District, OrgType, Rating, Role
from grants.models.rounds import Category, Round

__all__ = [
    "AuditEntry",
    "Base",
    "Category",
    "District",
    "OneTimeToken",
    "OrgType",
    "Organization",
    "Rating",
    "ReviewerAffiliation",
    "Role",
    "Round",
    "User",
    "UserSession",
    "utcnow",
]
