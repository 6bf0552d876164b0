"""Reminders of the evaluation stage: evaluators whose score sheet is not submitted 7 and 14 days after
they joined a panel; admins, when an evaluation-results notice (公示) has ended, with its open
objections, so that the outcomes (tranches due, terminations) are applied without delay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from grants.evaluation import operations as ops
from grants.extensions import db
from grants.models import (
    ConflictDeclaration,
    Evaluation,
    EvaluationPanel,
    EvaluationScore,
    EvaluationState,
    Proposal,
    Publication,
    PublicationStatus,
    ReviewStatus,
    Role,
    User,
)
from grants.platform import localtime
from grants.platform.reminders import Reminder, provider

#: periods that ended longer ago than this are not announced (e.g. on the first start of the schedule)
LOOK_BACK = timedelta(days=14)
#: an evaluator whose sheet is not submitted is reminded this long after joining the panel (the latest
#: occasion reached, once each); not after the last one plus LOOK_BACK
KIND_LABELS = {"midterm": _l("Mid-term evaluation"), "final": _l("Final evaluation")}
SHEET_REMINDERS = (("7d", timedelta(days=7)), ("14d", timedelta(days=14)))


@provider("evaluation.unfinished_sheets")
def unfinished_sheets(now: datetime):
    """Evaluators on an open panel (panel or scoring) with no submitted sheet and no declared conflict."""
    earliest = now - SHEET_REMINDERS[-1][1] - LOOK_BACK
    rows = db.session.execute(
        select(EvaluationPanel.evaluation_id, EvaluationPanel.created_at, Evaluation.kind, Proposal.name, User.email)
        .join(Evaluation, Evaluation.id == EvaluationPanel.evaluation_id)
        .join(Proposal, Proposal.id == Evaluation.proposal_id)
        .join(User, User.id == EvaluationPanel.evaluator_id)
        .outerjoin(EvaluationScore, and_(EvaluationScore.evaluation_id == EvaluationPanel.evaluation_id,
                                         EvaluationScore.evaluator_id == EvaluationPanel.evaluator_id,
                                         EvaluationScore.status == ReviewStatus.submitted))
        .outerjoin(ConflictDeclaration, and_(ConflictDeclaration.proposal_id == Evaluation.proposal_id,
                                             ConflictDeclaration.reviewer_id == EvaluationPanel.evaluator_id,
                                             ConflictDeclaration.has_conflict.is_(True)))
        .where(Evaluation.state.in_((EvaluationState.panel, EvaluationState.scoring)), User.active.is_(True),
               EvaluationPanel.created_at >= earliest, EvaluationScore.id.is_(None), ConflictDeclaration.id.is_(None))
    ).all()
    for evaluation_id, joined, kind, project, email in rows:
        joined = joined if joined.tzinfo is not None else joined.replace(tzinfo=UTC)
        reached = [(occasion, delay) for occasion, delay in SHEET_REMINDERS if joined + delay <= now]
        if not reached:
            continue
        occasion, delay = reached[-1]
        if now >= joined + delay + LOOK_BACK:
            continue
        kind_label = KIND_LABELS[str(kind)]
        yield Reminder(
            kind="evaluation_sheet", recipient=email.lower(), object_type="evaluation", object_id=evaluation_id,
            occasion=occasion,
            subject=_l("Your evaluation sheet is waiting: %(project)s", project=project),
            body=_l("You joined the evaluation panel of %(project)s (%(kind)s) on %(date)s and your score sheet is "
                    "not submitted yet. Please sign in, declare any conflict of interest, read the report and submit "
                    "your sheet.", kind=kind_label, project=project, date=localtime.local_date(joined).isoformat()))


@provider("evaluation.notice_ended")
def notice_ended(now: datetime):
    notices = db.session.scalars(select(Publication).where(
        Publication.kind == ops.NOTICE_KIND, Publication.status == PublicationStatus.notice,
        Publication.notice_end.is_not(None))).all()
    admins = None
    for pub in notices:
        ended = localtime.local_midnight(pub.notice_end + timedelta(days=1))
        if not ended <= now < ended + LOOK_BACK:
            continue
        if admins is None:
            admins = db.session.scalars(select(User.email).where(User.role == Role.admin, User.active.is_(True))).all()
        count = ops.open_objections(pub)
        for to in sorted({a.lower() for a in admins}):
            yield Reminder(
                kind="evaluation_notice_ended", recipient=to, object_type="publication", object_id=pub.id,
                occasion="ended",
                subject=_l("The evaluation notice of %(round)s has ended", round=pub.round.name),
                body=_l("The public notice of the evaluation results of %(round)s ended on %(date)s. Open objections: "
                        "%(count)s. Decide them, then make the results final: passed projects' tranches become due, "
                        "failed projects are terminated.", round=pub.round.name, date=pub.notice_end.isoformat(),
                        count=count))
