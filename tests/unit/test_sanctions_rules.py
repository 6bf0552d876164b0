"""The pure sanction rules: which bar is in force on a day, and what a valid bar is."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grants.rules import sanctions as rules

START, END = date(2026, 3, 10), date(2029, 3, 9)
BAR = rules.Bar(START, END, key=1)


@pytest.mark.parametrize(("day", "barred"), [
    (START - timedelta(days=1), False), (START, True), (END, True), (END + timedelta(days=1), False)])
def test_bar_covers_start_and_end_days(day, barred):
    assert (rules.active_bar([BAR], day) is BAR) is barred


def test_latest_end_wins_and_a_lifted_bar_stops_on_its_lift_day():
    longer = rules.Bar(date(2027, 1, 1), date(2031, 1, 1), key=2)
    assert rules.active_bar([BAR, longer], date(2028, 1, 1)) is longer
    assert rules.active_bar([BAR, longer], date(2026, 6, 1)) is BAR
    lifted = rules.Bar(START, END, lifted_on=date(2027, 5, 1), key=3)
    assert rules.active_bar([lifted], date(2027, 4, 30)) is lifted
    assert rules.active_bar([lifted], date(2027, 5, 1)) is None
    assert rules.active_bar([], START) is None


def test_validation_problems():
    assert rules.problems(START, END, "違反協議，虛報服務人次") == []
    codes = {(p.field, p.code) for p in rules.problems(None, None, "  ")}
    assert codes == {("starts_on", "required"), ("ends_on", "required"), ("reason", "reason_required")}
    assert [p.code for p in rules.problems(START, START - timedelta(days=1), "x")] == ["sanction_end_before_start"]
    assert [p.code for p in rules.problems(START, START, "x")] == []  # a one-day bar
    ten = rules.add_years(START, rules.MAX_YEARS)
    assert rules.problems(START, ten, "x") == []
    too_long = rules.problems(START, ten + timedelta(days=1), "x")
    assert [(p.code, p.params) for p in too_long] == [("sanction_too_long", {"years": 10})]
    assert [p.code for p in rules.problems(START, END, "x" * (rules.REASON_MAX + 1))] == ["sanction_reason_long"]


def test_lift_problems_and_leap_days():
    assert rules.lift_problems(BAR, "已整改") == []
    assert [p.code for p in rules.lift_problems(BAR, "")] == ["reason_required"]
    lifted = rules.Bar(START, END, lifted_on=date(2027, 1, 1))
    assert "sanction_already_lifted" in [p.code for p in rules.lift_problems(lifted, "再次")]
    assert rules.add_years(date(2028, 2, 29), 3) == date(2031, 2, 28)
