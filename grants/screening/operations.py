"""Eligibility screening (資格審查): the checklist and the outcome.

``system_checklist`` computes what the system can know (registration code valid, request
within the cap, required documents attached, organization not barred); the admin confirms
or overrides each item except the bar, which is computed (grants.organizations: barred on the
day of screening) and stored as computed. ``screen`` records the outcome:

* pass → the proposal becomes ``eligible`` (goes on to expert review); refused while the
  organization is barred;
* return → ``returned`` with a reason and a revision deadline (after now); the NGO edits
  and resubmits before it (grants.intake.operations.submit_proposal);
* reject → ``rejected`` with a reason.

Submitted proposals can be screened; an outcome can be corrected later (an eligible or
rejected proposal screened again) but a returned one waits for its resubmission.
The NGO is e-mailed at each outcome (after the commit; a failed mail changes nothing).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from grants.extensions import db
from grants.intake.operations import _event, _locked, rules_for
from grants.models import Proposal, ProposalStatus, Screening, ScreeningOutcome, utcnow
from grants.organizations import operations as org_ops
from grants.platform import audit, localtime, mail
from grants.rules import lifecycle, uscc
from grants.rules.refusal import Refusal

CHECK_ITEMS = ("registration_valid", "within_cap", "attachments_complete", "not_barred")
SCREENABLE = (ProposalStatus.submitted, ProposalStatus.eligible, ProposalStatus.rejected)
OUTCOME_STATUS = {
    ScreeningOutcome.passed: ProposalStatus.eligible,
    ScreeningOutcome.returned: ProposalStatus.returned,
    ScreeningOutcome.rejected: ProposalStatus.rejected,
}


COMPUTED_ITEMS = ("not_barred",)  # not a box to tick: the system's answer is recorded


def system_checklist(proposal: Proposal, now: datetime | None = None) -> dict[str, bool]:
    org = proposal.organization
    rules = rules_for(proposal.round)
    have = {str(a.kind) for a in proposal.attachments}
    return {
        "registration_valid": uscc.problem(uscc.normalize(org.uscc)) is None and org.registered_on is not None,
        "within_cap": proposal.requested is not None and 0 < proposal.requested <= rules.project_cap,
        "attachments_complete": all(kind in have for kind in rules.required_documents),
        "not_barred": org_ops.bar_in_force(org.id, now or utcnow()) is None,
    }


def screen(proposal: Proposal, outcome: ScreeningOutcome, checklist: dict, reason: str,
           revision_deadline: datetime | None, actor_id: int | None, now: datetime) -> Screening:
    proposal = _locked(proposal)
    if proposal.status not in SCREENABLE:
        raise Refusal("not_screenable", field="status", status=str(proposal.status))
    reason = (reason or "").strip()
    if outcome != ScreeningOutcome.passed and not reason:
        raise Refusal("reason_required", field="reason")
    if outcome == ScreeningOutcome.returned:
        if revision_deadline is None:
            raise Refusal("required", field="revision_deadline")
        if not lifecycle.is_before(revision_deadline, now):
            raise Refusal("deadline_in_past", field="revision_deadline")
    barred = org_ops.barred_problem(proposal.organization_id, now, code="barred_screening")
    if barred is not None and outcome == ScreeningOutcome.passed:
        raise Refusal.of([barred])
    checklist = {**checklist, "not_barred": barred is None}
    row = proposal.screening or Screening(proposal_id=proposal.id)
    row.checklist = {k: bool(checklist.get(k)) for k in CHECK_ITEMS}
    row.outcome = outcome
    row.reason = reason
    row.revision_deadline = revision_deadline if outcome == ScreeningOutcome.returned else None
    row.screened_by_id = actor_id
    row.screened_at = now
    if proposal.screening is None:
        db.session.add(row)
    proposal.status = OUTCOME_STATUS[outcome]
    proposal.revision_deadline = row.revision_deadline
    db.session.flush()
    _event(proposal, actor_id, reason, at=now)
    audit.record("screen_proposal", proposal, actor_id=actor_id, outcome=str(outcome), reason=reason,
                 checklist=row.checklist, revision_deadline=row.revision_deadline)
    _notify_outcome(proposal, outcome, reason, row.revision_deadline)
    return row


def _notify_outcome(proposal: Proposal, outcome: ScreeningOutcome, reason: str, deadline: datetime | None) -> None:
    to = proposal.organization.contact_email
    if not to:
        return
    with force_locale(mail.locale_for(to)):  # the NGO's language, not the admin's
        subject, body = _outcome_message(proposal, outcome, reason, deadline)
    mail.queue(to, subject, body)


def _outcome_message(proposal: Proposal, outcome: ScreeningOutcome, reason: str, deadline: datetime | None):
    number = proposal.number or ""
    if outcome == ScreeningOutcome.passed:
        subject = _("Proposal %(number)s passed the eligibility screening", number=number)
        body = _("Your proposal \"%(name)s\" (%(number)s) passed the eligibility screening and goes on to the "
                 "expert review.", name=proposal.name, number=number)
    elif outcome == ScreeningOutcome.returned:
        subject = _("Proposal %(number)s returned for revision", number=number)
        body = _("Your proposal \"%(name)s\" (%(number)s) was returned for revision: %(reason)s\n"
                 "Please revise and resubmit it before %(deadline)s (Beijing time).",
                 name=proposal.name, number=number, reason=reason,
                 deadline=localtime.stamp(deadline))
    else:
        subject = _("Proposal %(number)s did not pass the eligibility screening", number=number)
        body = _("Your proposal \"%(name)s\" (%(number)s) did not pass the eligibility screening: %(reason)s",
                 name=proposal.name, number=number, reason=reason)
    return subject, body
