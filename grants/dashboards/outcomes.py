"""Outcomes people can count: what the funded projects received, reported and achieved, as SQL sums.

READ-ONLY, plain data out, FIVE queries whatever the number of projects (one edition or all).

Definitions (shown on the pages too):

* **funds granted**: Σ ``Award.amount`` of awards not withdrawn;
* **funds paid**: Σ agreement payments (``Payment.kind == "payment"``) minus Σ refunds received
  (``kind == "refund"``), by the agreement's edition;
* **projects completed** (結項): agreements whose final evaluation passed and is final (:func:`completed`);
* **person-times served**: Σ ``ReportServed.person_times`` over each project's LATEST report that
  counts (:func:`counting_report`): its final report once submitted or accepted, else its accepted
  mid-term report; a project without such a report adds nothing (nothing was reported yet);
* **matching funds** (配套資金): ``Report.matching_funds`` of that same report where the NGO reported
  it, else the pledge in the proposal (``Proposal.matching_funds``); ``matching_reported`` counts
  the projects whose figure is reported, the rest are pledges.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from grants.extensions import db
from grants.models import (
    Agreement,
    Award,
    District,
    Evaluation,
    EvaluationState,
    Payment,
    Proposal,
    Report,
    ReportServed,
    TargetGroup,
)
from grants.models.reports import ReportKind, ReportStatus
from grants.platform import numbers

FINAL_COUNTS = (ReportStatus.submitted, ReportStatus.accepted)


def counting_report(report=Report):
    """SQL: ``report`` is its project's latest report that counts (final submitted/accepted, else mid-term accepted)."""
    later = aliased(Report)
    final = and_(report.kind == ReportKind.final, report.status.in_(FINAL_COUNTS))
    midterm = and_(report.kind == ReportKind.midterm, report.status == ReportStatus.accepted,
                   ~exists().where(later.agreement_id == report.agreement_id, later.kind == ReportKind.final,
                                   later.status.in_(FINAL_COUNTS)))
    return or_(final, midterm)


def completed(agreement=Agreement):
    """SQL: the project is completed (結項): its final evaluation passed and is final (after its notice), as
    ``grants.evaluation.operations.is_completed`` says for one agreement."""
    return exists().where(Evaluation.agreement_id == agreement.id, Evaluation.kind == ReportKind.final,
                          Evaluation.state == EvaluationState.final, Evaluation.passed.is_(True))


def _money(value) -> Decimal:
    return numbers.quantize(value or 0)


@dataclass
class EditionOutcomes:
    funded_projects: int = 0
    funds_granted: Decimal = Decimal("0.00")
    funds_paid: Decimal = Decimal("0.00")
    projects_completed: int = 0
    person_times: int = 0
    matching_funds: Decimal = Decimal("0.00")
    matching_reported: int = 0  # projects whose matching funds come from a report (the rest: the pledge)


@dataclass
class Outcomes:
    editions: dict[int, EditionOutcomes]  # round id -> figures
    by_group: dict[str, int] = field(default_factory=dict)  # TargetGroup value -> person-times
    by_district: dict[str, int] = field(default_factory=dict)  # District value -> person-times
    total: EditionOutcomes = field(default_factory=EditionOutcomes)


def outcomes(round_id: int | None = None) -> Outcomes:
    """The outcome figures of one round (``round_id``) or of every round, per round and in total."""

    def only(column):
        return [column == round_id] if round_id is not None else []

    editions: dict[int, EditionOutcomes] = defaultdict(EditionOutcomes)
    live = Award.withdrawn.is_(False)
    for rid, n, amount in db.session.execute(
        select(Award.round_id, func.count(Award.id), func.sum(Award.amount))
        .where(live, *only(Award.round_id)).group_by(Award.round_id)
    ).all():
        editions[rid].funded_projects, editions[rid].funds_granted = n, _money(amount)
    signed_amount = case((Payment.kind == "refund", -Payment.amount), else_=Payment.amount)
    for rid, paid in db.session.execute(
        select(Agreement.round_id, func.sum(signed_amount)).join(Agreement, Agreement.id == Payment.agreement_id)
        .where(*only(Agreement.round_id)).group_by(Agreement.round_id)
    ).all():
        editions[rid].funds_paid = _money(paid)
    for rid, n in db.session.execute(
        select(Agreement.round_id, func.count(Agreement.id)).where(completed(), *only(Agreement.round_id))
        .group_by(Agreement.round_id)
    ).all():
        editions[rid].projects_completed = n
    by_group: dict[str, int] = defaultdict(int)
    by_district: dict[str, int] = defaultdict(int)
    for rid, group, district, n in db.session.execute(
        select(Report.round_id, ReportServed.target_group, ReportServed.district, func.sum(ReportServed.person_times))
        .join(Report, Report.id == ReportServed.report_id).where(counting_report(), *only(Report.round_id))
        .group_by(Report.round_id, ReportServed.target_group, ReportServed.district)
    ).all():
        n = int(n or 0)
        editions[rid].person_times += n
        by_group[str(group)] += n
        by_district[str(district)] += n
    matching = func.coalesce(Report.matching_funds, Proposal.matching_funds)
    for rid, amount, reported in db.session.execute(
        select(Award.round_id, func.sum(matching), func.count(Report.matching_funds))
        .join(Proposal, Proposal.id == Award.proposal_id)
        .outerjoin(Agreement, Agreement.award_id == Award.id)
        .outerjoin(Report, and_(Report.agreement_id == Agreement.id, counting_report()))
        .where(live, *only(Award.round_id)).group_by(Award.round_id)
    ).all():
        editions[rid].matching_funds, editions[rid].matching_reported = _money(amount), int(reported or 0)
    result = Outcomes(editions=dict(editions), by_group=_ordered(by_group, [g.value for g in TargetGroup]),
                      by_district=_ordered(by_district, [d.value for d in District]))
    for e in result.editions.values():
        t = result.total
        t.funded_projects += e.funded_projects
        t.funds_granted += e.funds_granted
        t.funds_paid += e.funds_paid
        t.projects_completed += e.projects_completed
        t.person_times += e.person_times
        t.matching_funds += e.matching_funds
        t.matching_reported += e.matching_reported
    return result


def _ordered(values: dict, known: list[str]) -> dict:
    out = {k: values[k] for k in known if k in values}
    out.update({k: v for k, v in values.items() if k not in out})
    return out
