"""grants.rules.budget: Decimal money, the cap, the administration share, completeness and deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from grants.rules import budget, lifecycle
from grants.rules.budget import Line, ProposalData, RoundRules

RULES = RoundRules(project_cap=D("200000"), admin_share_max=D("10"),
                   project_start=date(2027, 1, 1), project_end=date(2027, 12, 31),
                   category_ids=frozenset({1, 2}), required_documents=("registration_certificate", "annual_report"))
DEADLINE = datetime(2026, 4, 30, 9, 0, tzinfo=UTC)  # 17:00 in Beijing


def lines(*specs):
    return [Line(cat, item, D(price) if price is not None else None, D(qty) if qty is not None else None)
            for cat, item, price, qty in specs]


GOOD = lines(("personnel", "社工", "6000", "12"), ("activities", "講座", "1500.50", "20"), ("administration", "管理", "9000", "1"))


def codes(problems):
    return [(p.field, p.code) for p in problems]


def test_subtotal_is_decimal_half_up():
    assert budget.line_subtotal(D("0.125"), D("1")) == D("0.13")
    assert budget.line_subtotal(D("19.99"), D("3")) == D("59.97")
    assert budget.line_subtotal(D("0.10"), D("0.5")) == D("0.05")
    assert budget.line_subtotal(None, D("2")) == D("0.00")
    assert budget.budget_total(lines(("other", "a", "0.1", "1"), ("other", "b", "0.2", "1"))) == D("0.30")  # not 0.30000000000000004


def test_good_budget_has_no_problems():
    total = budget.budget_total(GOOD)
    assert total == D("111010.00")
    assert budget.check_budget(GOOD, D("100000"), D("11010"), RULES) == []


def test_total_must_equal_requested_plus_matching():
    problems = budget.check_budget(GOOD, D("100000"), D("11009.99"), RULES)
    assert codes(problems) == [("budget_lines", "total_mismatch")]
    assert problems[0].params["total"] == D("111010.00")
    assert problems[0].params["sum"] == D("111009.99")


def test_cap_exact_is_allowed_one_fen_over_is_not():
    at_cap = lines(("personnel", "x", "200000", "1"))
    assert budget.check_budget(at_cap, D("200000"), D("0"), RULES) == []
    over = lines(("personnel", "x", "200000.01", "1"))
    problems = budget.check_budget(over, D("200000.01"), D("0"), RULES)
    assert codes(problems) == [("requested", "over_cap")]
    assert problems[0].params["cap"] == D("200000")


def test_admin_share_boundary():
    ok = lines(("administration", "a", "10", "1"), ("activities", "b", "90", "1"))  # exactly 10 %
    assert budget.check_budget(ok, D("100"), D("0"), RULES) == []
    over = lines(("administration", "a", "10.01", "1"), ("activities", "b", "89.99", "1"))  # 10.01 %
    problems = budget.check_budget(over, D("100"), D("0"), RULES)
    assert codes(problems) == [("budget_lines", "admin_share")]
    assert problems[0].params == {"share": D("10.01"), "max": D("10")}
    # 10.004 % rounds to 10.00 but is still over the limit: compared exactly
    tiny = lines(("administration", "a", "1000.04", "1"), ("activities", "b", "8995.96", "1"))
    assert codes(budget.check_budget(tiny, D("9996.00"), D("0"), RULES)) == [("budget_lines", "admin_share")]


def test_admin_share_default_and_custom():
    no_limit_given = RoundRules(project_cap=D("1000"), admin_share_max=None)
    twenty = lines(("administration", "a", "20", "1"), ("activities", "b", "80", "1"))
    assert codes(budget.check_budget(twenty, D("100"), D("0"), no_limit_given)) == [("budget_lines", "admin_share")]
    assert budget.check_budget(twenty, D("100"), D("0"), RoundRules(project_cap=D("1000"), admin_share_max=D("20"))) == []


@pytest.mark.parametrize("value,code", [
    (D("1.001"), "amount_decimals"),
    (D("-1"), "amount_negative"),
    (D("NaN"), "amount_invalid"),
    (D("Infinity"), "amount_invalid"),
    (D("1e12"), "amount_too_large"),
])
def test_amount_problems(value, code):
    assert budget.amount_problem(value, "requested").code == code


def test_amount_ok_forms():
    for value in (D("0"), D("1"), D("1.5"), D("1.50"), D("1E+2")):
        assert budget.amount_problem(value, "x") is None


def test_line_problems_point_at_the_field():
    bad = lines(("bogus", "", None, "0"), ("other", "x", "1.234", "1.005"))
    problems = codes(budget.check_budget(bad, D("1"), D("0"), RULES))
    assert ("budget_lines-0-category", "line_category") in problems
    assert ("budget_lines-0-item", "line_item_missing") in problems
    assert ("budget_lines-0-unit_price", "required") in problems
    assert ("budget_lines-0-quantity", "line_quantity") in problems
    assert ("budget_lines-1-unit_price", "amount_decimals") in problems
    assert ("budget_lines-1-quantity", "line_quantity_decimals") in problems


def test_empty_budget_and_missing_amounts():
    problems = codes(budget.check_budget([], None, None, RULES))
    assert problems == [("budget_lines", "budget_empty"), ("requested", "required"), ("matching_funds", "required")]
    assert ("requested", "requested_zero") in codes(budget.check_budget(lines(("other", "x", "1", "1")), D("0"), D("1"), RULES))


def test_admin_share_percentage():
    assert budget.admin_share(GOOD) == D("8.11")
    assert budget.admin_share([]) == D("0.00")


def complete(**overrides) -> ProposalData:
    values = dict(name="守護花蕾", category_id=1, districts=["huicheng"], target_groups=["children"], beneficiaries=300,
                  start_date=date(2027, 3, 1), end_date=date(2027, 11, 30), need="n", objectives="o", risks="r",
                  activities=1, outcomes=1, team=1, lines=GOOD, requested=D("100000"), matching_funds=D("11010"),
                  attachment_kinds=["registration_certificate", "annual_report"])
    values.update(overrides)
    return ProposalData(**values)


def test_complete_proposal_passes():
    assert budget.check_submission(complete(), RULES) == []

def test_every_budget_problem_is_reported_at_once():
    """The cap, the lines-don't-add-up and the administration share together: one round of fixing."""
    heavy = lines(("personnel", "社工", "150000", "1"), ("administration", "管理", "60000", "1"),
                  ("activities", "講座", None, "2"))  # a line with a missing price is reported too
    problems = budget.check_budget(heavy, D("250000"), D("0"), RULES)
    assert set(codes(problems)) == {("requested", "over_cap"), ("budget_lines", "total_mismatch"),
                                    ("budget_lines", "admin_share"), ("budget_lines-2-unit_price", "required")}
    mismatch = next(p for p in problems if p.code == "total_mismatch")
    assert mismatch.params["total"] == D("210000.00") and mismatch.params["sum"] == D("250000")
    share = next(p for p in problems if p.code == "admin_share")
    assert share.params["share"] == D("28.57")


