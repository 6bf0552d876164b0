"""All models, imported here so Alembic and the app see one metadata."""

from grants.models.accounts import OneTimeToken, Organization, ReviewerAffiliation, User, UserSession
from grants.models.audit import AuditEntry
from grants.models.base import Base, utcnow
from grants.models.enums import (
    AttachmentKind,
    BudgetCategory,
    District,
    ObjectionStatus,
    OrgType,
    ProposalStatus,
    PublicationStatus,
    Rating,
    ReviewStatus,
    Role,
    ScreeningOutcome,
    Stage,
)
from grants.models.proposals import (
    ActivityRow,
    Attachment,
    BudgetLine,
    OutcomeRow,
    Proposal,
    ProposalEvent,
    Screening,
    TeamMember,
)
from grants.models.results import Award, Objection, Publication, RoadshowSlot, Setting
from grants.models.reviews import Assignment, ConflictDeclaration, Review, RubricVersion
from grants.models.rounds import Category, Round

__all__ = [
    "ActivityRow",
    "Attachment",
    "AttachmentKind",
    "AuditEntry",
    "Base",
    "BudgetCategory",
    "BudgetLine",
    "Category",
    "District",
    "ObjectionStatus",
    "OneTimeToken",
    "OrgType",
    "Organization",
    "OutcomeRow",
    "Proposal",
    "ProposalEvent",
    "ProposalStatus",
    "PublicationStatus",
    "Rating",
    "ReviewStatus",
    "ReviewerAffiliation",
    "Role",
    "Round",
    "Screening",
    "ScreeningOutcome",
    "Stage",
    "TeamMember",
    "User",
    "UserSession",
    "utcnow",
]
