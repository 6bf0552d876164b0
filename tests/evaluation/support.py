"""Builders for the evaluation tests (no tests here): a round with two signed agreements (the first
tranche paid), their mid-term reports, an admin, three evaluators; and the steps of an evaluation
through the app (assign, declare, score, decide, publish, finalise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from grants.extensions import db
from grants.models import Agreement, Evaluation, Publication, Report, ReportKind, ReportStatus, Role, utcnow
from grants.platform import localtime
from tests.agreements import support as agreement_support

ADMIN = agreement_support.ADMIN
NGO = agreement_support.NGO
OTHER_NGO = agreement_support.OTHER_NGO
EVALUATORS = ("eval-a@example.org", "eval-b@example.org", "eval-c@example.org")
OUTSIDER = agreement_support.REVIEWER  # a reviewer on no panel
FULL = {"score_implementation": "27", "score_resources": "17", "score_finance": "16", "score_outcomes": "25"}


@dataclass
class World:
    round_id: int
    agreement_id: int  # the NGO's (惠城區陽光社工服務中心)
    other_agreement_id: int
    evaluator_ids: tuple[int, ...]
    outsider_id: int


def build(make, app, *, spent: str = "50000") -> World:
    w = agreement_support.build(make, app)
    agreement_support.sign_both(app, w.agreement_id)
    agreement_support.sign_both(app, w.other_agreement_id)
    ids = tuple(make.user(Role.reviewer, email=e, name=f"評估專家{i + 1}").id for i, e in enumerate(EVALUATORS))
    from grants.agreements import operations_money as money

    with app.test_request_context():
        for agreement_id in (w.agreement_id, w.other_agreement_id):
            a = db.session.get(Agreement, agreement_id)
            first = a.tranches[0]
            money.record_payment(a, tranche_id=first.id, amount=first.amount, paid_on=localtime.today(),
                                 voucher_no=f"V-{a.id}", scan=None, user_id=None)
            db.session.add(Report(agreement_id=a.id, round_id=a.round_id, organization_id=a.organization_id,
                                  kind=ReportKind.midterm, status=ReportStatus.submitted,
                                  due_on=localtime.today(), submitted_at=utcnow(), spent_total=Decimal(spent),
                                  sessions_held=12, problems="場地不足"))
        db.session.commit()
        from grants.models import User

        outsider_id = db.session.scalar(select(User.id).where(User.email == OUTSIDER))
    return World(w.round_id, w.agreement_id, w.other_agreement_id, ids, outsider_id)


def evaluation_id(app, agreement_id: int, kind: str = "midterm") -> int | None:
    with app.app_context():
        return db.session.scalar(select(Evaluation.id).where(Evaluation.agreement_id == agreement_id,
                                                             Evaluation.kind == ReportKind(kind)))


def assign(auth, round_id: int, agreement_id: int, evaluator_id: int, kind: str = "midterm"):
    return auth.post(f"/admin/rounds/{round_id}/evaluations/{kind}/{agreement_id}/panel",
                     {"evaluator_id": str(evaluator_id)})


def declare(auth, evaluation_id: int, conflict: bool = False):
    data = {"answer": "conflict", "relation": "board"} if conflict else {"answer": "none"}
    return auth.post(f"/reviewer/evaluations/{evaluation_id}/declaration", data)


def score(auth, evaluation_id: int, *, submit: bool = True, version: str | None = None, **fields):
    data = {"version": version or "0", "method": "papers", "action": "submit" if submit else "draft", **FULL,
            **fields}
    if version is None:  # the form's version as loaded
        import re

        html = auth.client.get(f"/reviewer/evaluations/{evaluation_id}/sheet").get_data(as_text=True)
        found = re.search(r'name="version" type="hidden" value="(\d+)"|id="version" name="version" type="hidden" '
                          r'value="(\d+)"', html)
        data["version"] = (found.group(1) or found.group(2)) if found else "0"
    return auth.post(f"/reviewer/evaluations/{evaluation_id}/sheet", data)


def end_notice(app, round_id: int) -> None:
    """Move the round's evaluation notice period into the past (as if the working days had run out)."""
    with app.app_context():
        for pub in db.session.scalars(select(Publication).where(Publication.round_id == round_id,
                                                                Publication.kind == "evaluation")):
            pub.notice_end = localtime.today() - timedelta(days=1)
        db.session.commit()