def test_no_sum_check_without_amounts():
    """A missing requested amount is reported as missing, not as a sum that does not add up."""
    assert codes(budget.check_budget(GOOD, None, D("0"), RULES)) == [("requested", "required")]


@pytest.mark.parametrize("overrides,expected", [
    ({"name": "  "}, ("name", "required")),
    ({"category_id": 9}, ("category_id", "required")),
    ({"districts": []}, ("districts", "choose_one")),
    ({"target_groups": []}, ("target_groups", "choose_one")),
    ({"beneficiaries": 0}, ("beneficiaries", "beneficiaries_positive")),
    ({"start_date": date(2026, 12, 31)}, ("start_date", "before_period")),
    ({"end_date": date(2028, 1, 1)}, ("end_date", "after_period")),
    ({"end_date": date(2027, 2, 1)}, ("end_date", "end_before_start")),
    ({"team": 0}, ("team", "rows_missing")),
    ({"attachment_kinds": ["registration_certificate"]}, ("attachments", "attachments_missing")),
    ({"requested": D("250000"), "matching_funds": D("0")}, ("requested", "over_cap")),
])
def test_incomplete_proposal(overrides, expected):
    assert expected in codes(budget.check_submission(complete(**overrides), RULES))


def test_deadline_frozen_clock():
    one_second_before = DEADLINE - timedelta(seconds=1)
    one_second_after = DEADLINE + timedelta(seconds=1)
    assert lifecycle.can_submit("draft", DEADLINE, one_second_before) is None
    assert lifecycle.can_submit("draft", DEADLINE, DEADLINE).code == "deadline_passed"  # closed at the deadline itself
    assert lifecycle.can_submit("draft", DEADLINE, one_second_after).code == "deadline_passed"
    assert not lifecycle.can_edit("draft", DEADLINE, one_second_after)
    assert lifecycle.can_edit("draft", DEADLINE, one_second_before)
    assert lifecycle.can_withdraw("submitted", DEADLINE, one_second_after).code == "deadline_passed"
    assert lifecycle.can_withdraw("submitted", DEADLINE, one_second_before) is None
    assert lifecycle.can_reopen("withdrawn", DEADLINE, one_second_after).code == "deadline_passed"
    assert lifecycle.can_reopen("withdrawn", DEADLINE, one_second_before) is None


