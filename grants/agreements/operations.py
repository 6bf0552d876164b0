"""Grant agreements (資助協議): the round's template, issuing, bank details, signing by both sides,
the signing deadline and withdrawing an award. Flush + audit, never commit (views commit).

Bank account numbers never reach an audit entry, a log line or a mail beyond their last four
digits (``grants.rules.agreements.mask_account``).
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    Agreement,
    AgreementFile,
    AgreementStatus,
    AgreementTemplate,
    Award,
    BudgetLine,
    BudgetVersion,
    Publication,
    PublicationStatus,
    Role,
    Round,
    Tranche,
    User,
    utcnow,
)
from grants.platform import audit, localtime, mail, uploads
from grants.publication import operations as publication_ops
from grants.rules import agreements as rules
from grants.rules import tranches
from grants.rules.refusal import Refusal

OPEN = (AgreementStatus.issued, AgreementStatus.ngo_signed)
FILE_KINDS = ("ngo_signed", "countersigned", "voucher")


# --------------------------------------------------------------------------- template


def template_for(rnd: Round) -> AgreementTemplate:
    """The round's template; an unsaved one with the defaults when none was saved (GET never writes)."""
    found = db.session.scalar(select(AgreementTemplate).where(AgreementTemplate.round_id == rnd.id))
    if found is not None:
        return found
    return AgreementTemplate(round_id=rnd.id, language="zh_Hant", duties=str(DEFAULT_DUTIES), terms=str(DEFAULT_TERMS),
                             signing_days=rules.DEFAULT_SIGNING_DAYS, change_threshold=rules.DEFAULT_CHANGE_THRESHOLD,
                             schedule=[[str(p), c] for p, c in tranches.DEFAULT_SCHEDULE])


DEFAULT_DUTIES = _l("Submit a mid-term self-assessment report at the half-way point of the project period and a "
                    "final report with the financial settlement within one month of its end.")
DEFAULT_TERMS = _l("Funds are used only for the approved budget. If the project is not carried out as agreed, "
                   "or an evaluation fails, payments stop and the funder may demand the unspent or misused "
                   "funds back; the organization returns them within 30 days.")


def schedule_of(template: AgreementTemplate) -> list[tuple[Decimal, str]]:
    return [(Decimal(str(p)), str(c)) for p, c in (template.schedule or [])]


def save_template(rnd: Round, *, language: str, duties: str, terms: str, signing_days: int,
                  schedule_rows, change_threshold: Decimal) -> AgreementTemplate:
    schedule = tranches.parse_schedule(schedule_rows)
    if signing_days is None or not 1 <= signing_days <= 120:
        raise Refusal("signing_days_range", field="signing_days")
    if change_threshold is None or not Decimal(0) <= change_threshold <= Decimal(100):
        raise Refusal("threshold_range", field="change_threshold")
    template = db.session.scalar(select(AgreementTemplate).where(AgreementTemplate.round_id == rnd.id))
    if template is None:
        template = AgreementTemplate(round_id=rnd.id)
        db.session.add(template)
    template.language = language if language in ("zh_Hant", "zh_Hans") else "zh_Hant"
    template.duties, template.terms = duties.strip(), terms.strip()
    template.signing_days, template.change_threshold = signing_days, change_threshold
    template.schedule = [[str(p), c] for p, c in schedule]
    db.session.flush()
    audit.record("save_agreement_template", template, round_id=rnd.id, signing_days=signing_days,
                 schedule=template.schedule, change_threshold=str(change_threshold))
    return template


# --------------------------------------------------------------------------- issuing


def final_publication(rnd: Round) -> Publication | None:
    return db.session.scalar(select(Publication).where(
        Publication.round_id == rnd.id, Publication.kind == "award",
        Publication.status == PublicationStatus.final).order_by(Publication.id.desc()))


