"""異議 (objections) during the 公示 period: filing with optional evidence, investigating, deciding.

Evidence files are checked by content with ``grants.platform.uploads.check_upload`` (PDF, JPEG, PNG)
and stored under ``UPLOAD_FOLDER/objections`` with a server-generated name.
Functions flush, never commit; refusals are ``Refusal`` (codes ``objection_*``).

The same objection is stored once: ``Objection.fingerprint`` (unique) is the SHA-256 of the
publication, the project, the name, the contact, the reasons and the evidence file's SHA-256,
so a double click or the same form sent twice at the same instant gives one row; the second
is refused with ``objection_duplicate``.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date

from flask import current_app, flash
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models import Award, Objection, ObjectionStatus, Publication, PublicationStatus, utcnow
from grants.platform import audit, refusals, uploads
from grants.publication.operations import objection_window_open
from grants.rules.refusal import Problem, Refusal

DECIDED = (ObjectionStatus.upheld, ObjectionStatus.dismissed)


def fingerprint(publication_id: int, proposal_id: int, name: str, contact: str, reasons: str,
                evidence_sha256: str = "") -> str:
    """What makes two objections the same one (the 0002 migration computes it the same way)."""
    canonical = json.dumps([publication_id, proposal_id, name.strip(), contact.strip(), reasons.strip(),
                            evidence_sha256], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def already_filed(key: str) -> bool:
    return db.session.scalar(select(Objection.id).where(Objection.fingerprint == key)) is not None


def evidence_folder() -> str:
    return os.path.join(current_app.config["UPLOAD_FOLDER"], "objections")


def file_objection(publication: Publication, *, proposal_id: int, name: str, contact: str, reasons: str,
                   evidence: tuple[str, bytes] | None = None, today: date | None = None) -> Objection:
    """Record an objection; raises ``Refusal`` and then stores nothing (no row, no file)."""
    if not objection_window_open(publication, today):
        raise Refusal("objection_closed")
    if proposal_id not in {row["proposal_id"] for row in publication.rows}:
        raise Refusal("objection_project", field="proposal")
    checked = None
    if evidence is not None:
        filename, data = evidence
        try:
            kind_ct = uploads.check_upload(filename, data)
            checked = (uploads.display_name(filename, kind_ct[0]), *kind_ct, data)
        except Refusal as exc:  # about the evidence field of the form
            raise Refusal.of([Problem("evidence", p.code, p.params) for p in exc.problems]) from None
    key = fingerprint(publication.id, proposal_id, name, contact, reasons,
                  hashlib.sha256(checked[-1]).hexdigest() if checked else "")
    if already_filed(key):  # sent again later; the same instant is caught by the unique index below
        raise Refusal("objection_duplicate")
    objection = Objection(publication_id=publication.id, proposal_id=proposal_id, name=name.strip(),
                          contact=contact.strip(), reasons=reasons.strip(), status=ObjectionStatus.open,
                          fingerprint=key)
    if checked is not None:
        display_name, kind, content_type, data = checked
        objection.evidence_stored, _digest = uploads.store(evidence_folder(), data, kind)
        objection.evidence_name = display_name
        objection.evidence_type = content_type
    try:
        with db.session.begin_nested():  # the same objection sent at the same instant: one row
            db.session.add(objection)
            db.session.flush()
    except IntegrityError:
        if objection.evidence_stored:
            uploads.remove(evidence_folder(), objection.evidence_stored)
        raise Refusal("objection_duplicate") from None
    audit.record("file_objection", objection, publication_id=publication.id, proposal_id=proposal_id,
                 evidence=objection.evidence_stored)
    return objection


def file_from_form(publication: Publication, form) -> bool:
    """The public objection form's POST, for the award list's notice and the evaluation results' notice:
    file what was typed (with the evidence file, if any) and commit. True when the objection is in, filed
    now or by an identical send a moment ago (a double click), and the person is told so; False when it
    was refused: nothing stored, the messages next to the fields."""
    try:
        # the proposal field only accepts the listed choices, all of them proposal ids
        file_objection(publication, proposal_id=int(form.proposal.data), name=form.name.data,
                       contact=form.contact.data, reasons=form.reasons.data,
                       evidence=uploads.upload_of(form.evidence))
    except Refusal as exc:
        db.session.rollback()
        if exc.code == "objection_duplicate":  # sent twice: the first one is in
            refusals.flash_refusal(exc, "success")
            return True
        refusals.attach(form, exc)
        return False
    db.session.commit()
    flash(_("Your objection has been received. The Women's Federation will investigate it and contact you."),
          "success")
    return True


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
        raise Refusal("objection_final")
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
    # an objection to an evaluation-results notice (grants.evaluation) never withdraws the award
    if withdraw_award and status == ObjectionStatus.upheld and objection.publication.kind == "award":
        award = db.session.scalars(db.select(Award).where(Award.proposal_id == objection.proposal_id)).first()
        if award is not None and not award.withdrawn:
            award.withdrawn = True
            award.withdrawn_reason = withdraw_reason.strip() or objection.decision
            audit.record("withdraw_award", award, objection_id=objection.id, reason=award.withdrawn_reason)
            withdrawn = award
    db.session.flush()
    return withdrawn
