"""Demo: the 8th edition's projects after 立項, in every post-award state, through the real operations of
grants.reports and grants.evaluation (runs after grants.demo.agreements, which signs three agreements).

* ngo01's project (mid-term passed, second tranche due): its accepted mid-term report and the passed,
  final mid-term evaluation behind that pass; its final report is due next;
* the second signed project: mid-term report submitted and accepted, the evaluation under way (a
  panel of two, one sheet submitted after a site visit);
* the project whose payments were stopped: its accepted mid-term report and the failed evaluation;
  the project is terminated;
* the project waiting for countersignature is countersigned, its mid-term report was due yesterday
  and was never submitted: marked overdue by the scheduled scan (counts as a fail);
* completed with a 結項 certificate: ngo01's 7th-edition project (grants.demo.history made it; here
  it gets its certificate code and PDF, verifiable at /verify).
"""

from __future__ import annotations

import random
from datetime import time, timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import select

from grants.agreements import operations as agreement_ops
from grants.evaluation import documents as evaluation_docs
from grants.evaluation import operations as evaluation_ops
from grants.extensions import db
from grants.models import (
    Agreement,
    AgreementStatus,
    Evaluation,
    EvaluationState,
    Report,
    ReportKind,
    Round,
)
from grants.platform import localtime
from grants.reports import operations as report_ops

SCORES = {"implementation": "25", "resources": "16", "finance": "17", "outcomes": "24"}


def seed(context: dict) -> None:
    from flask import current_app

    with current_app.test_request_context("/"):  # the operations write mails in the reader's language
        _seed(context)


def _values(report: Report, rng: random.Random) -> dict:
    """A complete report as the NGO would type it."""
    budget = report_ops.approved_budget(report.agreement)
    share = Decimal("0.45") if report.kind == ReportKind.midterm else Decimal("0.97")
    return {
        "activities": [{"state": "done", "done": "已按計劃開展，詳見活動記錄和簽到表。"} for _ in report.activities or []],
        "indicators": [{"actual": row.get("target") or "已達成", "note": "前後測問卷"} for row in report.indicators or []],
        "spending": [(amount * share).quantize(Decimal("0.01")) for amount in budget.values()],
        "settlement": [amount for amount in budget.values()],
        "served": [rng.choice([0, 30, 60, 120, 240]) for _ in report_ops.served_grid(report)],
        "sessions_held": rng.randint(8, 20), "volunteers": rng.randint(6, 20),
        "volunteer_hours": Decimal(rng.randint(40, 200)), "matching_funds": Decimal(rng.randrange(5000, 30000, 500)),
        "problems": "部分活動因天氣改期。", "changes": "",
    }


def _accepted_report(agreement: Agreement, kind: str, rng: random.Random, admin_id: int) -> Report:
    report = report_ops.open_report(agreement, kind)
    report_ops.save_draft(report, _values(report, rng))
    report_ops.submit(report)
    return report_ops.accept(report, user_id=admin_id)


def _scored(agreement: Agreement, evaluators: list, *, scores: dict, admin_id: int, today) -> Evaluation:
    evaluation = evaluation_ops.open_evaluation(agreement, ReportKind.midterm)
    for user in evaluators:
        evaluation_ops.assign(evaluation, user, user_id=admin_id)
    user = evaluators[0]
    evaluation_ops.declare(user, evaluation, has_conflict=False)
    evaluation_ops.save_sheet(user, evaluation, evaluation_ops.SheetInput(
        method="site_visit", visited_on=today - timedelta(days=3), visit_notes="走訪兩個活動點，查閱簽到表與照片。",
        scores=scores, comments={k: "活動記錄不完整，成效證據不足。" for k in scores}), submit=True)
    return evaluation


def _seed(context: dict) -> None:
    rng = random.Random(2026)  # noqa: S311  (demo data, not security)
    rnd, admin, reviewers = context["round"], context["admin"], context["reviewers"]
    today = localtime.today()
    agreements = db.session.scalars(select(Agreement).where(Agreement.round_id == rnd.id)
                                    .order_by(Agreement.number)).all()
    signed = [a for a in agreements if a.status == AgreementStatus.signed]
    passed, under_way, stopped = (signed + [None, None, None])[:3]
    if passed is not None:  # mid-term passed (grants.demo.agreements applied the money effect)
        report = _accepted_report(passed, "midterm", rng, admin.id)
        db.session.add(Evaluation(
            agreement_id=passed.id, round_id=rnd.id, proposal_id=passed.proposal_id,
            organization_id=passed.organization_id, report_id=report.id, kind=ReportKind.midterm,
            state=EvaluationState.final, score=Decimal("84.50"), aggregate_rule="mean", sheets=2, passed=True,
            decided_at=localtime.at(today - timedelta(days=12), time(10)),
            finalised_on=today - timedelta(days=2)))
    if under_way is not None:  # report accepted, evaluation being scored
        _accepted_report(under_way, "midterm", rng, admin.id)
        _scored(under_way, [reviewers[0], reviewers[2]], scores=SCORES, admin_id=admin.id, today=today)
    if stopped is not None:  # the failed mid-term evaluation behind the stopped payments: terminated
        report = _accepted_report(stopped, "midterm", rng, admin.id)
        db.session.add(Evaluation(
            agreement_id=stopped.id, round_id=rnd.id, proposal_id=stopped.proposal_id,
            organization_id=stopped.organization_id, report_id=report.id, kind=ReportKind.midterm,
            state=EvaluationState.final, score=Decimal("52.00"), aggregate_rule="mean", sheets=3, passed=False,
            reason="score", decided_at=localtime.at(today - timedelta(days=10), time(10)),
            finalised_on=today - timedelta(days=1), refund_amount=stopped.refund_demanded))
        stopped.status = AgreementStatus.terminated
    waiting = next((a for a in agreements if a.status == AgreementStatus.ngo_signed), None)
    if waiting is not None:  # countersigned; its mid-term report was due yesterday: overdue
        agreement_ops.countersign(waiting, on=today - timedelta(days=5), user_id=admin.id)
        waiting.midterm_report_due = today - timedelta(days=1)
        db.session.flush()
        report_ops.mark_overdue(today)
    _certificate(context)
    db.session.flush()


def _certificate(context: dict) -> None:
    """ngo01's completed 7th-edition project gets its 結項 certificate (code and PDF)."""
    org_id = context["organizations"][0].id
    e = db.session.scalar(
        select(Evaluation).join(Round, Round.id == Evaluation.round_id)
        .where(Evaluation.organization_id == org_id, Evaluation.kind == ReportKind.final,
               Evaluation.passed.is_(True), Evaluation.state == EvaluationState.final)
        .order_by(Round.edition.desc(), Evaluation.id))
    if e is None:
        return
    e.certificate_issued_on = e.finalised_on
    e.certificate_code = evaluation_ops.certificate_code(e)
    db.session.flush()
    evaluation_docs.render_job(SimpleNamespace(args={"what": "certificate", "id": e.id}))  # renders and commits
