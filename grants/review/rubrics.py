"""Rubrics stored per round and stage (RubricVersion): create from the shipped defaults,
read the current version, save an edit (in place while unused, as a new version once any
review points at it). Flush, never commit."""

from __future__ import annotations

from sqlalchemy import exists, select

from grants.extensions import db
from grants.models import Review, Round, RubricVersion, Stage
from grants.platform import audit
from grants.rules import rubric as rubric_core

DEFAULTS = {
    Stage.written: rubric_core.default_written_rubric,
    Stage.roadshow: rubric_core.default_roadshow_rubric,
}


def latest_version(round_id: int, stage: Stage) -> RubricVersion | None:
    return db.session.scalar(
        select(RubricVersion)
        .where(RubricVersion.round_id == round_id, RubricVersion.stage == stage)
        .order_by(RubricVersion.version.desc())
        .limit(1)
    )


def default_version(round_id: int, stage: Stage) -> RubricVersion:
    """The shipped default as an UNSAVED version (not added to the session: it has no id)."""
    rubric = DEFAULTS[stage]()
    return RubricVersion(round_id=round_id, stage=stage, version=rubric.version,
                         definition=rubric_core.rubric_to_dict(rubric))


def shown_version(round_id: int, stage: Stage) -> RubricVersion:
    """The version a page that only reads shows: the stored current one, or else the shipped default,
    unsaved (GET requests store nothing; the first edit or score stores it via ``current_version``)."""
    return latest_version(round_id, stage) or default_version(round_id, stage)


def current_version(round_id: int, stage: Stage) -> RubricVersion:
    """The stage's current rubric version; stored from the shipped default on first use (by a write)."""
    rv = latest_version(round_id, stage)
    if rv is None:
        # Several first writes at once (ten reviewers opening a fresh round): take the round's row
        # lock (NO KEY UPDATE, as intake does; SQLite writers are already serialised by BEGIN
        # IMMEDIATE), then look again, so exactly one of them stores the default.
        db.session.execute(select(Round.id).where(Round.id == round_id).with_for_update(key_share=True))
        rv = latest_version(round_id, stage)
    if rv is None:
        rv = default_version(round_id, stage)
        db.session.add(rv)
        db.session.flush()
        audit.record("create_rubric", rv, round_id=round_id, stage=stage.value, version=rv.version,
                     source="default")
    return rv


def rubric_of(rv: RubricVersion) -> rubric_core.Rubric:
    return rubric_core.rubric_from_dict(rv.definition)


def is_frozen(rv: RubricVersion) -> bool:
    """A version is frozen once any review points at it."""
    return bool(db.session.scalar(select(exists().where(Review.rubric_version_id == rv.id))))


def save_rubric(round_id: int, stage: Stage, rubric: rubric_core.Rubric) -> tuple[RubricVersion, bool]:
    """Store an edited rubric. Returns (version row, created_new_version).

    While no review uses the current version it is edited in place (same number); once
    frozen, the edit becomes a new version (``next_version``) that new reviews use."""
    rv = current_version(round_id, stage)
    old = rv.definition
    if is_frozen(rv):
        new = rubric_core.next_version(rubric_core.rubric_from_dict({**rubric_core.rubric_to_dict(rubric),
                                                                      "version": rv.version}))
        row = RubricVersion(round_id=round_id, stage=stage, version=new.version,
                            definition=rubric_core.rubric_to_dict(new))
        db.session.add(row)
        db.session.flush()
        audit.record("create_rubric_version", row, round_id=round_id, stage=stage.value, version=row.version,
                     previous_version=rv.version, previous_id=rv.id)
        return row, True
    rv.definition = rubric_core.rubric_to_dict(rubric_core.rubric_from_dict(
        {**rubric_core.rubric_to_dict(rubric), "version": rv.version}))
    db.session.flush()
    audit.record("update_rubric", rv, round_id=round_id, stage=stage.value, version=rv.version,
                 before=old, after=rv.definition)
    return rv, False
