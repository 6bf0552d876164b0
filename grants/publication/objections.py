"""異議 (objections) during the 公示 period: filing with optional evidence, investigating, deciding.

Evidence files are checked by content with ``grants.platform.uploads.check_upload`` (PDF, JPEG, PNG)
and stored under ``UPLOAD_FOLDER/objections`` with a server-generated name.
Functions flush, never commit.
"""

from __future__ import annotations

import os
from datetime import date

from flask import current_app

from grants.extensions import db
from grants.models import Award, Objection, ObjectionStatus, Publication, PublicationStatus, utcnow
from grants.platform import audit, uploads
from grants.publication.operations import objection_window_open

DECIDED = (ObjectionStatus.upheld, ObjectionStatus.dismissed)


class ObjectionRefused(ValueError):
    """``code``: closed (outside the notice period), project (not in the published list)."""


def evidence_folder() -> str:
    return os.path.join(current_app.config["UPLOAD_FOLDER"], "objections")


def file_objection(publication: Publication, *, proposal_id: int, name: str, contact: str, reasons: str,
                   evidence: tuple[str, bytes] | None = None, today: date | None = None) -> Objection:
    """Record an objection; raises ObjectionRefused or Refusal (nothing stored then)."""
    if not objection_window_open(publication, today):
        raise ObjectionRefused("closed")
    if proposal_id not in {row["proposal_id"] for row in publication.rows}:
        raise ObjectionRefused("project")
    objection = Objection(publication_id=publication.id, proposal_id=proposal_id, name=name.strip(),
                          contact=contact.strip(), reasons=reasons.strip(), status=ObjectionStatus.open)
    if evidence is not None:
        filename, data = evidence
        kind, content_type = uploads.check_upload(filename, data)
        stored, digest = uploads.store(evidence_folder(), data, kind)
        objection.evidence_name = uploads.clean_name(filename)
        objection.evidence_stored = stored
        objection.evidence_type = content_type
    db.session.add(objection)
    db.session.flush()
    audit.record("file_objection", objection, publication_id=publication.id, proposal_id=proposal_id,
                 evidence=objection.evidence_stored)
    return objection


def evidence_path(objection: Objection) -> str | None:
    if not objection.evidence_stored:
        return None
    return uploads.path_of(evidence_folder(), objection.evidence_stored)


def decide(objection: Objection, *, status: ObjectionStatus, investigation: str, decision: str,
           withdraw_award: bool = False, withdraw_reason: str = "", user_id: int | None = None) -> Award | None:
    """Record the investigation and (for upheld/dismissed) the decision.

    An upheld objection may withdraw the award of the project it concerns (removed from the
    final 立項名單). Returns the withdrawn award, if any. Refused once the list is final.
    """
    if objection.publication.status == PublicationStatus.final:
        raise ObjectionRefused("final")
    objection.status = status
    objection.investigation = investigation.strip()
    objection.decision = decision.strip()
    if status in DECIDED:
        objection.decided_at = utcnow()
        objection.decided_by_id = user_id
    else:
        objection.decided_at = None
        objection.decided_by_id = None
    audit.record("decide_objection", objection, status=status.value, decision=objection.decision)
    withdrawn = None
    if withdraw_award and status == ObjectionStatus.upheld:
        award = db.session.scalars(db.select(Award).where(Award.proposal_id == objection.proposal_id)).first()
        if award is not None and not award.withdrawn:
            award.withdrawn = True
            award.withdrawn_reason = withdraw_reason.strip() or objection.decision
            audit.record("withdraw_award", award, objection_id=objection.id, reason=award.withdrawn_reason)
            withdrawn = award
    db.session.flush()
    return withdrawn
