"""Mid-term and final evaluations (中期評估 / 結項評估): rubrics per round and kind, panels,
conflict declarations, score sheets, the decision, the public notice of a round's results
(公示, reusing the publication stage's machinery: the ``publication`` table with
``kind="evaluation"``, its objections, working-day calendar and objection window) and the
outcome: a pass meets the tranche condition, a fail stops payments, terminates the project and
demands the refund.  Flush + audit, never commit.  The rules are pure: grants.rules.evaluation.

States of an ``Evaluation``: panel → scoring (an evaluator assigned) → decided (aggregate and
verdict recorded; may be decided again until noticed) → noticed (in an evaluation-results
notice) → final (notice period over with no open objection; outcome applied).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grants.agreements import operations as agreement_ops
from grants.agreements import operations_money as money
from grants.extensions import db
from grants.models import (
    Agreement,
    AgreementStatus,
    ConflictDeclaration,
    Evaluation,
    EvaluationMethod,
    EvaluationPanel,
    EvaluationRubric,
    EvaluationScore,
    EvaluationState,
    Objection,
    ObjectionStatus,
    Publication,
    PublicationStatus,
    Report,
    ReportKind,
    ReviewStatus,
    Role,
    Round,
    User,
    utcnow,
)
from grants.platform import audit, conflicts, localtime, mail, numbers
from grants.publication import operations as publication_ops
from grants.rules import evaluation as rules
from grants.rules import rubric as rubric_core
from grants.rules import workdays
from grants.rules.refusal import Problem, Refusal

#: ``Publication.kind`` of a round's evaluation-results notice.
NOTICE_KIND = "evaluation"
KINDS = (ReportKind.midterm, ReportKind.final)
DRAFT_TOLERATED = frozenset({"score_missing", "score_comment_required"})
OPEN_STATES = (EvaluationState.panel, EvaluationState.scoring, EvaluationState.decided)


def kind_of(value: str) -> ReportKind:
    try:
        return ReportKind(value)
    except ValueError:
        raise Refusal("evaluation_kind") from None


# --------------------------------------------------------------------------- rubrics


def default_rubric(kind: ReportKind) -> rubric_core.Rubric:
    if kind == ReportKind.final:
        return rubric_core.default_final_evaluation_rubric()
    return rubric_core.default_midterm_evaluation_rubric()


def current_rubric_row(round_id: int, kind: ReportKind, *, store: bool = True) -> EvaluationRubric | None:
    """The newest rubric version of the round for the kind; the shipped default stored as version 1
    when none exists (``store=False``: None instead, for GET pages)."""
    row = db.session.scalars(select(EvaluationRubric).where(
        EvaluationRubric.round_id == round_id, EvaluationRubric.kind == kind)
        .order_by(EvaluationRubric.version.desc()).limit(1)).first()
    if row is None and store:
        row = EvaluationRubric(round_id=round_id, kind=kind, version=1,
                               definition=rubric_core.rubric_to_dict(default_rubric(kind)))
        db.session.add(row)
        db.session.flush()
    return row


def rubric_of(row: EvaluationRubric | None, kind: ReportKind) -> rubric_core.Rubric:
    return rubric_core.rubric_from_dict(row.definition) if row is not None else default_rubric(kind)


def shown_rubric(round_id: int, kind: ReportKind) -> rubric_core.Rubric:
    return rubric_of(current_rubric_row(round_id, kind, store=False), kind)


def save_rubric(rnd: Round, kind: ReportKind, *, pass_mark: Decimal | None, definition_text: str = "",
                user_id: int | None = None) -> EvaluationRubric:
    """A new rubric version for the round and kind: the JSON text if given (else the current rubric),
    with the pass mark.  Sheets keep the version they were scored on.  Raises ``RubricError``."""
    current = current_rubric_row(rnd.id, kind, store=False)
    rubric = rubric_core.loads_rubric(definition_text) if definition_text.strip() else rubric_of(current, kind)
    if pass_mark is not None:
        data = rubric_core.rubric_to_dict(rubric)
        data["pass_mark"] = str(pass_mark)
        rubric = rubric_core.rubric_from_dict(data)
    version = (current.version + 1) if current is not None else 1
    row = EvaluationRubric(round_id=rnd.id, kind=kind, version=version,
                           definition=rubric_core.rubric_to_dict(rubric), created_by_id=user_id)
    db.session.add(row)
    db.session.flush()
    audit.record("save_evaluation_rubric", row, round_id=rnd.id, kind=kind.value, version=version,
                 pass_mark=str(rules.pass_mark(rubric)))
    return row


# --------------------------------------------------------------------------- projects due


@dataclass
class DueRow:
    agreement: Agreement
    report: Report | None
    evaluation: Evaluation | None


def due_projects(rnd: Round, kind: ReportKind) -> list[DueRow]:
    """The round's projects under agreement (signed, or terminated with an evaluation of this kind),
    with their report of the kind and their evaluation, by agreement number."""
    agreements = db.session.scalars(select(Agreement).where(
        Agreement.round_id == rnd.id,
        Agreement.status.in_((AgreementStatus.signed, AgreementStatus.terminated))).order_by(Agreement.number)).all()
    reports = {r.agreement_id: r for r in db.session.scalars(select(Report).where(
        Report.round_id == rnd.id, Report.kind == kind))}
    evaluations = {e.agreement_id: e for e in db.session.scalars(select(Evaluation).where(
        Evaluation.round_id == rnd.id, Evaluation.kind == kind))}
    rows = []
    for a in agreements:
        if a.status == AgreementStatus.terminated and a.id not in evaluations:
            continue
        if kind == ReportKind.final and a.id not in evaluations and not _midterm_passed(a.id):
            continue
        rows.append(DueRow(a, reports.get(a.id), evaluations.get(a.id)))
    return rows


def _midterm_passed(agreement_id: int) -> bool:
    return db.session.scalar(select(Evaluation.id).where(
        Evaluation.agreement_id == agreement_id, Evaluation.kind == ReportKind.midterm,
        Evaluation.state == EvaluationState.final, Evaluation.passed.is_(True))) is not None


def evaluation_of(agreement: Agreement, kind: ReportKind) -> Evaluation | None:
    return db.session.scalar(select(Evaluation).where(Evaluation.agreement_id == agreement.id,
                                                      Evaluation.kind == kind))


def open_evaluation(agreement: Agreement, kind: ReportKind) -> Evaluation:
    """The agreement's evaluation of the kind, created (state panel) if there is none."""
    existing = evaluation_of(agreement, kind)
    if existing is not None:
        return existing
    if agreement.status != AgreementStatus.signed:
        raise Refusal("agreement_wrong_state")
    if kind == ReportKind.final and not _midterm_passed(agreement.id):
        raise Refusal("evaluation_midterm_first")
    report = db.session.scalar(select(Report).where(Report.agreement_id == agreement.id, Report.kind == kind))
    evaluation = Evaluation(agreement_id=agreement.id, round_id=agreement.round_id, proposal_id=agreement.proposal_id,
                            organization_id=agreement.organization_id, kind=kind, state=EvaluationState.panel,
                            report_id=report.id if report is not None else None,
                            rubric_id=current_rubric_row(agreement.round_id, kind).id)
    db.session.add(evaluation)
    db.session.flush()
    audit.record("open_evaluation", evaluation, agreement_id=agreement.id, kind=kind.value)
    return evaluation


