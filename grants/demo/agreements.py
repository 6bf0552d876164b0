"""Demo: grant agreements for the 8th edition's awards, in every state.

ngo01's project is signed by both sides with its first tranche paid and confirmed, the mid-term
passed, the second tranche partly paid (receipt not yet confirmed), one budget change recorded under
the threshold and one larger change approved; another signed project has a budget change waiting
for approval; then one waiting for countersignature, one with bank details confirmed, one past its
signing deadline, one withdrawn for not signing, one with payments stopped and a refund demanded,
and the rest freshly issued.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from grants.agreements import operations as ops
from grants.agreements import operations_money as money
from grants.extensions import db
from grants.models import Award
from grants.platform import localtime, uploads
from grants.publication import operations as publication_ops

BANKS = ["中國工商銀行惠州分行", "中國銀行惠州江北支行", "中國建設銀行惠州分行", "中國農業銀行惠陽支行",
         "惠州農村商業銀行", "招商銀行惠州分行", "中國郵政儲蓄銀行惠東縣支行", "廣發銀行惠州分行"]


def _bank(agreement, i: int) -> None:
    ops.save_bank(agreement, account_name=agreement.organization.name, bank_name=BANKS[i % len(BANKS)],
                  account=f"62220{2000 + i:04d}{agreement.id:06d}{i:04d}")


def _scan(agreement, admin_id) -> None:
    ops.upload_signed(agreement, "資助協議-簽章版.pdf", uploads.tiny_pdf(), user_id=admin_id)


def seed(context: dict) -> None:
    from flask import current_app

    # the operations write mails and template text in the reader's language: a request context gives one
    with current_app.test_request_context("/"):
        _seed(context)


def _seed(context: dict) -> None:
    rnd, admin = context["round"], context["admin"]
    today = localtime.today()
    calendar = publication_ops.load_calendar()
    template = ops.template_for(rnd)
    awards = db.session.scalars(select(Award).where(Award.round_id == rnd.id, Award.withdrawn.is_(False))
                                .order_by(Award.rank, Award.id)).all()
    first_org = context["organizations"][0].id
    awards = sorted(awards, key=lambda a: a.proposal.organization_id != first_org)  # ngo01's project first
    agreements = []
    for seq, award in enumerate(awards, start=1):
        issued = today - timedelta(days=30 if seq in (5, 6) else 12)
        agreements.append(ops.create_agreement(rnd, award, template, calendar=calendar, today=issued, seq=seq))
    signed_on = today - timedelta(days=8)

    def sign(a, i):
        _bank(a, i)
        _scan(a, None)
        ops.countersign(a, on=signed_on, user_id=admin.id)

    for i, a in enumerate(agreements):
        state = i + 1
        if state == 1:
            sign(a, i)
            t1, t2 = a.tranches[0], a.tranches[1]
            p = money.record_payment(a, tranche_id=t1.id, amount=t1.amount, paid_on=signed_on + timedelta(days=2),
                                     voucher_no="HZFL-2026-0101", scan=None, user_id=admin.id)
            money.confirm_receipt(p, user_id=None)
            money.evaluation_result(a, "midterm", passed=True, on=today - timedelta(days=2))
            money.record_payment(a, tranche_id=t2.id, amount=(t2.amount / 2).quantize(Decimal("0.01")),
                                 paid_on=today - timedelta(days=1), voucher_no="HZFL-2026-0117", scan=None,
                                 user_id=admin.id)
            budget = ops.budget_of(ops.current_budget(a))
            source = max(budget, key=lambda k: budget[k])
            small = (budget[source] * Decimal("0.05")).quantize(Decimal("0.01"))
            money.request_budget_change(a, source=source, target="materials", amount=small,
                                        reason="活動物資價格上漲，從活動費中調劑。", user_id=None)
            big = (budget[source] * Decimal("0.2")).quantize(Decimal("0.01"))
            change = money.request_budget_change(a, source=source, target="personnel", amount=big,
                                                 reason="服務人數增加，需增聘一名兼職社工。", user_id=None)
            money.decide_budget_change(change, approve=True, note="同意調整，請在中期報告中說明。", user_id=admin.id)
        elif state == 2:
            sign(a, i)
            t1 = a.tranches[0]
            money.record_payment(a, tranche_id=t1.id, amount=t1.amount, paid_on=signed_on + timedelta(days=3),
                                 voucher_no="HZFL-2026-0102", scan=None, user_id=admin.id)
            budget = ops.budget_of(ops.current_budget(a))
            source = max(budget, key=lambda k: budget[k])
            money.request_budget_change(a, source=source, target="publicity",
                                        amount=(budget[source] * Decimal("0.15")).quantize(Decimal("0.01")),
                                        reason="增加社區宣傳，擴大服務覆蓋面。", user_id=None)
        elif state == 3:
            _bank(a, i)
            _scan(a, None)
        elif state == 4:
            _bank(a, i)
        elif state == 5:
            pass  # issued 30 days ago: past the signing deadline, flagged
        elif state == 6:
            ops.withdraw(a, reason="逾期未簽署資助協議，經催告仍未簽署，撤銷立項。")
        elif state == 7:
            sign(a, i)
            t1 = a.tranches[0]
            money.record_payment(a, tranche_id=t1.id, amount=t1.amount, paid_on=signed_on + timedelta(days=1),
                                 voucher_no="HZFL-2026-0103", scan=None, user_id=admin.id)
            money.evaluation_result(a, "midterm", passed=False, on=today - timedelta(days=1),
                                    reason="中期評估不合格（52 分），停止後續撥款。")
            demanded = (t1.amount * Decimal("0.3")).quantize(Decimal("0.01"))
            money.demand_refund(a, amount=demanded, reason="部分活動未開展，退回相應資金。")
            money.record_refund(a, amount=(demanded / 2).quantize(Decimal("0.01")), paid_on=today,
                                voucher_no="TH-2026-001", user_id=admin.id)
    db.session.flush()
