"""The pure report rules (grants.rules.reports) with frozen dates: due dates from the project period,
overdue as a fail, extensions only before the due date, due-date changes, and a report's problems all
at once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from grants.rules import reports as r
from grants.rules.refusal import Refusal

DUE = date(2026, 6, 30)


def test_default_due_dates_midpoint_and_end_plus_30_days():
    assert r.default_due_dates(date(2026, 3, 1), date(2026, 12, 31), date(2026, 2, 1)) == (
        date(2026, 7, 31), date(2027, 1, 30))
    # no project dates: a year from the day the agreement was issued
    assert r.default_due_dates(None, None, date(2026, 2, 1)) == (date(2026, 8, 2), date(2027, 3, 3))
    # a project that started before the agreement: never due before it was issued
    assert r.default_due_dates(date(2025, 1, 1), date(2025, 3, 1), date(2026, 2, 1)) == (
        date(2026, 2, 1), date(2026, 3, 3))


def test_overdue_from_the_day_after_the_effective_due_date():
    assert not r.is_overdue("draft", DUE, None, DUE)
    assert r.is_overdue("draft", DUE, None, date(2026, 7, 1))
    assert r.is_overdue(None, DUE, None, date(2026, 7, 1))  # never started
    assert r.is_overdue("returned", DUE, None, date(2026, 7, 1))
    assert not r.is_overdue("submitted", DUE, None, date(2027, 1, 1))
    assert not r.is_overdue("accepted", DUE, None, date(2027, 1, 1))
    # an extension moves it; a revision deadline wins over both
    assert not r.is_overdue("draft", DUE, date(2026, 7, 15), date(2026, 7, 15))
    assert r.is_overdue("draft", DUE, date(2026, 7, 15), date(2026, 7, 16))
    assert not r.is_overdue("returned", DUE, None, date(2026, 8, 1), revision_due=date(2026, 8, 1))
    assert r.effective_due(DUE, date(2026, 7, 15), date(2026, 8, 1)) == date(2026, 8, 1)
    assert r.effective_due(date(2026, 9, 1), date(2026, 7, 15)) == date(2026, 9, 1)  # due moved past it


def test_extension_only_before_the_due_date_with_reason_and_later_date():
    assert r.check_extension(DUE, date(2026, 7, 31), DUE, " 颱風停課 ") == (date(2026, 7, 31), "颱風停課")
    assert r.check_extension(DUE, date(2026, 7, 31), date(2026, 6, 1), "x")[0] == date(2026, 7, 31)
    with pytest.raises(Refusal) as exc:
        r.check_extension(DUE, DUE, date(2026, 7, 1), "  ")
    assert exc.value.codes == ["extension_too_late", "reason_required", "extension_not_later"]
    with pytest.raises(Refusal) as exc:
        r.check_extension(DUE, None, DUE, "reason")
    assert exc.value.codes == ["required"]


def test_due_date_changes_while_not_passed_and_in_order():
    assert r.check_due_change(DUE, date(2026, 7, 10), date(2026, 6, 1), field="x") == date(2026, 7, 10)
    assert r.check_due_change(DUE, DUE, date(2026, 12, 1), field="x") == DUE  # unchanged: always fine
    for current, new, today, code in ((DUE, date(2026, 8, 1), date(2026, 7, 1), "due_date_passed"),
                                      (DUE, date(2026, 5, 1), date(2026, 6, 1), "due_date_in_past"),
                                      (DUE, None, date(2026, 6, 1), "required")):
        with pytest.raises(Refusal) as exc:
            r.check_due_change(current, new, today, field="midterm_report_due")
        assert exc.value.code == code and exc.value.field == "midterm_report_due"
    with pytest.raises(Refusal, match="due_order"):
        r.check_due_order(DUE, DUE)


def _valid(**over):
    base = {
        "activities": [{"state": "done", "done": "開展 4 場講座"}, {"state": "not_done", "done": ""}],
        "served": [("women", "huicheng", 120), ("children", "huicheng", "0")],
        "sessions_held": 4, "volunteers": "12", "volunteer_hours": Decimal("36.5"),
        "indicators": [{"actual": "85%"}], "spending": {"activities": "1000.00", "personnel": "0"},
        "categories": ["activities", "personnel"], "settlement": {}, "has_audit_report": False,
    }
    return base | over


def test_a_complete_midterm_report_has_no_problems_and_totals_are_sums():
    assert r.validate("midterm", **_valid()) == []
    assert r.total({"a": "1000.50", "b": "", "c": "x", "d": "20"}) == Decimal("1020.50")
    assert r.amount_of("-1") is None and r.amount_of("1.234") is None and r.amount_of("NaN") is None


def test_every_problem_at_once():
    problems = r.validate("final", **_valid(
        activities=[{"state": ""}, {"state": "partly", "done": " "}],
        served=[("women", "huicheng", -3), ("children", "huicheng", "abc")],
        sessions_held=None, volunteers=-1, volunteer_hours="-2",
        indicators=[{"actual": ""}], spending={"activities": "-5"}, settlement={"activities": "10"}))
    assert [(p.field, p.code) for p in problems] == [
        ("activities-0-state", "activity_state"), ("activities-1-done", "activity_done_missing"),
        ("served-0-person_times", "count_invalid"), ("served-1-person_times", "count_invalid"),
        ("sessions_held", "count_invalid"), ("volunteers", "count_invalid"), ("volunteer_hours", "count_invalid"),
        ("indicators-0-actual", "indicator_actual_missing"),
        ("spending-0-spent", "spending_missing"), ("spending-1-spent", "spending_missing"),
        ("settlement-1-amount", "settlement_missing"), ("audit", "audit_report_missing")]


def test_no_person_times_at_all_is_a_problem_but_zero_or_blank_cells_are_fine():
    problems = r.validate("midterm", **_valid(served=[("women", "huicheng", 0), ("others", "huicheng", "0")]))
    assert [p.code for p in problems] == ["served_missing"]
    blanks = [("women", "huicheng", 120), ("children", "huicheng", None), ("others", "huicheng", " ")]
    assert r.validate("midterm", **_valid(served=blanks)) == []  # a blank cell is nobody, not a mistake
    assert [p.code for p in r.validate("midterm", **_valid(served=[("women", "huicheng", None)]))] == [
        "served_missing"]
    final = r.validate("final", **_valid(settlement={"activities": "1000", "personnel": "0"}, has_audit_report=True))
    assert final == []


def _reopen(**given):
    values = {"marked_overdue": True, "report_status": "draft", "evaluation_state": None,
              "new_due": date(2026, 7, 20), "today": date(2026, 7, 10), "reason": " 洪水 "} | given
    return r.check_reopen(**values)


def test_reopen_an_overdue_report_with_a_reason_to_a_date_not_before_today():
    assert _reopen() == (date(2026, 7, 20), "洪水")
    assert _reopen(new_due=date(2026, 7, 10))[0] == date(2026, 7, 10)  # today is fine: in by the end of it
    assert _reopen(report_status="returned", evaluation_state="scoring")[1] == "洪水"
    assert _reopen(evaluation_state="panel")[0] == date(2026, 7, 20)


@pytest.mark.parametrize(("given", "codes"), [
    ({"reason": "  \n "}, ["reason_required"]),
    ({"reason": None, "new_due": None}, ["reason_required", "required"]),
    ({"new_due": date(2026, 7, 9)}, ["due_date_in_past"]),
    ({"marked_overdue": False}, ["report_not_overdue"]),
    ({"report_status": "accepted"}, ["report_not_overdue"]),
    ({"report_status": "submitted"}, ["report_not_overdue"]),
    ({"evaluation_state": "decided"}, ["reopen_evaluation_decided"]),
    ({"evaluation_state": "noticed"}, ["reopen_evaluation_decided"]),
    ({"evaluation_state": "final", "marked_overdue": False, "reason": "", "new_due": date(2026, 1, 1)},
     ["report_not_overdue", "reopen_evaluation_decided", "reason_required", "due_date_in_past"]),
])
def test_reopen_refused_with_every_problem_at_once(given, codes):
    with pytest.raises(Refusal) as exc:
        _reopen(**given)
    assert exc.value.codes == codes
    fields = {p.code: p.field for p in exc.value.problems}
    assert all(fields[c] == {"reason_required": "reason", "required": "new_due",
                             "due_date_in_past": "new_due"}.get(c) for c in codes)