def approved_budget(award: Award) -> dict[str, Decimal]:
    """The award spread over the proposal's budget categories (in the order they first appear)."""
    lines = db.session.scalars(select(BudgetLine).where(BudgetLine.proposal_id == award.proposal_id)
                               .order_by(BudgetLine.position)).all()
    weights: dict[str, Decimal] = {}
    for line in lines:
        weights[str(line.category)] = weights.get(str(line.category), Decimal(0)) + Decimal(line.subtotal)
    if not any(w > 0 for w in weights.values()):
        weights = {"other": Decimal(1)}
    return rules.spread(award.amount, list(weights.items()))


def issue_agreements(rnd: Round, *, today: date | None = None) -> list[Agreement]:
    """An agreement for every award of the final list (立項) that has none yet."""
    if final_publication(rnd) is None:
        raise Refusal("agreements_not_final")
    today = today or localtime.today()
    template = template_for(rnd)
    calendar = publication_ops.load_calendar()
    have = set(db.session.scalars(select(Agreement.award_id).where(Agreement.round_id == rnd.id)))
    awards = db.session.scalars(select(Award).where(Award.round_id == rnd.id, Award.withdrawn.is_(False))
                                .order_by(Award.rank, Award.id)).all()
    count = db.session.scalar(select(func.count(Agreement.id)).where(Agreement.round_id == rnd.id)) or 0
    created = []
    for award in awards:
        if award.id in have:
            continue
        count += 1
        created.append(create_agreement(rnd, award, template, calendar=calendar, today=today, seq=count))
    if not created:
        raise Refusal("agreements_none_to_issue")
    audit.record("issue_agreements", rnd, object_type="competition_round", count=len(created))
    return created


def create_agreement(rnd: Round, award: Award, template: AgreementTemplate, *, calendar, today: date,
                     seq: int) -> Agreement:
    proposal = award.proposal
    schedule = schedule_of(template) or list(tranches.DEFAULT_SCHEDULE)
    amounts = tranches.split_amount(award.amount, [p for p, _c in schedule])
    agreement = Agreement(
        award_id=award.id, round_id=rnd.id, proposal_id=proposal.id, organization_id=proposal.organization_id,
        number=f"HZXY-{rnd.edition:02d}-{seq:03d}", status=AgreementStatus.issued, amount=award.amount,
        language=template.language, duties=template.duties, terms=template.terms,
        change_threshold=template.change_threshold, issued_on=today,
        deadline=rules.signing_deadline(today, calendar, template.signing_days),
        tranches=[Tranche(position=i, percent=p, condition=c, amount=a)
                  for i, ((p, c), a) in enumerate(zip(schedule, amounts, strict=True))],
        budget_versions=[BudgetVersion(number=1, lines={k: str(v) for k, v in approved_budget(award).items()})],
    )
    db.session.add(agreement)
    db.session.flush()
    refresh_code(agreement)
    audit.record("issue_agreement", agreement, award_id=award.id, amount=str(award.amount),
                 deadline=agreement.deadline.isoformat())
    notify_org(agreement, _l("Your grant agreement is ready"),
               _l("The grant agreement %(number)s for “%(project)s” is ready. Sign in to review it, confirm your "
                  "bank details, and upload the signed and stamped copy by %(deadline)s."),
               number=agreement.number, project=proposal.name, deadline=agreement.deadline.isoformat())
    return agreement


# --------------------------------------------------------------------------- what it says


def current_budget(agreement: Agreement) -> BudgetVersion:
    return agreement.budget_versions[-1]


def printed_budget(agreement: Agreement) -> BudgetVersion:
    """The version the agreement shows: the one the NGO signed, else the current one."""
    if agreement.signed_budget_version:
        for version in agreement.budget_versions:
            if version.number == agreement.signed_budget_version:
                return version
    return current_budget(agreement)


def budget_of(version: BudgetVersion) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in version.lines.items()}