def report_of(evaluation: Evaluation) -> Report | None:
    """The project's report of the evaluation's kind (linked, or found: it may be filed after the panel)."""
    if evaluation.report is not None:
        return evaluation.report
    return db.session.scalar(select(Report).where(Report.agreement_id == evaluation.agreement_id,
                                                  Report.kind == evaluation.kind))


# --------------------------------------------------------------------------- conflicts and panel


def declaration_of(user: User, evaluation: Evaluation) -> ConflictDeclaration | None:
    """The evaluator's 回避聲明 for the project (the review stage's table: one per person and proposal)."""
    return conflicts.declaration_of(user.id, evaluation.proposal_id)


def is_conflicted(user: User, evaluation: Evaluation) -> bool:
    d = declaration_of(user, evaluation)
    return d is not None and d.has_conflict


def on_panel(user, evaluation: Evaluation) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or user.role != Role.reviewer:
        return False
    return db.session.scalar(select(EvaluationPanel.id).where(
        EvaluationPanel.evaluation_id == evaluation.id, EvaluationPanel.evaluator_id == user.id)) is not None


def can_evaluate(user, evaluation: Evaluation) -> bool:
    """On the panel and declared no conflict (a conflicted evaluator cannot see or score)."""
    if not on_panel(user, evaluation):
        return False
    d = declaration_of(user, evaluation)
    return d is not None and not d.has_conflict


