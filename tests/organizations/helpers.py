"""Building an organization's history quickly: closed editions with awards, agreements, payments,
reports and evaluations (direct rows: the stages that make them are tested elsewhere)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from grants.extensions import db
from grants.models import (
    Agreement,
    AgreementStatus,
    Award,
    Evaluation,
    EvaluationState,
    Payment,
    ProposalStatus,
    Report,
    ReportKind,
    ReportStatus,
    Tranche,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_noon(day: date) -> datetime:
    """Noon in Beijing on ``day``, as the aware UTC datetime operations are given."""
    return datetime.combine(day, time(12), tzinfo=SHANGHAI).astimezone(UTC)


def past_edition(app, make, org_id: int, year: int, *, name: str, amount: str = "150000",
                 evaluation: EvaluationState | None = EvaluationState.final, passed: bool = True,
                 overdue: bool = False, extra_not_funded: str | None = None) -> int:
    """A closed edition in ``year``: one funded project (award, signed agreement, two tranches, one
    payment, a mid-term report, a mid-term evaluation) and optionally a not-funded proposal."""
    opens = datetime(year, 3, 1, 1, tzinfo=UTC)
    rnd = make.round(call_opens_at=opens, call_closes_at=opens + timedelta(days=45))
    p = make.proposal(rnd.id, org_id, status=ProposalStatus.awarded, name=name, requested=amount)
    if extra_not_funded:
        make.proposal(rnd.id, org_id, status=ProposalStatus.not_awarded, name=extra_not_funded)
    with app.app_context():
        award = Award(round_id=rnd.id, proposal_id=p.id, rank=3, score=Decimal("86.45"), requested=Decimal(amount),
                      amount=Decimal(amount))
        db.session.add(award)
        db.session.flush()
        half = Decimal(amount) / 2
        a = Agreement(award_id=award.id, round_id=rnd.id, proposal_id=p.id, organization_id=org_id,
                      number=f"HZXY-{year}-{p.id}", status=AgreementStatus.signed, amount=Decimal(amount),
                      issued_on=date(year, 7, 1), deadline=date(year, 7, 20), countersigned_on=date(year, 7, 5),
                      tranches=[Tranche(position=0, percent=Decimal(50), condition="signing", amount=half,
                                        due_on=date(year, 7, 5)),
                                Tranche(position=1, percent=Decimal(50), condition="midterm", amount=half)])
        db.session.add(a)
        db.session.flush()
        db.session.add(Payment(agreement_id=a.id, tranche_id=a.tranches[0].id, amount=half, paid_on=date(year, 7, 9)))
        report = Report(agreement_id=a.id, round_id=rnd.id, organization_id=org_id, kind=ReportKind.midterm,
                        status=ReportStatus.accepted if not overdue else ReportStatus.draft,
                        due_on=date(year + 1, 1, 15),
                        overdue_at=datetime(year + 1, 1, 16, tzinfo=UTC) if overdue else None)
        db.session.add(report)
        db.session.flush()
        if evaluation is not None:
            db.session.add(Evaluation(agreement_id=a.id, round_id=rnd.id, proposal_id=p.id, organization_id=org_id,
                                      report_id=report.id, kind=ReportKind.midterm, state=evaluation,
                                      score=Decimal("81.50") if passed else Decimal("52.00"), passed=passed,
                                      reason="" if passed else ("overdue" if overdue else "score")))
        db.session.commit()
    return rnd.id