def code_fields(agreement: Agreement) -> dict[str, object]:
    """What the verification code covers: the agreement as printed (the account only by its last 4)."""
    version = printed_budget(agreement)
    return {
        "number": agreement.number, "issuer": agreement.round.issuer, "round": agreement.round.name,
        "organization": agreement.organization.name, "project": agreement.proposal.name,
        "amount": str(agreement.amount), "issued_on": agreement.issued_on.isoformat(),
        "tranches": [[str(t.percent), t.condition, str(t.amount)] for t in agreement.tranches],
        "budget_version": version.number, "budget": {k: str(v) for k, v in sorted(version.lines.items())},
        "bank_account_name": agreement.bank_account_name, "bank_name": agreement.bank_name,
        "bank_account": rules.mask_account(agreement.bank_account),
    }


def refresh_code(agreement: Agreement) -> None:
    agreement.verification_code = rules.verification_code(code_fields(agreement))


def find_by_code(code: str) -> Agreement | None:
    code = (code or "").strip().lower()
    if len(code) != 64:
        return None
    return db.session.scalar(select(Agreement).where(Agreement.verification_code == code))


def is_overdue(agreement: Agreement, today: date | None = None) -> bool:
    return agreement.status in OPEN and rules.is_overdue(agreement.deadline, today or localtime.today(), signed=False)


# --------------------------------------------------------------------------- the NGO's side


def lock(agreement: Agreement) -> None:
    """Re-read the agreement under a row lock (PostgreSQL ``FOR UPDATE``) before a write that depends on
    its current state: two admins recording the same tranche at once cannot both pay it in full."""
    db.session.refresh(agreement, with_for_update=True)


def _must_be(agreement: Agreement, *statuses: AgreementStatus) -> None:
    lock(agreement)
    if agreement.status not in statuses:
        raise Refusal("agreement_wrong_state")


def save_bank(agreement: Agreement, *, account_name: str, bank_name: str, account: str) -> None:
    _must_be(agreement, AgreementStatus.issued)
    name, bank, number = rules.check_bank_details(account_name, bank_name, account)
    agreement.bank_account_name, agreement.bank_name, agreement.bank_account = name, bank, number
    agreement.bank_confirmed_at = utcnow()
    refresh_code(agreement)
    db.session.flush()
    audit.record("confirm_bank_details", agreement, account_name=name, bank_name=bank,
                 account=rules.mask_account(number))


def store_file(agreement: Agreement, kind: str, filename: str | None, data: bytes, user_id: int | None) -> AgreementFile:
    """Check the scan by its content (PDF, JPEG, PNG) and store it."""
    name = uploads.clean_name(filename)
    file_kind, content_type = uploads.check_upload(name, data)
    stored, digest = uploads.store(files_folder(), data, file_kind)
    row = AgreementFile(agreement_id=agreement.id, kind=kind, original_name=name, stored_name=stored,
                        content_type=content_type, size=len(data), sha256=digest, uploaded_by_id=user_id)
    db.session.add(row)
    db.session.flush()
    return row


def files_folder() -> str:
    return os.path.join(current_app.config["UPLOAD_FOLDER"], "agreements")


def upload_signed(agreement: Agreement, filename: str | None, data: bytes, *, user_id: int | None) -> AgreementFile:
    """The NGO's signed and stamped scan; the bank details must be confirmed first."""
    _must_be(agreement, AgreementStatus.issued, AgreementStatus.ngo_signed)
    if not agreement.bank_confirmed_at:
        raise Refusal("bank_details_missing", field="scan")
    row = store_file(agreement, "ngo_signed", filename, data, user_id)
    agreement.status = AgreementStatus.ngo_signed
    agreement.ngo_signed_at = utcnow()
    agreement.signed_budget_version = current_budget(agreement).number
    db.session.flush()
    audit.record("upload_signed_agreement", agreement, file_id=row.id, sha256=row.sha256,
                 budget_version=agreement.signed_budget_version)
    notify_admins(_l("A signed agreement is waiting for countersignature"),
                  _l("%(organization)s uploaded the signed agreement %(number)s. Check it and countersign."),
                  organization=agreement.organization.name, number=agreement.number)
    return row