def evaluators() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.reviewer, User.active.is_(True))
                                   .order_by(User.name, User.id)))


def assign(evaluation: Evaluation, evaluator: User | None, *, user_id: int | None = None) -> EvaluationPanel:
    """Put a reviewer account on the project's panel.  Refused: not a reviewer, a declared conflict,
    already on it, or the evaluation already decided."""
    if evaluation.state not in (EvaluationState.panel, EvaluationState.scoring):
        raise Refusal("evaluation_closed")
    if evaluator is None or evaluator.role != Role.reviewer or not evaluator.active:
        raise Refusal("evaluation_not_evaluator", field="evaluator_id")
    if is_conflicted(evaluator, evaluation):
        raise Refusal("evaluation_conflicted", field="evaluator_id", name=evaluator.name)
    if on_panel(_Authenticated(evaluator), evaluation):
        raise Refusal("evaluation_already_on_panel", field="evaluator_id", name=evaluator.name)
    row = EvaluationPanel(evaluation_id=evaluation.id, evaluator_id=evaluator.id, created_by_id=user_id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Refusal("evaluation_already_on_panel", field="evaluator_id", name=evaluator.name) from None
    evaluation.state = EvaluationState.scoring
    db.session.flush()
    audit.record("assign_evaluator", evaluation, evaluator_id=evaluator.id)
    mail.queue(evaluator.email, _l("You are on an evaluation panel: %(project)s", project=evaluation.proposal.name),
               _l("You have been asked to evaluate the project “%(project)s” of %(organization)s. Sign in, declare "
                  "any conflict of interest, read the report and score it.",
                  project=evaluation.proposal.name, organization=evaluation.organization.name))
    return row


class _Authenticated:
    """A user seen as signed in (for ``on_panel`` on a user who is not the current one)."""

    is_authenticated = True

    def __init__(self, user: User) -> None:
        self.id, self.role = user.id, user.role


def unassign(evaluation: Evaluation, evaluator_id: int) -> None:
    """Take an evaluator off the panel (refused once their sheet is submitted or the evaluation decided)."""
    if evaluation.state not in (EvaluationState.panel, EvaluationState.scoring):
        raise Refusal("evaluation_closed")
    row = db.session.scalar(select(EvaluationPanel).where(EvaluationPanel.evaluation_id == evaluation.id,
                                                          EvaluationPanel.evaluator_id == evaluator_id))
    if row is None:
        raise Refusal("evaluation_not_found")
    sheet = sheet_of(evaluator_id, evaluation)
    if sheet is not None and sheet.status == ReviewStatus.submitted:
        raise Refusal("evaluation_sheet_submitted")
    if sheet is not None:
        db.session.delete(sheet)
    db.session.delete(row)
    db.session.flush()
    if not evaluation.panel:
        evaluation.state = EvaluationState.panel
    audit.record("unassign_evaluator", evaluation, evaluator_id=evaluator_id)


def declare(user: User, evaluation: Evaluation, *, has_conflict: bool, relation: str = "",
            note: str = "") -> ConflictDeclaration:
    """Record the evaluator's 回避聲明 for the project.  A conflict takes them off the panel, drops
    their draft sheet (audited) and mails the admins."""
    if has_conflict and relation not in conflicts.CONFLICT_RELATIONS:
        raise Refusal("evaluation_relation_required", field="relation")
    d = conflicts.record(user.id, evaluation.proposal_id, has_conflict=has_conflict, relation=relation, note=note)
    if not has_conflict:
        audit.record("evaluation_no_conflict", evaluation, evaluator_id=user.id)
        return d
    sheet = sheet_of(user.id, evaluation)
    if sheet is not None:
        if sheet.status == ReviewStatus.submitted and evaluation.state not in (EvaluationState.panel,
                                                                                EvaluationState.scoring):
            raise Refusal("evaluation_closed")
        audit.record("drop_evaluation_sheet_conflict", evaluation, evaluator_id=user.id, scores=sheet.scores,
                     total=str(sheet.total) if sheet.total is not None else None)
        db.session.delete(sheet)
    for row in list(evaluation.panel):
        if row.evaluator_id == user.id:
            db.session.delete(row)
    db.session.flush()
    db.session.refresh(evaluation)
    if not evaluation.panel and evaluation.state == EvaluationState.scoring:
        evaluation.state = EvaluationState.panel
    audit.record("evaluation_conflict", evaluation, evaluator_id=user.id, relation=d.relation, note=d.note)
    agreement_ops.notify_admins(
        _l("Conflict of interest declared: %(proposal)s", proposal=evaluation.proposal.name),
        _l("Evaluator %(name)s declared a conflict of interest with the project %(project)s and was taken off "
           "its evaluation panel. Relation: %(relation)s. Please assign another evaluator."),
        name=user.name, project=evaluation.proposal.name, relation=d.relation)
    return d


# --------------------------------------------------------------------------- score sheets


@dataclass
class SheetInput:
    """What the evaluator typed (strings)."""

    method: str = EvaluationMethod.papers.value
    visited_on: date | None = None
    visit_notes: str = ""
    scores: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    bonus: dict[str, str] = field(default_factory=dict)
    deductions: dict[str, str] = field(default_factory=dict)


def sheet_of(evaluator_id: int, evaluation: Evaluation) -> EvaluationScore | None:
    return db.session.scalar(select(EvaluationScore).where(EvaluationScore.evaluation_id == evaluation.id,
                                                           EvaluationScore.evaluator_id == evaluator_id))


def sheet_rubric(evaluation: Evaluation, sheet: EvaluationScore | None) -> tuple[EvaluationRubric, rubric_core.Rubric]:
    row = sheet.rubric if sheet is not None else (evaluation.rubric or current_rubric_row(evaluation.round_id,
                                                                                           evaluation.kind))
    return row, rubric_of(row, evaluation.kind)


def _check(rubric: rubric_core.Rubric, data: SheetInput, *, submit: bool) -> list[Problem]:
    problems = rules.sheet_problems(rubric, data.scores, data.comments, data.bonus, data.deductions)
    if data.method not in rules.METHODS:
        problems.append(Problem("method", "evaluation_method"))
    elif data.method != EvaluationMethod.papers.value and data.visited_on is None and submit:
        problems.append(Problem("visited_on", "evaluation_visit_date"))
    if data.visited_on is not None and data.visited_on > localtime.today():
        problems.append(Problem("visited_on", "date_in_future"))
    if not submit:
        problems = [p for p in problems if p.code not in DRAFT_TOLERATED]
    return problems


def save_sheet(user: User, evaluation: Evaluation, data: SheetInput, *, submit: bool,
               expected_version: int | None = None) -> EvaluationScore:
    """Save (or submit) the evaluator's sheet.  Refused: not allowed to evaluate, the evaluation
    decided, a stale form (``evaluation_sheet_changed``), or problems with the input (all at once)."""
    if not can_evaluate(user, evaluation):
        raise Refusal("evaluation_not_on_panel")
    if evaluation.state not in (EvaluationState.panel, EvaluationState.scoring):
        raise Refusal("evaluation_closed")
    sheet = sheet_of(user.id, evaluation)
    if expected_version is not None and (sheet.version if sheet is not None else 0) != expected_version:
        raise Refusal("evaluation_sheet_changed")
    row, rubric = sheet_rubric(evaluation, sheet)
    problems = _check(rubric, data, submit=submit)
    if problems:
        raise Refusal.of(problems)
    if sheet is None:
        sheet = EvaluationScore(evaluation_id=evaluation.id, evaluator_id=user.id, rubric_id=row.id)
        db.session.add(sheet)
    sheet.method = EvaluationMethod(data.method)
    sheet.visited_on = data.visited_on if data.method != EvaluationMethod.papers.value else None
    sheet.visit_notes = (data.visit_notes or "").strip()
    sheet.scores = rubric_core.number_strings(data.scores, [c.key for c in rubric.criteria])
    sheet.comments = {c.key: data.comments[c.key].strip() for c in rubric.criteria
                      if (data.comments.get(c.key) or "").strip()}
    sheet.bonus = rubric_core.number_strings(data.bonus, [b.key for b in rubric.bonus_items])
    sheet.deductions = rubric_core.number_strings(data.deductions, [d.key for d in rubric.deduction_items])
    try:
        sheet.total = rules.sheet_total(rubric, sheet.scores, sheet.bonus, sheet.deductions)
    except rubric_core.ScoreError:
        sheet.total = None
    sheet.updated_at = utcnow()
    if submit:
        sheet.status = ReviewStatus.submitted
        sheet.submitted_at = utcnow()
    db.session.flush()
    entry = audit.record("submit_evaluation_sheet" if submit else "save_evaluation_sheet", evaluation,
                         evaluator_id=user.id, method=sheet.method.value, scores=sheet.scores, bonus=sheet.bonus,
                         deductions=sheet.deductions, total=str(sheet.total) if sheet.total is not None else None)
    if submit:
        sheet.signature = entry.hash  # the submit entry in the hash-chained audit log signs the sheet
        db.session.flush()
    return sheet


def submitted_sheets(evaluation: Evaluation) -> list[EvaluationScore]:
    return [s for s in evaluation.score_sheets if s.status == ReviewStatus.submitted]


def methods_of(evaluation: Evaluation) -> list[str]:
    """The methods used by the submitted sheets, in a fixed order (papers, phone, site visit)."""
    used = {s.method.value for s in submitted_sheets(evaluation)}
    return [m for m in rules.METHODS if m in used]


# --------------------------------------------------------------------------- decision


def is_overdue(evaluation: Evaluation) -> bool:
    report = report_of(evaluation)
    return report is not None and report.overdue_at is not None


def justified_spending(evaluation: Evaluation) -> Decimal | None:
    """What the report justified: the settlement total of a final report, else the reported spending."""
    report = report_of(evaluation)
    if report is None:
        return None
    if evaluation.kind == ReportKind.final and report.settlement_total is not None:
        return Decimal(report.settlement_total)
    return Decimal(report.spent_total) if report.spent_total is not None else None


def proposed_refund(evaluation: Evaluation) -> Decimal:
    net_paid = money.ledger_of(evaluation.agreement).net_paid
    return rules.refund_due(net_paid, justified_spending(evaluation))


def decide(evaluation: Evaluation, *, refund: Decimal | None = None, user_id: int | None = None) -> rules.Verdict:
    """Aggregate the submitted sheets and record pass or fail (overdue report: fail whatever the scores).
    On a fail the refund is the admin's amount, else paid − justified spending.  May be repeated
    until the results are noticed."""
    if evaluation.state not in OPEN_STATES:
        raise Refusal("evaluation_closed")
    _row, rubric = sheet_rubric(evaluation, None)
    sheets = submitted_sheets(evaluation)
    aggregate = rules.aggregate({s.evaluator_id: Decimal(s.total) for s in sheets if s.total is not None})
    verdict = rules.verdict(aggregate.score if aggregate else None, rules.pass_mark(rubric),
                            overdue=is_overdue(evaluation))
    if refund is not None and refund < 0:
        raise Refusal("evaluation_refund_negative", field="refund")
    evaluation.score = aggregate.score if aggregate else None
    evaluation.aggregate_rule = aggregate.rule if aggregate else ""
    evaluation.sheets = aggregate.n if aggregate else 0
    evaluation.passed = verdict.passed
    evaluation.reason = verdict.reason
    evaluation.refund_amount = None if verdict.passed else (refund if refund is not None
                                                            else proposed_refund(evaluation))
    evaluation.state = EvaluationState.decided
    evaluation.decided_at = utcnow()
    evaluation.decided_by_id = user_id
    db.session.flush()
    audit.record("decide_evaluation", evaluation, score=str(evaluation.score), passed=verdict.passed,
                 reason=verdict.reason, sheets=evaluation.sheets, rule=evaluation.aggregate_rule,
                 refund=str(evaluation.refund_amount) if evaluation.refund_amount is not None else None)
    return verdict


# --------------------------------------------------------------------------- notice (公示)


def latest_notice(round_id: int, *, visible_only: bool = False) -> Publication | None:
    query = select(Publication).where(Publication.round_id == round_id, Publication.kind == NOTICE_KIND)
    if visible_only:
        query = query.where(Publication.status.in_((PublicationStatus.notice, PublicationStatus.final)))
    return db.session.scalars(query.order_by(Publication.id.desc()).limit(1)).first()


def notices(round_id: int, *, visible_only: bool = True) -> list[Publication]:
    query = select(Publication).where(Publication.round_id == round_id, Publication.kind == NOTICE_KIND)
    if visible_only:
        query = query.where(Publication.status.in_((PublicationStatus.notice, PublicationStatus.final)))
    return list(db.session.scalars(query.order_by(Publication.id.desc())))


def notice_rows(evaluations: list[Evaluation]) -> list[dict]:
    """The frozen rows of a results notice (plain data): project, organization, kind, score, verdict."""
    rows = []
    for e in sorted(evaluations, key=lambda e: (e.kind.value != "midterm", e.agreement.number)):
        rows.append({
            # "rank" and "amount" are blank: the objection pages read them from award rows
            "evaluation_id": e.id, "proposal_id": e.proposal_id, "rank": "", "amount": "",
            "number": e.agreement.number, "project": e.proposal.name, "organization": e.organization.name,
            "kind": e.kind.value, "score": numbers.plain(e.score) if e.score is not None else "",
            "passed": bool(e.passed), "reason": e.reason, "methods": methods_of(e),
            "refund": numbers.plain(e.refund_amount) if e.refund_amount else "",
        })
    return rows


def publish_results(rnd: Round, *, today: date | None = None, user_id: int | None = None) -> Publication:
    """Freeze the round's decided evaluations into a results notice (公示) for N working days.
    The caller enqueues the PDF render (``documents.enqueue_results``) and commits."""
    current = latest_notice(rnd.id)
    if current is not None and current.status in (PublicationStatus.rendering, PublicationStatus.notice):
        raise Refusal("evaluation_notice_running")
    decided = list(db.session.scalars(select(Evaluation).where(
        Evaluation.round_id == rnd.id, Evaluation.state == EvaluationState.decided).order_by(Evaluation.id)))
    if not decided:
        raise Refusal("evaluation_nothing_decided")
    today = today or localtime.today()
    start, end = workdays.notice_period(today, publication_ops.load_calendar(), max(1, rnd.notice_working_days or 1))
    rows = notice_rows(decided)
    pub = Publication(round_id=rnd.id, kind=NOTICE_KIND, status=PublicationStatus.rendering, notice_start=start,
                      notice_end=end, rows=rows, progress=0, error="", published_by_id=user_id)
    db.session.add(pub)
    db.session.flush()
    for e in decided:
        e.state = EvaluationState.noticed
        e.publication_id = pub.id
    audit.record("publish_evaluation_results", pub, round_id=rnd.id, rows=len(rows),
                 notice_start=start.isoformat(), notice_end=end.isoformat())
    pub.audit_head = audit.head_hash()
    db.session.flush()
    return pub


def reopen(e: Evaluation, *, user_id: int | None = None) -> None:
    """After an upheld objection against it, take an evaluation out of its notice and back to scoring:
    its decision is cleared (the sheets stay; evaluators may revise them), the notice is made final
    without it, and it is decided and noticed again later."""
    if e.state != EvaluationState.noticed or e.publication_id is None:
        raise Refusal("evaluation_not_noticed")
    upheld = db.session.scalar(select(Objection.id).where(
        Objection.publication_id == e.publication_id, Objection.proposal_id == e.proposal_id,
        Objection.status == ObjectionStatus.upheld))
    if upheld is None:
        raise Refusal("evaluation_no_upheld_objection")
    audit.record("reopen_evaluation", e, objection_id=upheld, publication_id=e.publication_id,
                 score=str(e.score), passed=e.passed, user_id=user_id)
    e.state = EvaluationState.scoring
    e.publication_id = None
    e.score, e.passed, e.reason, e.refund_amount, e.decided_at = None, None, "", None, None
    e.aggregate_rule, e.sheets = "", 0
    db.session.flush()


def open_objections(pub: Publication) -> int:
    return publication_ops.open_objections(pub)


def objections_of(pub: Publication) -> list[Objection]:
    return list(db.session.scalars(select(Objection).where(Objection.publication_id == pub.id)
                                   .order_by(Objection.filed_at, Objection.id)))


def finalise_refusal(pub: Publication | None, today: date | None = None) -> Refusal | None:
    """Why the results cannot become final now (the award list's rule: the period over, no open objection)."""
    return publication_ops.finalise_refusal(pub, today)


def finalise_results(pub: Publication | None, *, today: date | None = None) -> list[Evaluation]:
    """After the notice period with no open objection: apply each outcome.  Pass: the tranche waiting on
    it becomes due (a passed final evaluation gets its 結項 certificate code; the caller enqueues the
    PDF).  Fail: payments stopped, the project terminated, the refund demanded; the NGO is mailed in
    its language either way.  Returns the evaluations made final."""
    refusal = finalise_refusal(pub, today)
    if refusal is not None:
        raise refusal
    if pub.kind != NOTICE_KIND:
        raise Refusal("evaluation_not_found")
    today = today or localtime.today()
    evaluations = list(db.session.scalars(select(Evaluation).where(Evaluation.publication_id == pub.id)
                                          .order_by(Evaluation.id)))
    for e in evaluations:
        _apply_outcome(e, today)
    pub.status = PublicationStatus.final
    pub.finalised_at = utcnow()
    pub.final_rows = notice_rows(evaluations)
    db.session.flush()
    entry = audit.record("finalise_evaluation_results", pub, round_id=pub.round_id, rows=len(evaluations))
    pub.final_audit_head = entry.hash
    db.session.flush()
    return evaluations


def _apply_outcome(e: Evaluation, today: date) -> None:
    agreement = e.agreement
    effects = rules.effects(e.kind.value, bool(e.passed), refund_entered=e.refund_amount or Decimal(0))
    if effects.condition_met:
        money.evaluation_result(agreement, e.kind.value, passed=True, on=today)
    if effects.stop_payments:
        reason = str(_reason_text(e))
        if agreement.stopped_at is None:  # an admin may have stopped them already
            money.evaluation_result(agreement, e.kind.value, passed=False, on=today, reason=reason)
        refund = min(effects.refund, money.ledger_of(agreement).net_paid)
        if refund > 0:
            money.demand_refund(agreement, amount=refund, reason=reason)
        e.refund_amount = refund
        agreement.status = AgreementStatus.terminated
        audit.record("terminate_agreement", agreement, evaluation_id=e.id, reason=e.reason)
    if effects.completed:
        e.certificate_issued_on = today
        e.certificate_code = certificate_code(e)
    e.state = EvaluationState.final
    e.finalised_on = today
    db.session.flush()
    _notify(e)


def _reason_text(e: Evaluation):
    kind = _l("mid-term evaluation") if e.kind == ReportKind.midterm else _l("final evaluation")
    if e.reason == rules.REASON_OVERDUE:
        return _l("The %(kind)s failed: the report was overdue.", kind=kind)
    return _l("The %(kind)s failed with %(score)s points.", kind=kind, score=numbers.plain(e.score))


def _notify(e: Evaluation) -> None:
    agreement = e.agreement
    if e.passed and e.kind == ReportKind.final:
        agreement_ops.notify_org(agreement, _l("Your project is completed: %(project)s", project=e.proposal.name),
                                 _l("The final evaluation of “%(project)s” passed with %(score)s points. The project "
                                    "is completed; its completion certificate can be downloaded from your account."),
                                 project=e.proposal.name, score=numbers.plain(e.score))
    elif e.passed:
        agreement_ops.notify_org(agreement, _l("Mid-term evaluation passed: %(project)s", project=e.proposal.name),
                                 _l("The mid-term evaluation of “%(project)s” passed with %(score)s points. The next "
                                    "tranche is now due."), project=e.proposal.name, score=numbers.plain(e.score))
    else:
        agreement_ops.notify_org(agreement, _l("Evaluation failed: %(project)s", project=e.proposal.name),
                                 _l("The evaluation of “%(project)s” failed (%(reason)s). Payments are stopped and the "
                                    "project is terminated. Refund demanded: %(refund)s yuan."),
                                 project=e.proposal.name, reason=_reason_text(e),
                                 refund=numbers.plain(e.refund_amount or 0))


def is_completed(agreement: Agreement) -> bool:
    """結項: the final evaluation passed and is final."""
    return db.session.scalar(select(Evaluation.id).where(
        Evaluation.agreement_id == agreement.id, Evaluation.kind == ReportKind.final,
        Evaluation.state == EvaluationState.final, Evaluation.passed.is_(True))) is not None


# --------------------------------------------------------------------------- certificate code


def certificate_data(e: Evaluation) -> dict:
    """What the 結項 certificate's verification code covers (plain, language-independent)."""
    rnd = e.agreement.round
    return {"evaluation": e.id, "agreement": e.agreement.number, "round": rnd.edition, "issuer": rnd.issuer,
            "organization": e.organization.name, "uscc": e.organization.uscc, "project": e.proposal.name,
            "score": numbers.plain(e.score) if e.score is not None else "",
            "issued_on": e.certificate_issued_on.isoformat() if e.certificate_issued_on else ""}


def certificate_code(e: Evaluation) -> str:
    canonical = json.dumps(certificate_data(e), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- the NGO's view


def results_of_organization(organization_id: int) -> list[Evaluation]:
    """The organization's evaluations that are noticed or final (what it may see), newest first."""
    return list(db.session.scalars(select(Evaluation).where(
        Evaluation.organization_id == organization_id,
        Evaluation.state.in_((EvaluationState.noticed, EvaluationState.final))).order_by(Evaluation.id.desc())))
