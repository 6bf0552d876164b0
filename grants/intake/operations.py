"""Proposal intake (申報): create, save drafts, submit, withdraw, reopen, attachments.

Every function changes models, writes the audit log and the status timeline (ProposalEvent),
flushes, and never commits. Deadlines are checked HERE, inside the write, with the ``now``
the caller passes (UTC): the proposal row (and for numbering the round row) is re-read with
``SELECT ... FOR UPDATE`` so what the browser sent cannot matter.

Statuses: draft → submitted (before the call closes) → eligible / returned / rejected
(screening, grants.screening.operations). A returned proposal is edited and resubmitted
before its own ``revision_deadline``. A submitted or returned proposal may be withdrawn before
its deadline; a withdrawn proposal may be reopened as a draft while the call is still open
(it keeps its submission number and gets it back when resubmitted).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models import (
    ActivityRow,
    Attachment,
    AttachmentKind,
    BudgetCategory,
    BudgetLine,
    Organization,
    OutcomeRow,
    Proposal,
    ProposalEvent,
    ProposalStatus,
    Round,
    TeamMember,
)
from grants.organizations import operations as org_ops
from grants.platform import audit, i18n, localtime, mail, numbers, uploads
from grants.rules import budget, lifecycle
from grants.rules.refusal import Refusal

# ------------------------------------------------------------------ reading

def rules_for(rnd: Round) -> budget.RoundRules:
    return budget.RoundRules(
        project_cap=rnd.project_cap,
        admin_share_max=rnd.admin_share_max,
        project_start=rnd.project_start,
        project_end=rnd.project_end,
        category_ids=frozenset(c.id for c in rnd.categories),
        required_documents=tuple(rnd.required_documents or ()),
    )


def lines_of(proposal: Proposal) -> list[budget.Line]:
    return [budget.Line(str(line.category), line.item, line.unit_price, line.quantity) for line in proposal.budget_lines]


def data_of(proposal: Proposal) -> budget.ProposalData:
    return budget.ProposalData(
        name=proposal.name, category_id=proposal.category_id, districts=proposal.districts or [],
        target_groups=proposal.target_groups or [], beneficiaries=proposal.beneficiaries,
        start_date=proposal.start_date, end_date=proposal.end_date, need=proposal.need,
        objectives=proposal.objectives, risks=proposal.risks,
        activities=len(proposal.activities), outcomes=len(proposal.outcomes), team=len(proposal.team),
        lines=lines_of(proposal), requested=proposal.requested, matching_funds=proposal.matching_funds,
        attachment_kinds=[str(a.kind) for a in proposal.attachments],
    )


def deadline_of(proposal: Proposal) -> datetime:
    return lifecycle.deadline_for(str(proposal.status), proposal.round.call_closes_at, proposal.revision_deadline)


def is_editable(proposal: Proposal, now: datetime) -> bool:
    return lifecycle.can_edit(str(proposal.status), deadline_of(proposal), now)


def _locked(proposal: Proposal) -> Proposal:
    """Re-read the proposal row under a row lock (PostgreSQL), fresh from the database.

    The object is expired, then loaded by the locking SELECT (which fills expired attributes), rather
    than read with ``populate_existing``: that option carries over to the lazy loads that follow, so the
    round and its categories (in the session already, not changed by this request) were read again on
    every save and submission. The round is held meanwhile: the session keeps objects only weakly,
    and a round nothing refers to any more would be read again too."""
    proposal_id, rnd = proposal.id, proposal.round
    db.session.expire(proposal)
    locked = db.session.execute(select(Proposal).where(Proposal.id == proposal_id).with_for_update()).scalar_one()
    if locked.round is not rnd:  # from the session (no query) while ``rnd`` holds it
        raise RuntimeError("a proposal's round never changes")
    return locked


def _event(proposal: Proposal, actor_id: int | None, note: str = "", at: datetime | None = None) -> None:
    db.session.add(ProposalEvent(proposal_id=proposal.id, actor_id=actor_id, status=proposal.status, note=note,
                                 **({"at": at} if at else {})))


def _notify(proposal: Proposal, subject: str, body: str) -> None:
    to = proposal.organization.contact_email
    if to:
        mail.queue(to, subject, body)


# ------------------------------------------------------------------ create and edit

def is_empty(proposal: Proposal) -> bool:
    """A draft nobody has typed into yet (the one-click "start a new proposal" draft): never
    submitted, no name, no text, no rows, no amounts, no attachments."""
    return (
        proposal.status == ProposalStatus.draft and not proposal.number
        and not (proposal.name or "").strip() and proposal.category_id is None
        and not any((getattr(proposal, f) or "").strip() for f in ("need", "objectives", "risks"))
        and proposal.beneficiaries is None and proposal.start_date is None and proposal.end_date is None
        and proposal.requested is None and proposal.matching_funds is None
        and not proposal.activities and not proposal.outcomes and not proposal.team
        and not proposal.budget_lines and not proposal.attachments
    )


def counted(proposals) -> list[Proposal]:
    """The proposals that take a slot of the organization's quota: all but withdrawn ones and
    empty drafts."""
    return [p for p in proposals if p.status != ProposalStatus.withdrawn and not is_empty(p)]


def _round_proposals(round_id: int, organization_id: int) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(
        Proposal.round_id == round_id, Proposal.organization_id == organization_id).order_by(Proposal.id)))


def active_count(round_id: int, organization_id: int) -> int:
    """How many slots of the quota the organization uses in the round (see ``counted``)."""
    return len(counted(_round_proposals(round_id, organization_id)))


def submitted_count(round_id: int, organization_id: int, excluding: int | None = None) -> int:
    """Proposals past the draft stage and not withdrawn (the quota's hard limit at submission)."""
    return db.session.scalar(
        select(func.count(Proposal.id)).where(
            Proposal.round_id == round_id, Proposal.organization_id == organization_id,
            Proposal.status.not_in((ProposalStatus.withdrawn, ProposalStatus.draft)),
            Proposal.id != (excluding or 0),
        )
    ) or 0


def create_proposal(rnd: Round, organization: Organization, actor_id: int | None, now: datetime) -> Proposal:
    """A new empty draft, while the call is open and the organization is under its quota.

    Empty drafts take no slot of the quota, so there is at most one: a second click on "start a
    new proposal" leads back to the empty draft already there instead of making another one.
    """
    db.session.execute(select(Organization.id).where(Organization.id == organization.id).with_for_update(key_share=True))  # NO KEY UPDATE: see submit_proposal
    if now < rnd.call_opens_at:
        raise Refusal("call_not_open", field="status", opens=rnd.call_opens_at)
    if not lifecycle.is_before(rnd.call_closes_at, now):
        raise Refusal("deadline_passed", field="status", deadline=rnd.call_closes_at)
    barred = org_ops.barred_problem(organization.id, now)
    if barred is not None:
        raise Refusal.of([barred])
    mine = _round_proposals(rnd.id, organization.id)
    if len(counted(mine)) >= rnd.max_proposals_per_org:
        raise Refusal("quota", field="status", max=rnd.max_proposals_per_org)
    for existing in mine:
        if is_empty(existing):
            return existing
    proposal = Proposal(round_id=rnd.id, organization_id=organization.id, status=ProposalStatus.draft,
                        districts=[str(organization.district)], target_groups=[])
    db.session.add(proposal)
    db.session.flush()
    _event(proposal, actor_id, at=now)
    audit.record("create_proposal", proposal, actor_id=actor_id, round_id=rnd.id, organization_id=organization.id)
    return proposal


def _check_editable(proposal: Proposal, now: datetime) -> None:
    status = str(proposal.status)
    if status not in lifecycle.EDITABLE:
        raise Refusal("not_editable", field="status", status=status)
    deadline = deadline_of(proposal)
    if not lifecycle.is_before(deadline, now):
        raise Refusal("deadline_passed", field="status", deadline=deadline)


def save_draft(proposal: Proposal, values: dict, actor_id: int | None, now: datetime) -> Proposal:
    """Store what was typed (incomplete is fine). Refused after the deadline or once submitted."""
    proposal = _locked(proposal)
    _check_editable(proposal, now)
    category_ids = {c.id for c in proposal.round.categories}
    proposal.name = values.get("name", "")[:200]
    proposal.category_id = values.get("category_id") if values.get("category_id") in category_ids else None
    proposal.districts = list(values.get("districts") or [])
    proposal.target_groups = list(values.get("target_groups") or [])
    proposal.beneficiaries = values.get("beneficiaries")
    proposal.start_date = values.get("start_date")
    proposal.end_date = values.get("end_date")
    proposal.need = values.get("need", "")
    proposal.objectives = values.get("objectives", "")
    proposal.risks = values.get("risks", "")
    proposal.requested = values.get("requested")
    proposal.matching_funds = values.get("matching_funds")
    proposal.activities = [ActivityRow(position=i, **row) for i, row in enumerate(values.get("activities", []))]
    proposal.outcomes = [OutcomeRow(position=i, **row) for i, row in enumerate(values.get("outcomes", []))]
    proposal.team = [TeamMember(position=i, **row) for i, row in enumerate(values.get("team", []))]
    lines = []
    for i, row in enumerate(values.get("budget_lines", [])):
        price = row.get("unit_price") if row.get("unit_price") is not None else Decimal("0")
        quantity = row.get("quantity") if row.get("quantity") is not None else Decimal("0")
        category = row.get("category") if row.get("category") in budget.BUDGET_CATEGORIES else "other"
        lines.append(BudgetLine(position=i, category=BudgetCategory(category), item=row.get("item", "")[:200],
                                unit_price=price, quantity=quantity,
                                subtotal=budget.line_subtotal(price, quantity)))  # computed here, never sent
    proposal.budget_lines = lines
    proposal.budget_total = budget.budget_total(lines_of(proposal)) if lines else None
    proposal.updated_at = now
    db.session.flush()
    audit.record("save_proposal_draft", proposal, actor_id=actor_id, name=proposal.name,
                 requested=proposal.requested, budget_total=proposal.budget_total)
    return proposal


# ------------------------------------------------------------------ submit, withdraw, reopen

def _assign_number(proposal: Proposal, rnd: Round) -> None:
    """HZ-<deadline year>-<edition>-<sequence>, the sequence one more than the round's ``last_sequence``
    (one row read, however many proposals the round has); the round row is locked while numbering
    (PostgreSQL), and the unique constraint plus a retry covers SQLite's single writer. A number already
    taken (given outside this path: an import, test data) resyncs the sequence from the round's numbers."""
    # FOR NO KEY UPDATE: serialises numbering without conflicting with the FOR KEY SHARE that
    # PostgreSQL's foreign-key checks take on the round row (a proposal row updated twice in one
    # transaction re-checks its keys). Plain FOR UPDATE deadlocked under load: this transaction
    # holds the audit lock and waits for the round row, while another one holds a key-share lock
    # on the round and waits for the audit lock (benchmarks/load_deadline_rush.py found it).
    last = db.session.scalar(select(Round.last_sequence).where(Round.id == rnd.id).with_for_update(key_share=True))
    year = localtime.local_date(rnd.call_closes_at).year
    sequence = (last or 0) + 1
    for _attempt in range(5):
        number, blind = lifecycle.format_number(year, rnd.edition, sequence)
        try:
            with db.session.begin_nested():
                proposal.number = number
                proposal.blind_code = blind
                db.session.flush()
        except IntegrityError:
            proposal.number = None
            taken = db.session.scalars(select(Proposal.number).where(Proposal.round_id == rnd.id,
                                                                     Proposal.number.is_not(None)))
            sequence = max(lifecycle.next_sequence(taken), sequence + 1)
            continue
        # a plain UPDATE: not the round's optimistic version (an admin editing the round is not disturbed),
        # nor its updated_at
        db.session.execute(update(Round).where(Round.id == rnd.id)
                           .values(last_sequence=sequence, updated_at=Round.updated_at)
                           .execution_options(synchronize_session=False))
        return
    raise RuntimeError("could not allocate a submission number")


def submission_problems(proposal: Proposal, now: datetime) -> list:
    """Why the stored proposal cannot be submitted at ``now`` (empty: it can). Used by the
    confirmation step before anything is submitted, and again inside ``submit_proposal``."""
    rnd = proposal.round
    refused = lifecycle.can_submit(str(proposal.status), deadline_of(proposal), now, opens_at=rnd.call_opens_at)
    if refused:
        return [refused]
    barred = org_ops.barred_problem(proposal.organization_id, now)
    if barred is not None:
        return [barred]
    return budget.check_submission(data_of(proposal), rules_for(rnd))


def submit_proposal(proposal: Proposal, actor_id: int | None, now: datetime) -> Proposal:
    """Lock, check the deadline and every rule on the STORED proposal, number it, mark it submitted."""
    proposal = _locked(proposal)
    rnd = proposal.round
    problems = submission_problems(proposal, now)
    if problems:
        raise Refusal.of(problems)
    resubmission = proposal.status == ProposalStatus.returned
    if not resubmission and submitted_count(rnd.id, proposal.organization_id, excluding=proposal.id) >= rnd.max_proposals_per_org:
        raise Refusal("quota", field="status", max=rnd.max_proposals_per_org)
    if not proposal.number:
        _assign_number(proposal, rnd)
    proposal.status = ProposalStatus.submitted
    proposal.submitted_at = now
    proposal.budget_total = budget.budget_total(lines_of(proposal))
    db.session.flush()
    _event(proposal, actor_id, _("Resubmitted after revision") if resubmission else "", at=now)
    audit.record("submit_proposal", proposal, actor_id=actor_id, number=proposal.number,
                 requested=proposal.requested, resubmission=resubmission)
    _notify(
        proposal,
        _l("Proposal %(number)s received", number=proposal.number),
        _l("Your proposal \"%(name)s\" was submitted at %(time)s (Beijing time) with the number %(number)s.",
          name=proposal.name, time=localtime.stamp(now, "%Y-%m-%d %H:%M:%S"), number=proposal.number),
    )
    return proposal


def withdraw_proposal(proposal: Proposal, actor_id: int | None, now: datetime) -> Proposal:
    proposal = _locked(proposal)
    refused = lifecycle.can_withdraw(str(proposal.status), deadline_of(proposal), now)
    if refused:
        raise Refusal.of([refused])
    proposal.status = ProposalStatus.withdrawn
    db.session.flush()
    _event(proposal, actor_id, at=now)
    audit.record("withdraw_proposal", proposal, actor_id=actor_id, number=proposal.number)
    return proposal


def reopen_proposal(proposal: Proposal, actor_id: int | None, now: datetime) -> Proposal:
    proposal = _locked(proposal)
    refused = lifecycle.can_reopen(str(proposal.status), proposal.round.call_closes_at, now)
    if refused:
        raise Refusal.of([refused])
    if active_count(proposal.round_id, proposal.organization_id) >= proposal.round.max_proposals_per_org:
        raise Refusal("quota", field="status", max=proposal.round.max_proposals_per_org)
    proposal.status = ProposalStatus.draft
    proposal.revision_deadline = None
    db.session.flush()
    _event(proposal, actor_id, at=now)
    audit.record("reopen_proposal", proposal, actor_id=actor_id)
    return proposal


def delete_draft(proposal: Proposal, actor_id: int | None, now: datetime) -> list[str]:
    """Delete a draft that was never submitted (no number): the row, its rows and attachments go,
    the audit log keeps what it was. A proposal that once had a number (submitted, withdrawn,
    reopened) keeps it: it can be withdrawn, not deleted. Returns the stored attachment names so
    the caller removes the files after the commit."""
    proposal = _locked(proposal)
    if proposal.status != ProposalStatus.draft or proposal.number:
        raise Refusal("not_deletable", field="status", status=str(proposal.status))
    stored = [a.stored_name for a in proposal.attachments]
    audit.record("delete_draft", proposal, actor_id=actor_id, round_id=proposal.round_id,
                 organization_id=proposal.organization_id, name=proposal.name, empty=is_empty(proposal),
                 attachments=len(stored))
    db.session.delete(proposal)
    db.session.flush()
    return stored


# ------------------------------------------------------------------ the outcome the NGO sees

def outcome_of(proposal: Proposal, award, publication) -> dict | None:
    """What the NGO is told about a proposal once results are out (None before anything is decided).

    ``kind``: awarded | proposed (on the notice list, 公示 running) | not_listed (not on it) |
    not_awarded | rejected | withdrawn_award; ``amount`` and ``requested`` (Decimal), ``cut`` (requested − amount when the
    approved amount is lower), ``reason`` (the allocation adjustment's reason, or why the award was
    withdrawn, or the screening reason), ``summary`` (the review summary can be downloaded),
    ``notice_end`` (last day of the notice period)."""
    status = str(proposal.status)
    if status == "rejected":
        return {"kind": "rejected", "reason": proposal.screening.reason if proposal.screening else ""}
    if status in ("draft", "submitted", "returned", "withdrawn"):
        return None
    if publication is None and status not in ("awarded", "not_awarded"):  # (these two exist only once final;
        return None                                                         # older editions have no publication row)
    final = publication is None or str(publication.status) == "final"
    listed = publication is not None and any(r.get("proposal_id") == proposal.id for r in (publication.rows or []))
    out: dict = {"summary": publication is not None, "notice_end": None if final else publication.notice_end,
                 "reason": "", "amount": None, "requested": proposal.requested, "cut": None}
    if award is not None and award.withdrawn:
        out |= {"kind": "withdrawn_award", "reason": award.withdrawn_reason}
    elif status == "awarded" or (not final and listed and award is not None):
        out["kind"] = "awarded" if final else "proposed"
        if award is not None:
            out["amount"] = Decimal(award.amount)
            requested = Decimal(award.requested)
            out["requested"] = requested
            if out["amount"] < requested:
                out["cut"] = requested - out["amount"]
                out["reason"] = award.adjustment_reason or ""
    else:
        out["kind"] = "not_awarded" if final else "not_listed"
    return out


def outcomes(proposals) -> dict[int, dict]:
    """``outcome_of`` for many proposals (one query per table)."""
    from grants.models import Award, Publication, PublicationStatus

    proposals = list(proposals)
    round_ids = {p.round_id for p in proposals}
    if not round_ids:
        return {}
    pubs: dict[int, Publication] = {}
    for pub in db.session.scalars(select(Publication).where(
            Publication.round_id.in_(round_ids), Publication.kind == "award",
            Publication.status.in_((PublicationStatus.notice, PublicationStatus.final))).order_by(Publication.id)):
        pubs[pub.round_id] = pub  # the latest visible one wins
    awards = {a.proposal_id: a for a in db.session.scalars(
        select(Award).where(Award.proposal_id.in_([p.id for p in proposals])))}
    out = {}
    for p in proposals:
        o = outcome_of(p, awards.get(p.id), pubs.get(p.round_id))
        if o is not None:
            out[p.id] = o
    return out


# ------------------------------------------------------------------ attachments

def upload_folder() -> str:
    return current_app.config["UPLOAD_FOLDER"]


def add_attachment(proposal: Proposal, kind: str, filename: str, data: bytes, actor_id: int | None,
                   now: datetime) -> Attachment:
    """Check the content, the sizes and the deadline, then store the file under a random name."""
    proposal = _locked(proposal)
    _check_editable(proposal, now)
    file_kind, content_type = uploads.check_upload(filename, data)
    digest = hashlib.sha256(data).hexdigest()
    if any(a.sha256 == digest and a.kind == AttachmentKind(kind) for a in proposal.attachments):
        # the same file sent twice (a double click, a resent form): kept once; the proposal row is
        # locked above, so two requests at the same instant are serialised and the second sees the first
        raise Refusal("upload_duplicate", field="file")
    uploads.check_total(sum(a.size for a in proposal.attachments), len(data))
    stored, digest = uploads.store(upload_folder(), data, file_kind)
    attachment = Attachment(
        proposal_id=proposal.id, kind=AttachmentKind(kind), original_name=uploads.display_name(filename, file_kind),
        stored_name=stored, content_type=content_type, size=len(data), sha256=digest, uploaded_at=now,
        uploaded_by_id=actor_id,
    )
    db.session.add(attachment)
    try:
        db.session.flush()
    except Exception:
        uploads.remove(upload_folder(), stored)
        raise
    audit.record("upload_attachment", attachment, actor_id=actor_id, proposal_id=proposal.id, kind=kind,
                 size=len(data), sha256=digest)
    return attachment


def delete_attachment(attachment: Attachment, actor_id: int | None, now: datetime) -> str:
    """Removes the row; returns the stored name so the caller deletes the file after the commit."""
    _check_editable(_locked(attachment.proposal), now)
    stored = attachment.stored_name
    audit.record("delete_attachment", attachment, actor_id=actor_id, proposal_id=attachment.proposal_id,
                 sha256=attachment.sha256)
    db.session.delete(attachment)
    db.session.flush()
    return stored


# ------------------------------------------------------------------ the printable proposal

def pdf_context(proposal: Proposal) -> dict:
    """Plain data for templates/intake/pdf/proposal.html."""
    from grants.platform.i18n import BUDGET_CATEGORY_LABELS, DISTRICT_LABELS, TARGET_GROUP_LABELS

    org = proposal.organization
    lines = lines_of(proposal)
    totals = budget.category_totals(lines)
    return {
        "title": proposal.name or _("Proposal"),
        "round_name": i18n.label(proposal.round),
        "issuer": i18n.label(proposal.round, "issuer"),
        "number": proposal.number or _("(not yet submitted)"),
        "submitted_at": localtime.stamp(proposal.submitted_at),
        "organization": {"name": org.name, "uscc": org.uscc, "address": org.address, "contact": org.contact_name,
                         "phone": org.contact_phone, "email": org.contact_email, "rating": str(org.rating)},
        "name": proposal.name,
        "category": i18n.label(proposal.category),
        "districts": [str(DISTRICT_LABELS.get(d, d)) for d in proposal.districts or []],
        "target_groups": [str(TARGET_GROUP_LABELS.get(t, t)) for t in proposal.target_groups or []],
        "beneficiaries": proposal.beneficiaries,
        "start_date": proposal.start_date.isoformat() if proposal.start_date else "",
        "end_date": proposal.end_date.isoformat() if proposal.end_date else "",
        "need": proposal.need, "objectives": proposal.objectives, "risks": proposal.risks,
        "activities": [{"month": a.month, "activity": a.activity, "output": a.output} for a in proposal.activities],
        "outcomes": [{"indicator": o.indicator, "target": o.target, "measure": o.measure} for o in proposal.outcomes],
        "team": [{"name": t.name, "role": t.role, "qualification": t.qualification, "hours": t.hours or ""}
                 for t in proposal.team],
        "budget_lines": [{"category": str(BUDGET_CATEGORY_LABELS.get(str(b.category), b.category)), "item": b.item,
                          "unit_price": numbers.money(b.unit_price), "quantity": numbers.amount(b.quantity, blank=""),
                          "subtotal": numbers.money(b.subtotal)} for b in proposal.budget_lines],
        "category_totals": [{"category": str(BUDGET_CATEGORY_LABELS[c]), "amount": numbers.money(v)}
                            for c, v in totals.items() if v],
        "budget_total": numbers.money(budget.budget_total(lines)),
        "requested": numbers.money(proposal.requested),
        "matching_funds": numbers.money(proposal.matching_funds),
        "admin_share": numbers.percent(budget.admin_share(lines), 100, places=2),
        "labels": {k: str(v) for k, v in PDF_LABELS().items()},
    }


def PDF_LABELS() -> dict:  # noqa: N802  (a table of labels, built per request for its language)
    return {
        "proposal": _("Project proposal"), "number": _("Submission number"), "submitted": _("Submitted at"),
        "organization": _("Applicant organization"), "uscc": _("Unified Social Credit Code"),
        "address": _("Address"), "contact": _("Contact person"), "phone": _("Phone"), "email": _("Email"),
        "project": _("Project"), "name": _("Project name"), "person": _("Name"), "category": _("Category"),
        "budget_category": _("Budget category"),
        "districts": _("Service districts"), "target_groups": _("Target groups"),
        "beneficiaries": _("Beneficiaries (person-times)"), "period": _("Project period"),
        "need": _("Need analysis"), "objectives": _("Objectives"), "activities": _("Activities and timeline"),
        "month": _("Month"), "activity": _("Activity"), "output": _("Output"),
        "outcomes": _("Outcome indicators"), "indicator": _("Indicator"), "target": _("Target value"),
        "measure": _("How it is measured"), "risks": _("Risks and mitigation"), "team": _("Project team"),
        "role": _("Role"), "qualification": _("Qualification"), "hours": _("Hours"),
        "budget": _("Budget"), "item": _("Item"), "unit_price": _("Unit price"), "quantity": _("Quantity"),
        "subtotal": _("Subtotal"), "total": _("Total"), "requested": _("Requested amount"),
        "matching": _("Matching funds"), "admin_share": _("Administration share"),
        "declaration": _("We declare that the information in this proposal is true and complete."),
        "signature": _("Signature of the legal representative"), "seal": _("Seal of the organization"),
        "date": _("Date"),
    }
