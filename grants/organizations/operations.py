"""Sanctions (取消資格, 禁入期) and each organization's history across editions.

* ``bar`` / ``lift``: an admin bars an organization for a period with a reason, or lifts a bar
  early with a reason; both audited. The rules are pure: grants.rules.sanctions.
* ``bar_in_force`` / ``barred_problem``: the bar on a day (Beijing time), used by intake (create
  and submit a proposal) and screening (the computed checklist item, no pass while barred).
* ``history``: one organization's editions, newest first, with a fixed number of queries however
  many editions and proposals there are. ``for_ngo=True`` keeps to what was published to the NGO.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grants.extensions import db
from grants.models import (
    Agreement,
    AgreementStatus,
    Award,
    Evaluation,
    EvaluationState,
    Organization,
    Proposal,
    ProposalStatus,
    Publication,
    PublicationStatus,
    Report,
    Role,
    Round,
    Sanction,
    User,
)
from grants.platform import audit, localtime, mail, numbers
from grants.rules import sanctions as rules
from grants.rules.refusal import Problem, Refusal

# ------------------------------------------------------------------ bars


def as_bar(sanction: Sanction) -> rules.Bar:
    lifted = localtime.local_date(sanction.lifted_at) if sanction.lifted_at is not None else None
    return rules.Bar(starts_on=sanction.starts_on, ends_on=sanction.ends_on, lifted_on=lifted, key=sanction.id)


def sanctions_of(organization_id: int) -> list[Sanction]:
    """Every bar of the organization, the latest start first (current and past)."""
    return list(db.session.scalars(
        select(Sanction).where(Sanction.organization_id == organization_id)
        .options(selectinload(Sanction.created_by), selectinload(Sanction.lifted_by))
        .order_by(Sanction.starts_on.desc(), Sanction.id.desc())))


def in_force(sanctions: list[Sanction], on: date) -> Sanction | None:
    """The bar in force on ``on`` among ``sanctions`` (the one ending last), or None."""
    bar = rules.active_bar([as_bar(s) for s in sanctions], on)
    return next((s for s in sanctions if s.id == bar.key), None) if bar else None


def bar_in_force(organization_id: int, now: datetime) -> Sanction | None:
    """The bar in force on the day of ``now`` (Beijing time), or None."""
    rows = db.session.scalars(select(Sanction).where(
        Sanction.organization_id == organization_id, Sanction.lifted_at.is_(None))).all()
    return in_force(list(rows), localtime.local_date(now))


def barred_problem(organization_id: int, now: datetime, code: str = "barred") -> Problem | None:
    """Why the organization may not apply on the day of ``now`` (None: it may)."""
    bar = bar_in_force(organization_id, now)
    if bar is None:
        return None
    return Problem("status", code, {"until": bar.ends_on, "reason": bar.reason})


def bars_by_organization(organization_ids, on: date) -> dict[int, Sanction]:
    """The bar in force on ``on`` per organization (one query): for lists."""
    ids = list(set(organization_ids))
    if not ids:
        return {}
    grouped: dict[int, list[Sanction]] = defaultdict(list)
    for s in db.session.scalars(select(Sanction).where(Sanction.organization_id.in_(ids),
                                                       Sanction.lifted_at.is_(None))):
        grouped[s.organization_id].append(s)
    out = {}
    for org_id, rows in grouped.items():
        bar = in_force(rows, on)
        if bar is not None:
            out[org_id] = bar
    return out


def bar(organization: Organization, starts_on: date | None, ends_on: date | None, reason: str,
        actor_id: int | None, now: datetime) -> Sanction:
    """Bar ``organization`` from ``starts_on`` to ``ends_on`` (inclusive) with a reason."""
    reason = (reason or "").strip()
    problems = rules.problems(starts_on, ends_on, reason)
    if problems:
        raise Refusal.of(problems)
    row = Sanction(organization_id=organization.id, starts_on=starts_on, ends_on=ends_on, reason=reason,
                   created_at=now, created_by_id=actor_id)
    db.session.add(row)
    db.session.flush()
    audit.record("bar_organization", row, actor_id=actor_id, organization_id=organization.id,
                 starts_on=starts_on, ends_on=ends_on, reason=reason)
    _tell(organization, _l("Your organization is barred from applying: %(name)s"),
          _l("%(name)s is barred from applying to the competition from %(start)s to %(end)s.\n"
             "Reason: %(reason)s\n"
             "While the bar is in force the organization cannot start or submit a proposal. "
             "If you think this is a mistake, please contact the Women's Federation."),
          name=organization.name, start=starts_on, end=ends_on, reason=reason)
    return row


def lift(sanction: Sanction, reason: str, actor_id: int | None, now: datetime) -> Sanction:
    """End a bar early, with a reason (it stays on record)."""
    sanction = db.session.scalars(select(Sanction).where(Sanction.id == sanction.id).with_for_update()).one()
    reason = (reason or "").strip()
    problems = rules.lift_problems(as_bar(sanction), reason)
    if problems:
        raise Refusal.of(problems)
    sanction.lifted_at = now
    sanction.lifted_by_id = actor_id
    sanction.lift_reason = reason
    db.session.flush()
    audit.record("lift_bar", sanction, actor_id=actor_id, organization_id=sanction.organization_id,
                 reason=reason)
    organization = db.session.get(Organization, sanction.organization_id)
    _tell(organization, _l("The bar on your organization is lifted: %(name)s"),
          _l("The bar on %(name)s (from %(start)s to %(end)s) was lifted on %(day)s.\n"
             "Reason: %(reason)s\n"
             "The organization may apply again."),
          name=organization.name, start=sanction.starts_on, end=sanction.ends_on,
          day=localtime.local_date(now), reason=reason)
    return sanction


class _Notice:
    """A lazy msgid with its values, written in the recipient's language when ``mail.queue`` calls ``str()``
    (dates as yyyy-MM-dd, as the pages show them)."""

    def __init__(self, msg, params):
        self.msg, self.params = msg, params

    def __str__(self) -> str:
        from flask_babel import format_date

        return str(self.msg) % {k: format_date(v, "yyyy-MM-dd") if isinstance(v, date) else v
                                for k, v in self.params.items()}


def _tell(organization: Organization, subject, body, **params) -> None:
    """Mail the organization's active applicant accounts (else its contact address)."""
    recipients = list(db.session.scalars(select(User.email).where(
        User.organization_id == organization.id, User.role == Role.applicant, User.active.is_(True))))
    for to in recipients or [organization.contact_email]:
        mail.queue(to, _Notice(subject, params), _Notice(body, params))


