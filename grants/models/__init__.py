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
from grants.models.jobs import Job, OutboxMail, ReminderSent
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
    "Assignment",
    "Attachment",
    "AttachmentKind",
    "AuditEntry",
    "Award",
    "Base",
    "BudgetCategory",
    "BudgetLine",
    "Category",
    "ConflictDeclaration",
    "District",
    "Job",
    "Objection",
    "ObjectionStatus",
    "OneTimeToken",
    "OrgType",
    "Organization",
    "OutboxMail",
    "OutcomeRow",
    "Proposal",
    "ProposalEvent",
    "ProposalStatus",
    "Publication",
    "PublicationStatus",
    "Rating",
    "Review",
    "ReminderSent",
    "ReviewStatus",
    "ReviewerAffiliation",
    "RoadshowSlot",
    "Role",
    "Round",
    "RubricVersion",
    "Screening",
    "ScreeningOutcome",
    "Setting",
    "Stage",
    "TeamMember",
    "User",
    "UserSession",
    "utcnow",
]