# --------------------------------------------------------------------------- the Federation's side


def countersign(agreement: Agreement, *, on: date, filename: str | None = None, data: bytes | None = None,
                user_id: int | None) -> None:
    """Countersigned (uploaded copy or marked signed, with the date): the project is under agreement
    and the tranches due on signing become due."""
    _must_be(agreement, AgreementStatus.ngo_signed)
    if on is None:
        raise Refusal("required", field="signed_on")
    if on > localtime.today():
        raise Refusal("date_in_future", field="signed_on")
    if on < agreement.issued_on:
        raise Refusal("date_before_issue", field="signed_on", date=agreement.issued_on)
    file_id = None
    if data:
        file_id = store_file(agreement, "countersigned", filename, data, user_id).id
    agreement.status = AgreementStatus.signed
    agreement.countersigned_on = on
    agreement.countersigned_by_id = user_id
    db.session.flush()
    audit.record("countersign_agreement", agreement, signed_on=on.isoformat(), file_id=file_id)
    condition_met(agreement, tranches.SIGNING, on=on)
    notify_org(agreement, _l("Your grant agreement is signed"),
               _l("The grant agreement %(number)s for “%(project)s” is signed by both sides. The first tranche "
                  "will be paid to the account ending in %(last4)s."),
               number=agreement.number, project=agreement.proposal.name,
               last4=agreement.bank_account[-4:])


def withdraw(agreement: Agreement, *, reason: str) -> None:
    """Withdraw the award of an unsigned agreement (e.g. not signed by the deadline)."""
    _must_be(agreement, *OPEN)
    reason = (reason or "").strip()
    if not reason:
        raise Refusal("reason_required", field="reason")
    overdue = is_overdue(agreement)
    agreement.status = AgreementStatus.withdrawn
    agreement.withdrawn_at = utcnow()
    agreement.withdrawn_reason = reason
    agreement.award.withdrawn = True
    agreement.award.withdrawn_reason = reason
    db.session.flush()
    audit.record("withdraw_award", agreement, award_id=agreement.award_id, reason=reason,
                 overdue=overdue)
    notify_org(agreement, _l("Your award has been withdrawn"),
               _l("The award for “%(project)s” (agreement %(number)s) has been withdrawn. Reason: %(reason)s"),
               number=agreement.number, project=agreement.proposal.name, reason=reason)


def condition_met(agreement: Agreement, condition: str, *, on: date) -> list[Tranche]:
    """The tranches with this condition become due (idempotent). Returns those newly due."""
    if condition not in tranches.CONDITIONS:
        raise ValueError(condition)
    met = list(agreement.conditions_met or [])
    if condition not in met:
        agreement.conditions_met = [*met, condition]
    newly = []
    for tranche in agreement.tranches:
        if tranche.condition == condition and tranche.due_on is None:
            tranche.due_on = on
            newly.append(tranche)
    db.session.flush()
    if newly:
        audit.record("tranche_due", agreement, condition=condition, on=on.isoformat(),
                     positions=[t.position + 1 for t in newly])
    return newly


# --------------------------------------------------------------------------- mail


def org_recipients(agreement: Agreement) -> list[str]:
    emails = list(db.session.scalars(select(User.email).where(
        User.organization_id == agreement.organization_id, User.role == Role.applicant, User.active.is_(True))))
    return emails or [agreement.organization.contact_email]


def notify_org(agreement: Agreement, subject, body, **params) -> None:
    for to in org_recipients(agreement):
        mail.queue(to, subject, _Formatted(body, params))


def notify_admins(subject, body, **params) -> None:
    for to in db.session.scalars(select(User.email).where(User.role == Role.admin, User.active.is_(True))):
        mail.queue(to, subject, _Formatted(body, params))


class _Formatted:
    """A lazy msgid with its params, formatted in the recipient's language when ``str()`` is called."""

    def __init__(self, msg, params):
        self.msg, self.params = msg, params

    def __str__(self) -> str:
        return str(self.msg) % self.params
