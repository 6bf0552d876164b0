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
