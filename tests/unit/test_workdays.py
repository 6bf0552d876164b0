"""Unit tests for grants.rules.workdays. Expected dates are computed by hand from the
State Council notices (see the comments in grants/rules/workdays.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.rules.refusal import Refusal
from grants.rules.workdays import (
    DEFAULT_NOTICE_DAYS,
    KNOWN_YEARS,
    MAX_REPORTED,
    WorkCalendar,
    add_working_days,
    default_calendar,
    format_calendar_text,
    is_working_day,
    next_working_day,
    notice_period,
    parse_calendar_text,
    working_days_between,
)

CN = default_calendar([2026])
PLAIN = WorkCalendar()  # weekends only
d = date.fromisoformat


def test_default_notice_is_five_days():
    assert DEFAULT_NOTICE_DAYS == 5


@pytest.mark.parametrize(
    ("published", "n", "calendar", "expected", "why"),
    [
        # Thu 5 Mar: Fri 6 (1), Mon 9 (2), Tue 10 (3), Wed 11 (4), Thu 12 (5)
        ("2026-03-05", 5, CN, "2026-03-12", "across a weekend"),
        # published on a Saturday: Mon 9 .. Fri 13
        ("2026-03-07", 5, CN, "2026-03-13", "published on a weekend"),
        # Fri 6 Mar is itself a working day but is not counted: Mon 9 is day 1
        ("2026-03-06", 1, CN, "2026-03-09", "publication day not counted"),
        # Tue 29 Sep: Wed 30 (1), Oct 1-7 off, Thu 8 (2), Fri 9 (3), Sat 10 makeup (4), Mon 12 (5)
        ("2026-09-29", 5, CN, "2026-10-12", "across 國慶 with a makeup Saturday"),
        # same dates with weekends only: Wed 30, Thu 1, Fri 2, Mon 5, Tue 6
        ("2026-09-29", 5, PLAIN, "2026-10-06", "no holiday calendar"),
        # Thu 24 Sep: 25-27 中秋 off, Mon 28 (1), 29 (2), 30 (3), Oct 8 (4), Oct 9 (5)
        ("2026-09-24", 5, CN, "2026-10-09", "中秋 then 國慶"),
        # published during golden week: Oct 8 (1), 9 (2), Sat 10 (3), Mon 12 (4), Tue 13 (5)
        ("2026-10-03", 5, CN, "2026-10-13", "published on a holiday"),
        # Fri 18 Sep: Sat 19 off, Sun 20 makeup (1), Mon 21 (2) .. Thu 24 (5)
        ("2026-09-18", 5, CN, "2026-09-24", "makeup Sunday"),
        # Fri 13 Feb: Sat 14 makeup (1), 15-23 春節 off, Tue 24 (2) .. Fri 27 (5), Sat 28 makeup (6)
        ("2026-02-13", 5, CN, "2026-02-27", "春節"),
        ("2026-02-13", 6, CN, "2026-02-28", "春節 second makeup Saturday"),
        # Wed 31 Dec 2025: Jan 1-3 元旦 off, Sun 4 makeup (1), Mon 5 (2), Tue 6 (3)
        ("2025-12-31", 3, CN, "2026-01-06", "元旦 makeup Sunday"),
        # Wed 29 Apr: Thu 30 (1), May 1-5 off, Wed 6 (2), Thu 7 (3), Fri 8 (4), Sat 9 makeup (5)
        ("2026-04-29", 5, CN, "2026-05-09", "勞動節"),
        ("2026-03-05", 0, CN, "2026-03-05", "n = 0"),
    ],
)
def test_add_working_days(published, n, calendar, expected, why):
    assert add_working_days(d(published), n, calendar) == d(expected), why


def test_notice_period():
    assert notice_period(d("2026-09-29"), CN) == (d("2026-09-30"), d("2026-10-12"))
    assert notice_period(d("2026-10-03"), CN, 1) == (d("2026-10-08"), d("2026-10-08"))
    with pytest.raises(ValueError):
        notice_period(d("2026-10-03"), CN, 0)


def test_bad_n():
    with pytest.raises(ValueError):
        add_working_days(d("2026-03-05"), -1, CN)
    with pytest.raises(TypeError):
        add_working_days(d("2026-03-05"), 5.0, CN)  # type: ignore[arg-type]


def test_is_working_day():
    assert is_working_day(d("2026-10-10"), CN)  # makeup Saturday
    assert not is_working_day(d("2026-10-11"), CN)  # ordinary Sunday
    assert not is_working_day(d("2026-10-01"), CN)
    assert not is_working_day(d("2026-10-03"), CN)  # holiday on a Saturday
    assert is_working_day(d("2026-10-08"), CN)
    assert next_working_day(d("2026-09-30"), CN) == d("2026-10-08")


def test_default_calendar_2026_matches_the_notice():
    holidays = sorted(CN.holidays)
    assert len(holidays) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert sorted(CN.extra_workdays) == [
        d(x) for x in ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
    ]
    assert {x for x in holidays if x.month == 2} == {d("2026-02-15") + timedelta(days=i) for i in range(9)}
    assert CN.years == {2026}


def test_default_calendar_years():
    assert default_calendar().years == KNOWN_YEARS
    assert d("2025-10-08") in default_calendar([2025]).holidays
    with pytest.raises(ValueError, match="no built-in holiday data for 2031"):
        default_calendar([2026, 2031])


def test_calendar_consistency_rules():
    with pytest.raises(ValueError, match="both a holiday and a workday"):
        WorkCalendar({d("2026-10-10")}, {d("2026-10-10")})
    with pytest.raises(ValueError, match="is a Mon"):
        WorkCalendar(set(), {d("2026-10-12")})
    with pytest.raises(TypeError):
        WorkCalendar({datetime(2026, 10, 1)}, set())
    cal = WorkCalendar({d("2026-10-01")}, set())
    assert isinstance(cal.holidays, frozenset)
    assert cal.merged(WorkCalendar(set(), {d("2026-10-10")})).extra_workdays == {d("2026-10-10")}


def test_parse_calendar_text():
    text = """
    # 2026 國慶
    2026-10-01 holiday
    2026-10-02   HOLIDAY   # trailing comment
    ２０２６－１０－０３ 放假
    2026-10-10\tworkday

    2026-09-20 上班
    """
    cal = parse_calendar_text(text)
    assert cal.holidays == {d("2026-10-01"), d("2026-10-02"), d("2026-10-03")}
    assert cal.extra_workdays == {d("2026-10-10"), d("2026-09-20")}
    assert parse_calendar_text("") == WorkCalendar()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-10-01 holiday\n2026-10-32 holiday", ("calendar_date_invalid", {"line": 2, "value": "2026-10-32"})),
        ("# c\n\n2026/10/01 holiday", ("calendar_date_format", {"line": 3, "value": "2026/10/01"})),
        ("2026-10-01", ("calendar_line_format", {"line": 1, "value": "2026-10-01"})),
        ("2026-10-01 holiday extra", ("calendar_line_format", {"line": 1, "value": "2026-10-01 holiday extra"})),
        ("2026-10-01 vacation", ("calendar_kind", {"line": 1, "value": "vacation"})),
        ("2026-10-01 holiday\n2026-10-01 holiday",
         ("calendar_duplicate", {"line": 2, "date": d("2026-10-01"), "earlier": 1})),
        ("2026-10-10 workday\n# x\n2026-10-10 holiday",
         ("calendar_duplicate", {"line": 3, "date": d("2026-10-10"), "earlier": 1})),
        ("2026-10-12 workday", ("calendar_workday_weekday", {"line": 1, "date": d("2026-10-12")})),
    ],
)
def test_parse_calendar_text_errors(text, problem):
    with pytest.raises(Refusal) as exc:
        parse_calendar_text(text)
    assert [(p.code, p.params) for p in exc.value.problems] == [problem]
    assert exc.value.field == "text"


def test_parse_calendar_text_reports_every_bad_line_up_to_a_limit():
    with pytest.raises(Refusal) as exc:
        parse_calendar_text("2026-10-01 holiday\nx\n2026-10-01 holiday\n2026-10-05 workday\n")
    assert [(p.code, p.params["line"]) for p in exc.value.problems] == [
        ("calendar_line_format", 2), ("calendar_duplicate", 3), ("calendar_workday_weekday", 4)]
    with pytest.raises(Refusal) as exc:
        parse_calendar_text("nonsense\n" * 500)
    assert len(exc.value.problems) == MAX_REPORTED
    with pytest.raises(Refusal) as exc:
        parse_calendar_text("y" * 5000)
    assert len(exc.value.params["value"]) < 100


def test_format_round_trip():
    text = format_calendar_text(CN)
    assert "2026-10-10 workday  # Sat" in text
    assert "2026-10-01 holiday  # Thu" in text
    assert parse_calendar_text(text) == CN
    everything = default_calendar()
    assert parse_calendar_text(format_calendar_text(everything)) == everything


@settings(max_examples=100, deadline=None)
@given(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
    st.integers(0, 30),
)
def test_add_working_days_properties(start, n):
    cal = default_calendar()
    end = add_working_days(start, n, cal)
    assert working_days_between(start, end, cal) == n
    if n:
        assert is_working_day(end, cal)
        assert end > start
        assert add_working_days(start, n + 1, cal) == next_working_day(end, cal)