# ------------------------------------------------------------------ history across editions


@dataclass
class Entry:
    """One proposal in the history, with what followed it."""

    proposal: Proposal
    outcome: dict | None  # grants.intake.operations.outcome_of: what the NGO was told
    score: str  # the published score ("" when none was published)
    award: Award | None
    agreement: Agreement | None
    reports: list[Report] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    paid: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)


@dataclass
class Edition:
    round: Round
    entries: list[Entry]

    @property
    def granted(self) -> Decimal:
        return sum((e.agreement.amount if e.agreement and e.agreement.status != AgreementStatus.withdrawn
                    else (e.outcome or {}).get("amount") or Decimal(0)
                    for e in self.entries if funded(e)), Decimal(0))


def funded(entry: Entry) -> bool:
    return bool(entry.outcome and entry.outcome.get("kind") == "awarded")


def _published_scores(publications: dict[int, Publication]) -> dict[int, str]:
    out = {}
    for pub in publications.values():
        rows = pub.final_rows if pub.status == PublicationStatus.final and pub.final_rows is not None else pub.rows
        for row in rows or []:
            if row.get("proposal_id") is not None and row.get("score"):
                out[row["proposal_id"]] = row["score"]
    return out


def history(organization: Organization, *, for_ngo: bool) -> list[Edition]:
    """Every edition the organization took part in (submitted at least once), newest first.

    Queries: proposals (+ rounds), publications, awards, agreements (+ tranches, payments), reports
    (+ evaluations when they exist): a fixed number, whatever the number of editions."""
    from grants.intake import operations as intake_ops  # intake checks bars with this module

    proposals = db.session.scalars(
        select(Proposal).join(Round, Round.id == Proposal.round_id)
        .where(Proposal.organization_id == organization.id, Proposal.status != ProposalStatus.draft)
        .options(selectinload(Proposal.round), selectinload(Proposal.screening))
        .order_by(Round.edition.desc(), Proposal.number, Proposal.id)).all()
    if not proposals:
        return []
    ids = [p.id for p in proposals]
    round_ids = {p.round_id for p in proposals}
    publications: dict[int, Publication] = {}
    for pub in db.session.scalars(select(Publication).where(
            Publication.round_id.in_(round_ids), Publication.kind == "award",
            Publication.status.in_((PublicationStatus.notice, PublicationStatus.final))).order_by(Publication.id)):
        publications[pub.round_id] = pub  # the latest visible award list wins
    awards = {a.proposal_id: a for a in db.session.scalars(select(Award).where(Award.proposal_id.in_(ids)))}
    agreements = {a.proposal_id: a for a in db.session.scalars(
        select(Agreement).where(Agreement.proposal_id.in_(ids))
        .options(selectinload(Agreement.tranches), selectinload(Agreement.payments)))}
    reports: dict[int, list[Report]] = defaultdict(list)
    if agreements:
        for r in db.session.scalars(select(Report).where(
                Report.agreement_id.in_([a.id for a in agreements.values()])).order_by(Report.due_on)):
            reports[r.agreement_id].append(r)
    evaluations = _evaluations([a.id for a in agreements.values()], for_ngo=for_ngo)
    scores = _published_scores(publications)
    editions: list[Edition] = []
    for p in proposals:
        award = awards.get(p.id)
        outcome = intake_ops.outcome_of(p, award, publications.get(p.round_id))
        score = scores.get(p.id, "")
        if not score and award is not None and award.score is not None and (
                not for_ngo or (p.round_id not in publications and p.status == ProposalStatus.awarded)):
            # an edition made final before the platform (no publication row): its final list showed the score
            score = numbers.plain(award.score)
        agreement = agreements.get(p.id)
        entry = Entry(proposal=p, outcome=outcome, score=score, award=award, agreement=agreement)
        if agreement is not None:
            entry.reports = reports.get(agreement.id, [])
            entry.evaluations = evaluations.get(agreement.id, [])
            entry.paid = sum((x.amount for x in agreement.payments if x.kind == "payment"), Decimal(0))
            entry.refunded = sum((x.amount for x in agreement.payments if x.kind == "refund"), Decimal(0))
        if not editions or editions[-1].round.id != p.round_id:
            editions.append(Edition(round=p.round, entries=[]))
        editions[-1].entries.append(entry)
    return editions


