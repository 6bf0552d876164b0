"""Pure rules of agreements and tranches: schedule sums, the remainder cent, due conditions, payments,
refunds, the ledger (hypothesis: it always reconciles), the signing deadline with holidays, bank
details, the approved budget and budget-change thresholds."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.rules import agreements as ag
from grants.rules import tranches as tr
from grants.rules import workdays
from grants.rules.refusal import Refusal

D = Decimal


# --------------------------------------------------------------------------- schedule


def test_default_schedule_is_60_30_10():
    assert tr.parse_schedule([(p, c) for p, c in tr.DEFAULT_SCHEDULE]) == [
        (D(60), "signing"), (D(30), "midterm"), (D(10), "final")]


def test_schedule_must_sum_to_100():
    with pytest.raises(Refusal) as exc:
        tr.parse_schedule([("60", "signing"), ("30", "midterm")])
    assert exc.value.code == "schedule_sum" and exc.value.params["percent"] == D(90)
    with pytest.raises(Refusal) as exc:
        tr.parse_schedule([("60", "signing"), ("50", "final")])
    assert exc.value.code == "schedule_sum"


def test_schedule_reports_every_bad_row_and_skips_blank_rows():
    with pytest.raises(Refusal) as exc:
        tr.parse_schedule([("abc", "signing"), ("", ""), ("-5", "midterm"), ("30", "later"), ("33.333", "final")])
    assert exc.value.codes == ["schedule_percent", "schedule_percent", "schedule_condition", "schedule_percent"]
    assert [p.params["row"] for p in exc.value.problems] == [1, 3, 4, 5]
    assert tr.parse_schedule([("100", "signing"), ("", "")]) == [(D(100), "signing")]
    with pytest.raises(Refusal) as exc:
        tr.parse_schedule([("", "")])
    assert exc.value.code == "schedule_empty"


def test_remainder_cent_goes_on_the_last_tranche():
    assert tr.split_amount(D("100000.01"), [D(60), D(30), D(10)]) == [D("60000.00"), D("30000.00"), D("10000.01")]
    assert tr.split_amount(D("0.10"), [D("33.33"), D("33.33"), D("33.34")]) == [D("0.03"), D("0.03"), D("0.04")]
    assert tr.split_amount(D("120000.50"), [D(60), D(30), D(10)]) == [D("72000.30"), D("36000.15"), D("12000.05")]
    with pytest.raises(ValueError, match="sum to 100"):
        tr.split_amount(D(100), [D(50)])


@given(total=st.decimals(min_value=0, max_value=10_000_000, places=2),
       cuts=st.lists(st.integers(1, 9999), min_size=1, max_size=6))
def test_split_always_adds_up_and_only_the_last_tranche_is_bigger(total, cuts):
    # percentages with 2 decimals summing to exactly 100
    whole = sum(cuts)
    percents = [(D(c) * 100 / whole).quantize(D("0.01"), rounding="ROUND_DOWN") for c in cuts[:-1]]
    percents.append(D(100) - sum(percents, D(0)))
    if percents[-1] <= 0:
        return
    amounts = tr.split_amount(total, percents)
    assert sum(amounts) == total
    for amount, percent in zip(amounts[:-1], percents[:-1], strict=True):
        exact = total * percent / 100
        assert amount <= exact < amount + D("0.01")
    assert amounts[-1] >= total * percents[-1] / 100 - D("0.000001")


def test_due_conditions():
    conditions = ["signing", "midterm", "final"]
    assert tr.due_positions(conditions, []) == []
    assert tr.due_positions(conditions, ["signing"]) == [0]
    assert tr.due_positions(conditions, ["signing", "midterm"]) == [0, 1]
    assert tr.due_positions(["signing", "signing", "final"], ["signing"]) == [0, 1]


# --------------------------------------------------------------------------- payments


def test_payment_checks():
    kw = {"tranche_amount": D(600), "already_paid": D(200), "due": True, "stopped": False}
    tr.check_payment(D(400), **kw)  # partial payments add up to the tranche
    for amount, code in [(D(401), "payment_over_tranche"), (D(0), "payment_positive"), (D(-1), "payment_positive")]:
        with pytest.raises(Refusal) as exc:
            tr.check_payment(amount, **kw)
        assert exc.value.code == code
    with pytest.raises(Refusal, match="tranche_not_due"):
        tr.check_payment(D(1), **{**kw, "due": False})
    with pytest.raises(Refusal, match="payments_stopped"):
        tr.check_payment(D(1), **{**kw, "stopped": True})


def test_refund_checks():
    tr.check_refund(D(100), net_paid=D(100), demanded=D(0), refunded=D(0), demand=True)
    with pytest.raises(Refusal, match="refund_over_paid"):
        tr.check_refund(D(101), net_paid=D(100), demanded=D(0), refunded=D(0), demand=True)
    tr.check_refund(D(50), net_paid=D(100), demanded=D(50), refunded=D(0), demand=False)
    with pytest.raises(Refusal, match="refund_over_demanded"):
        tr.check_refund(D(51), net_paid=D(100), demanded=D(50), refunded=D(0), demand=False)


# --------------------------------------------------------------------------- ledger


def test_ledger_by_hand():
    states = [tr.TrancheState(D(600), True, D(600)), tr.TrancheState(D(300), True, D(100)), tr.TrancheState(D(100), False)]
    led = tr.ledger(states, refund_demanded=D(50), refunded=D(20))
    assert (led.approved, led.due, led.paid, led.outstanding, led.not_yet_due) == (D(1000), D(900), D(700), D(200), D(100))
    assert (led.net_paid, led.refund_open) == (D(680), D(30))
    assert led.reconciles()
    stopped = tr.ledger(states, stopped=True)
    assert (stopped.outstanding, stopped.not_yet_due, stopped.withheld, stopped.due) == (D(0), D(0), D(300), D(700))
    assert stopped.reconciles()


money = st.decimals(min_value=0, max_value=1_000_000, places=2)


@st.composite
def agreement_history(draw):
    """A random agreement: tranche amounts, which are due, partial payments within each due tranche,
    maybe a stop, a refund demanded within what was paid and refunds received within the demand."""
    amounts = draw(st.lists(money, min_size=1, max_size=5))
    states = []
    for amount in amounts:
        due = draw(st.booleans())
        paid = draw(st.decimals(min_value=0, max_value=amount, places=2)) if due else D(0)
        states.append(tr.TrancheState(amount, due, paid))
    paid_total = sum((s.paid for s in states), D(0))
    demanded = draw(st.decimals(min_value=0, max_value=paid_total, places=2))
    refunded = draw(st.decimals(min_value=0, max_value=demanded, places=2))
    return states, draw(st.booleans()), demanded, refunded


@settings(max_examples=300)
@given(agreement_history())
def test_ledger_always_reconciles(history):
    states, stopped, demanded, refunded = history
    led = tr.ledger(states, stopped=stopped, refund_demanded=demanded, refunded=refunded)
    assert led.reconciles()
    assert led.approved == led.paid + led.outstanding + led.not_yet_due + led.withheld
    assert led.due >= led.paid if not stopped else led.due == led.paid
    assert led.net_paid == led.paid - led.refunded >= 0


@settings(max_examples=100)
@given(st.lists(agreement_history(), min_size=0, max_size=6))
def test_round_ledger_is_the_sum_of_its_projects(histories):
    ledgers = [tr.ledger(s, stopped=x, refund_demanded=d, refunded=r) for s, x, d, r in histories]
    whole = tr.total(ledgers)
    assert whole.reconciles()
    for name in tr.FIELDS:
        assert getattr(whole, name) == sum((getattr(led, name) for led in ledgers), D(0))


def test_next_due_is_the_first_unpaid_due_tranche():
    rows = [(0, D(600), True, D(600), None), (1, D(300), True, D(100), None), (2, D(100), False, D(0), None)]
    assert tr.next_due(rows) == (1, D(200))
    assert tr.next_due(rows[:1]) is None


# --------------------------------------------------------------------------- deadline


def test_signing_deadline_is_15_working_days_skipping_national_day():
    calendar = workdays.default_calendar()
    # issued Tuesday 2026-09-29: Sep 30, (Oct 1-7 國慶) Oct 8, 9, 10 (makeup Saturday), 12..16, 19..23, 26 -> Oct 26
    deadline = ag.signing_deadline(date(2026, 9, 29), calendar)
    assert workdays.working_days_between(date(2026, 9, 29), deadline, calendar) == 15
    assert deadline == date(2026, 10, 26)
    # without the holiday calendar it would be 3 weeks after: Oct 20
    assert ag.signing_deadline(date(2026, 9, 29), workdays.WorkCalendar()) == date(2026, 10, 20)
    assert ag.signing_deadline(date(2026, 12, 1), workdays.WorkCalendar(), days=5) == date(2026, 12, 8)
    with pytest.raises(ValueError):
        ag.signing_deadline(date(2026, 12, 1), calendar, days=0)


def test_overdue_only_after_the_deadline_day_and_never_when_signed():
    deadline = date(2026, 10, 21)
    assert not ag.is_overdue(deadline, date(2026, 10, 21), signed=False)
    assert ag.is_overdue(deadline, date(2026, 10, 22), signed=False)
    assert not ag.is_overdue(deadline, date(2026, 10, 22), signed=True)


def test_working_days_left():
    cal = workdays.WorkCalendar()
    assert ag.working_days_left(date(2026, 12, 4), date(2026, 12, 1), cal) == 4  # Tue..Fri
    assert ag.working_days_left(date(2026, 12, 4), date(2026, 12, 5), cal) == 0


# --------------------------------------------------------------------------- bank


def test_bank_details():
    assert ag.check_bank_details(" 惠州市某社工服務中心 ", "中國銀行惠州分行", "6217 8520-0001 2345 678") == (
        "惠州市某社工服務中心", "中國銀行惠州分行", "6217852000012345678")
    with pytest.raises(Refusal) as exc:
        ag.check_bank_details("", "", "12ab")
    assert [(p.field, p.code) for p in exc.value.problems] == [
        ("bank_account_name", "required"), ("bank_name", "required"), ("bank_account", "bank_account_invalid")]
    for bad in ("12345", "1" * 33, "６２１７８５２０００"):
        with pytest.raises(Refusal):
            ag.clean_account(bad)


def test_mask_shows_only_the_last_four_digits():
    assert ag.mask_account("6217852000012345678") == "****5678"
    assert ag.mask_account("") == ""


# --------------------------------------------------------------------------- budget


def test_spread_adds_up_to_the_award_with_the_remainder_on_the_last_category():
    budget = ag.spread(D("100000.01"), [("personnel", D(1)), ("activities", D(1)), ("materials", D(1))])
    assert budget == {"personnel": D("33333.33"), "activities": D("33333.33"), "materials": D("33333.35")}
    assert sum(budget.values()) == D("100000.01")
    assert ag.spread(D(100), [("a", D(0)), ("b", D(3))]) == {"b": D(100)}


@given(amount=money, weights=st.lists(st.decimals(min_value=0, max_value=10**6, places=2), min_size=1, max_size=6))
def test_spread_never_exceeds_the_award(amount, weights):
    named = [(f"c{i}", w) for i, w in enumerate(weights)]
    if not any(w > 0 for _n, w in named):
        return
    budget = ag.spread(amount, named)
    assert sum(budget.values()) == amount
    assert all(v >= 0 for v in budget.values())


CATS = ("personnel", "activities", "materials", "publicity", "administration", "other")


def test_budget_change_threshold():
    budget = {"personnel": D(50000), "activities": D(30000)}
    assert not ag.needs_approval(budget, "personnel", D(5000))  # exactly 10 %
    assert ag.needs_approval(budget, "personnel", D("5000.01"))
    assert not ag.needs_approval(budget, "personnel", D(10000), threshold=D(20))
    assert ag.needs_approval(budget, "activities", D(3001))


def test_budget_change_moves_money_and_keeps_the_total():
    budget = {"personnel": D(50000), "activities": D(30000)}
    after = ag.apply_change(budget, "personnel", "materials", D(2000), CATS)
    assert after == {"personnel": D(48000), "activities": D(30000), "materials": D(2000)}
    assert sum(after.values()) == sum(budget.values())
    ag.check_total(after, D(80000))
    for args, code in [(("personnel", "personnel", D(1)), "budget_same_category"),
                       (("personnel", "travel", D(1)), "budget_unknown_category"),
                       (("personnel", "activities", D(0)), "payment_positive"),
                       (("personnel", "activities", D("0.001")), "payment_positive"),
                       (("materials", "activities", D(1)), "budget_move_too_large")]:
        with pytest.raises(Refusal) as exc:
            ag.apply_change(budget, *args, CATS)
        assert exc.value.code == code
    with pytest.raises(Refusal, match="budget_over_award"):
        ag.check_total({"personnel": D(80001)}, D(80000))


def test_verification_code_changes_with_any_printed_value():
    base = {"number": "HZXY-08-001", "amount": "150000.00"}
    assert ag.verification_code(base) == ag.verification_code(dict(reversed(base.items())))
    assert ag.verification_code(base) != ag.verification_code({**base, "amount": "150000.01"})
    assert len(ag.verification_code(base)) == 64