def test_deadline_compares_instants_not_wall_clocks():
    from zoneinfo import ZoneInfo

    beijing = DEADLINE.astimezone(ZoneInfo("Asia/Shanghai"))  # 17:00 +08:00, the same instant
    assert lifecycle.can_submit("draft", beijing, DEADLINE + timedelta(seconds=1)).code == "deadline_passed"
    with pytest.raises(ValueError):
        lifecycle.is_before(DEADLINE.replace(tzinfo=None), DEADLINE)


def test_returned_proposal_uses_its_revision_deadline():
    revision = DEADLINE + timedelta(days=7)
    assert lifecycle.deadline_for("returned", DEADLINE, revision) == revision
    assert lifecycle.deadline_for("draft", DEADLINE, revision) == DEADLINE
    now = DEADLINE + timedelta(days=1)
    assert lifecycle.can_submit("returned", lifecycle.deadline_for("returned", DEADLINE, revision), now) is None
    assert lifecycle.can_submit("returned", revision, revision + timedelta(seconds=1)).code == "deadline_passed"


def test_only_drafts_and_returned_are_submittable():
    for status in ("submitted", "eligible", "rejected", "withdrawn", "awarded"):
        assert lifecycle.can_submit(status, DEADLINE, DEADLINE - timedelta(days=1)).code == "not_editable"
    assert lifecycle.can_submit("draft", DEADLINE, DEADLINE - timedelta(days=30),
                             opens_at=DEADLINE - timedelta(days=20)).code == "call_not_open"
    assert lifecycle.can_withdraw("draft", DEADLINE, DEADLINE - timedelta(days=1)).code == "not_withdrawable"
    assert lifecycle.can_reopen("submitted", DEADLINE, DEADLINE - timedelta(days=1)).code == "not_reopenable"


def test_numbers():
    assert lifecycle.format_number(2026, 8, 42) == ("HZ-2026-08-0042", "P-0042")
    assert lifecycle.next_sequence([]) == 1
    assert lifecycle.next_sequence([None, "HZ-2026-08-0007", "HZ-2026-08-0012", "junk"]) == 13


def test_round_stage_follows_the_dates_then_the_work():
    opens, closes = DEADLINE - timedelta(days=30), DEADLINE
    review = (DEADLINE + timedelta(days=10), DEADLINE + timedelta(days=20))
    dates = {"call_opens_at": opens, "call_closes_at": closes, "review_opens_at": review[0], "review_closes_at": review[1]}
    stage = lifecycle.round_stage
    assert stage(opens - timedelta(seconds=1), **dates) == "preparing"
    assert stage(closes - timedelta(seconds=1), **dates) == "call_open"
    assert stage(closes, **dates) == "screening"  # the call closed at the deadline itself
    assert stage(review[0], **dates, awaiting_screening=2) == "screening"  # still proposals to screen
    assert stage(review[0], **dates) == "review"
    assert stage(review[1], **dates) == "ranking"
    assert stage(review[1], **dates, has_shortlist=True) == "roadshow"
    assert stage(review[1], **dates, has_awards=True) == "allocation"
    assert stage(opens, **dates, has_awards=True, publication="notice") == "notice"  # done work wins over dates
    assert stage(review[1], **dates, publication="final") == "final"
