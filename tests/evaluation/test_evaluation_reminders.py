"""The admins' reminder when an evaluation-results notice has ended: not before, once it ended, not
for the award notice's provider (which keeps to award lists)."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from grants.extensions import db
from grants.models import Publication, PublicationStatus, Role
from grants.platform import localtime, reminders


def test_notice_ended_reminder(app, make):
    rnd = make.round()
    make.user(Role.admin, email="eval-admin@example.org")
    with app.app_context():
        pub = Publication(round_id=rnd.id, kind="evaluation", status=PublicationStatus.notice,
                          notice_start=date(2026, 10, 12), notice_end=date(2026, 10, 16), rows=[])
        db.session.add(pub)
        db.session.commit()
        ended = localtime.local_midnight(date(2026, 10, 17))
        reminders.discover()

        def kinds(now):
            return sorted((r.kind, r.recipient) for r in reminders.due(now))

        assert kinds(ended - timedelta(minutes=1)) == []
        assert kinds(ended) == [("evaluation_notice_ended", "eval-admin@example.org")]
        assert kinds(ended + timedelta(days=15)) == []


def test_evaluators_with_unfinished_sheets_are_reminded_at_7_and_14_days(app, make):
    """An evaluator on an open panel without a submitted sheet is reminded 7 and 14 days after joining it
    (the latest occasion reached, in their language, once each); one who submitted or declared a conflict
    is not; nothing before 7 days or long after."""
    from sqlalchemy import select

    from grants.evaluation import operations as ops
    from grants.models import Agreement, ConflictDeclaration, EvaluationPanel, ReportKind, User
    from tests.conftest import translate
    from tests.evaluation import support as s

    w = s.build(make, app)
    with app.test_request_context():
        agreement = db.session.get(Agreement, w.agreement_id)
        evaluation = ops.open_evaluation(agreement, ReportKind.midterm)
        waiting, submitted, conflicted = (db.session.get(User, i) for i in w.evaluator_ids)
        for person in (waiting, submitted, conflicted):
            ops.assign(evaluation, person)
        db.session.commit()
        ops.declare(submitted, evaluation, has_conflict=False)
        ops.save_sheet(submitted, evaluation, ops.SheetInput(scores={"implementation": "27", "resources": "17",
                                                                     "finance": "16", "outcomes": "25"}),
                       submit=True)
        db.session.add(ConflictDeclaration(reviewer_id=conflicted.id, proposal_id=evaluation.proposal_id,
                                           has_conflict=True, relation="board"))
        db.session.commit()
        joined = db.session.scalar(select(EvaluationPanel.created_at).where(
            EvaluationPanel.evaluator_id == waiting.id))
        joined = joined if joined.tzinfo is not None else joined.replace(tzinfo=UTC)
        project = evaluation.proposal.name
        reminders.discover()

        def sheets(now):
            return sorted((r.recipient, r.occasion, str(r.subject)) for r in reminders.due(now)
                          if r.kind == "evaluation_sheet")

        subject = translate("Your evaluation sheet is waiting: %(project)s", project=project)
        assert sheets(joined + timedelta(days=7) - timedelta(minutes=1)) == []
        assert sheets(joined + timedelta(days=7)) == [(waiting.email, "7d", subject)]
        assert sheets(joined + timedelta(days=14)) == [(waiting.email, "14d", subject)]
        assert sheets(joined + timedelta(days=29)) == []
