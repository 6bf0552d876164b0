"""Setting up a round (one edition of the 公益創投): create it, change its settings and categories.

Plain functions that change models and write the audit log; they flush, never commit.
Refusals are ``Refusal`` (codes in the rounds section of ``grants.platform.refusals``):
``edition_taken`` (field ``edition``), ``round_edit_conflict`` (the round changed since the
form was opened) and ``official_language_locked`` (field ``official_language``: a list was
published in the old language, and its verification code hashes the printed title and date). A refused call changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    Category,
    Organization,
    Proposal,
    Publication,
    PublicationStatus,
    Role,
    Round,
    RubricVersion,
    Stage,
    User,
)
from grants.platform import audit
from grants.platform.i18n import LANGUAGE_NAMES
from grants.rules import rubric as rubric_core
from grants.rules.refusal import Refusal

#: Round columns the round form edits directly (strings are stripped).
ROUND_FIELDS = (
    "edition", "name", "issuer", "description", "official_language", "funding_pool", "project_cap", "max_proposals_per_org",
    "admin_share_max", "project_start", "project_end", "call_opens_at", "call_closes_at", "screening_closes_at",
    "review_opens_at", "review_closes_at", "roadshow_at", "notice_starts_at", "blind_review", "reveal_peer_scores",
    "publish_panel_names", "notice_working_days", "trim_min_reviews", "score_basis", "veto_policy",
    "disagreement_threshold", "min_score_to_fund", "reviewers_per_proposal", "roadshow_present_minutes",
    "roadshow_qa_minutes",
)


def edition_taken(edition: int, round_id: int | None = None) -> bool:
    query = select(Round.id).where(Round.edition == edition)
    if round_id is not None:
        query = query.where(Round.id != round_id)
    return db.session.scalar(query) is not None


def _apply(rnd: Round, values: Mapping, *, stage_weights: dict, tiebreak_criterion: str | None,
           required_documents: Sequence[str], categories: Sequence[tuple], translations: Mapping | None) -> None:
    for name in ROUND_FIELDS:
        value = values[name]
        setattr(rnd, name, value.strip() if isinstance(value, str) else value)
    for field, texts in (translations or {}).items():
        rnd.set_translations(field, texts)
    rnd.stage_weights = dict(stage_weights)
    rnd.tiebreak_criterion = tiebreak_criterion or None
    rnd.required_documents = list(required_documents or [])
    existing = {c.name: c for c in rnd.categories}
    kept = []
    for position, (name, quota, *rest) in enumerate(categories):
        category = existing.pop(name, None) or Category(name=name)
        category.quota = quota
        if rest:
            category.set_translations("name", rest[0])
        category.position = position
        kept.append(category)
    rnd.categories = kept


def create_round(values: Mapping, *, stage_weights: dict, tiebreak_criterion: str | None = None,
                 required_documents: Sequence[str] = (), categories: Sequence[tuple] = (),
                 translations: Mapping | None = None) -> Round:
    """A new round from the form's values (``ROUND_FIELDS``), its categories ((name, quota) or
    (name, quota, {locale: name})) and ``translations`` ({field: {locale: text}} for name, issuer
    and description; see ``grants.models.base.Labelled``)."""
    if edition_taken(values["edition"]):
        raise Refusal("edition_taken", field="edition", edition=values["edition"])
    rnd = Round()
    _apply(rnd, values, stage_weights=stage_weights, tiebreak_criterion=tiebreak_criterion,
           required_documents=required_documents, categories=categories, translations=translations)
    db.session.add(rnd)
    db.session.flush()
    audit.record("create_round", rnd, edition=rnd.edition, name=rnd.name)
    return rnd


def update_round(rnd: Round, values: Mapping, *, version: int, stage_weights: dict,
                 tiebreak_criterion: str | None = None, required_documents: Sequence[str] = (),
                 categories: Sequence[tuple] = (), translations: Mapping | None = None) -> Round:
    """Change a round's settings; ``version`` is the round's version the form was opened on.

    The commit may still raise ``StaleDataError`` when another request saved in between."""
    if version != rnd.version:
        raise Refusal("round_edit_conflict")
    if edition_taken(values["edition"], rnd.id):
        raise Refusal("edition_taken", field="edition", edition=values["edition"])
    if values.get("official_language", rnd.official_language) != rnd.official_language and _published(rnd):
        raise Refusal("official_language_locked", field="official_language",
                      language=LANGUAGE_NAMES.get(rnd.official_language, rnd.official_language))
    _apply(rnd, values, stage_weights=stage_weights, tiebreak_criterion=tiebreak_criterion,
           required_documents=required_documents, categories=categories, translations=translations)
    audit.record("update_round", rnd, edition=rnd.edition)
    db.session.flush()
    return rnd


def _published(rnd: Round) -> bool:
    """A notice or final list of the round exists (printed, and hashed, in its official language)."""
    return db.session.scalar(select(Publication.id).where(
        Publication.round_id == rnd.id, Publication.status != PublicationStatus.failed).limit(1)) is not None


# --------------------------------------------------------------------------- queries


def written_criteria(rnd: Round | None, lang: str) -> list[tuple[str, str]]:
    """(key, label) of the written rubric's criteria: the round's current version, else the default."""
    definition = None
    if rnd is not None and rnd.id is not None:
        definition = db.session.scalar(
            select(RubricVersion.definition)
            .where(RubricVersion.round_id == rnd.id, RubricVersion.stage == Stage.written)
            .order_by(RubricVersion.version.desc()).limit(1)
        )
    rubric = rubric_core.rubric_from_dict(definition) if definition else rubric_core.default_written_rubric()
    return [(c.key, c.label.get(lang)) for c in rubric.criteria]


def site_counts() -> dict:
    return {
        "organizations": db.session.scalar(select(func.count(Organization.id))),
        "reviewers": db.session.scalar(select(func.count(User.id)).where(User.role == Role.reviewer)),
    }


def proposals_by_status(round_id: int) -> dict:
    return dict(db.session.execute(
        select(Proposal.status, func.count(Proposal.id)).where(Proposal.round_id == round_id).group_by(Proposal.status)
    ).all())


# --------------------------------------------------------------------------- the round's hub
def hub(rnd: Round, now) -> dict:
    """The hub's facts: the current stage, the key dates and the pending work (counts; the view
    links each to its page). A constant number of queries plus the ranking once awards exist."""
    from grants.allocation import operations as allocation_ops
    from grants.models import (
        Assignment,
        Award,
        Objection,
        ObjectionStatus,
        ProposalStatus,
        Publication,
        PublicationStatus,
        Review,
        ReviewStatus,
        RoadshowSlot,
    )
    from grants.rules import lifecycle

    by_status = proposals_by_status(rnd.id)
    awaiting = by_status.get(ProposalStatus.submitted, 0)
    publication = db.session.scalars(select(Publication).where(Publication.round_id == rnd.id,
                                                              Publication.kind == "award")
                                     .order_by(Publication.id.desc()).limit(1)).first()
    visible = publication is not None and publication.status in (PublicationStatus.notice, PublicationStatus.final)
    awards = db.session.scalar(select(func.count(Award.id)).where(Award.round_id == rnd.id,
                                                                   Award.withdrawn.is_(False))) or 0
    shortlist = db.session.scalar(select(func.count(RoadshowSlot.id)).where(RoadshowSlot.round_id == rnd.id)) or 0
    stage = lifecycle.round_stage(
        now, call_opens_at=rnd.call_opens_at, call_closes_at=rnd.call_closes_at, review_opens_at=rnd.review_opens_at,
        review_closes_at=rnd.review_closes_at, awaiting_screening=awaiting, has_shortlist=bool(shortlist),
        has_awards=bool(awards), publication=str(publication.status) if visible else None)
    in_review = (ProposalStatus.eligible, ProposalStatus.shortlisted, ProposalStatus.awarded, ProposalStatus.not_awarded)
    per_proposal = dict(db.session.execute(
        select(Assignment.proposal_id, func.count(Assignment.id))
        .join(Proposal, Proposal.id == Assignment.proposal_id)
        .where(Assignment.round_id == rnd.id, Assignment.stage == Stage.written, Proposal.status.in_(in_review))
        .group_by(Assignment.proposal_id)).all())
    eligible_ids = list(db.session.scalars(select(Proposal.id).where(Proposal.round_id == rnd.id,
                                                                      Proposal.status.in_(in_review))))
    short_of_reviewers = sum(1 for pid in eligible_ids if per_proposal.get(pid, 0) < rnd.reviewers_per_proposal)
    assigned = sum(per_proposal.values())
    submitted = db.session.scalar(select(func.count(Review.id)).join(Proposal, Proposal.id == Review.proposal_id).where(
        Proposal.round_id == rnd.id, Review.stage == Stage.written, Review.status == ReviewStatus.submitted)) or 0
    open_objections = 0
    if publication is not None:
        open_objections = db.session.scalar(select(func.count(Objection.id)).where(
            Objection.publication_id == publication.id,
            Objection.status.in_((ObjectionStatus.open, ObjectionStatus.investigating)))) or 0
    stale = allocation_ops.stale_awards(rnd) if awards and not (visible and str(publication.status) == "final") else []
    notice = (publication.notice_start, publication.notice_end) if visible else (None, None)
    return {
        "stage": stage,
        "by_status": by_status,
        "dates": [
            ("call_opens", rnd.call_opens_at), ("call_closes", rnd.call_closes_at),
            ("screening_closes", rnd.screening_closes_at), ("review_opens", rnd.review_opens_at),
            ("review_closes", rnd.review_closes_at), ("roadshow", rnd.roadshow_at),
            ("notice_starts", notice[0] or rnd.notice_starts_at), ("notice_ends", notice[1]),
        ],
        "pending": {
            "screening": awaiting,
            "returned": by_status.get(ProposalStatus.returned, 0),
            "short_of_reviewers": short_of_reviewers,
            "reviews_outstanding": max(assigned - submitted, 0),
            "objections": open_objections,
            "stale_awards": len(stale),
            "publication_failed": 1 if publication is not None and publication.status == PublicationStatus.failed else 0,
        },
    }