#: What an NGO may see of its evaluations: results once they are publicly noticed (公示) or final.
NGO_VISIBLE_EVALUATIONS = (EvaluationState.noticed, EvaluationState.final)
DECIDED_EVALUATIONS = (EvaluationState.decided, *NGO_VISIBLE_EVALUATIONS)


def _evaluations(agreement_ids: list[int], *, for_ngo: bool) -> dict[int, list[Evaluation]]:
    """Evaluations per agreement, mid-term first (one query). The NGO sees results once noticed;
    admins see every evaluation, with its state."""
    out: dict[int, list[Evaluation]] = defaultdict(list)
    if not agreement_ids:
        return out
    query = select(Evaluation).where(Evaluation.agreement_id.in_(agreement_ids))
    if for_ngo:
        query = query.where(Evaluation.state.in_(NGO_VISIBLE_EVALUATIONS))
    for ev in db.session.scalars(query.order_by(Evaluation.kind.desc(), Evaluation.id)):  # midterm before final
        out[ev.agreement_id].append(ev)
    return out


def totals(editions: list[Edition]) -> dict:
    """Counts and sums over the history (editions, proposals, funded, granted, paid net of refunds,
    failed evaluations, overdue reports)."""
    entries = [e for ed in editions for e in ed.entries]
    return {
        "editions": len(editions),
        "proposals": len(entries),
        "funded": sum(1 for e in entries if funded(e)),
        "granted": sum((ed.granted for ed in editions), Decimal(0)),
        "paid": sum((e.paid - e.refunded for e in entries), Decimal(0)),
        "failed_evaluations": sum(1 for e in entries for ev in e.evaluations
                                  if ev.passed is False and ev.state in DECIDED_EVALUATIONS),
        "overdue_reports": sum(1 for e in entries for r in e.reports if r.overdue_at is not None),
    }


def summary(organization: Organization, now: datetime) -> dict:
    """The short version for the screening page (an admin's view): ``totals`` and the bar in force."""
    return totals(history(organization, for_ngo=False)) | {"bar": bar_in_force(organization.id, now)}
