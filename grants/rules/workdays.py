"""Working days for the 公示 (public notice) period, mainland-China style.

PURE module: standard library and ``grants.rules`` only.

A day is a *working day* when it is listed as an extra workday (調休 makeup day, always
a Saturday or Sunday), or else when it is Monday–Friday and not a listed holiday.

Counting rule (the one Chinese notices use: "公示期為 5 個工作日"):
the publication day itself is never counted, even when it is a working day. Day 1 is the
first working day strictly after the publication day, and the period ends at the end of
the Nth working day. So ``add_working_days(published, n, cal)`` returns the Nth working
day after ``published``; ``n == 0`` returns ``published`` unchanged.

Example: published Tuesday 2026-09-29 with 5 working days → Sep 30 (1), Oct 1–7 國慶
holidays skipped, Oct 8 (2), Oct 9 (3), Saturday Oct 10 makeup workday (4), Oct 12 (5):
the period runs 2026-09-30 to 2026-10-12.

The shipped calendar covers only the years in ``KNOWN_YEARS``; for any other year the
admins enter the State Council's notice in the calendar editor (``parse_calendar_text``).
``WorkCalendar.years`` tells which years a calendar has data for, so the app can warn
when a period runs into a year with nothing entered.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from grants.rules.refusal import Problem, Refusal

__all__ = [
    "DEFAULT_NOTICE_DAYS",
    "KNOWN_YEARS",
    "WorkCalendar",
    "add_working_days",
    "default_calendar",
    "format_calendar_text",
    "is_working_day",
    "next_working_day",
    "notice_period",
    "parse_calendar_text",
    "working_days_between",
]

DEFAULT_NOTICE_DAYS = 5
_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class WorkCalendar:
    """Public holidays (放假) and makeup working days (調休上班). Sets are stored as
    frozensets. A date may not be in both; every extra workday must be a Saturday or
    Sunday (a weekday "workday" is almost always a typo for another date)."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "extra_workdays", frozenset(self.extra_workdays))
        for d in self.holidays | self.extra_workdays:
            if not isinstance(d, date) or isinstance(d, datetime):
                raise TypeError(f"calendar entries must be datetime.date, not {d!r}")
        both = self.holidays & self.extra_workdays
        if both:
            raise ValueError(f"{min(both).isoformat()} is both a holiday and a workday")
        for d in self.extra_workdays:
            if d.weekday() < 5:
                raise ValueError(
                    f"{d.isoformat()} is a {_WEEKDAY_NAMES[d.weekday()]}; a makeup workday must be a Saturday or Sunday"
                )

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    @property
    def years(self) -> frozenset[int]:
        """Years for which the calendar lists at least one date."""
        return frozenset(d.year for d in self.holidays | self.extra_workdays)

    def merged(self, other: WorkCalendar) -> WorkCalendar:
        """Union of two calendars (raises ValueError if they contradict each other)."""
        return WorkCalendar(self.holidays | other.holidays, self.extra_workdays | other.extra_workdays)


def is_working_day(day: date, calendar: WorkCalendar) -> bool:
    return calendar.is_working_day(day)


def next_working_day(day: date, calendar: WorkCalendar) -> date:
    """The first working day strictly after ``day``."""
    d = day + timedelta(days=1)
    while not calendar.is_working_day(d):
        d += timedelta(days=1)
    return d


def add_working_days(start: date, n: int, calendar: WorkCalendar) -> date:
    """The Nth working day strictly after ``start`` (``start`` itself never counts);
    ``n == 0`` returns ``start``. Raises ValueError for negative ``n``."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("n must be an int")
    if n < 0:
        raise ValueError("n must not be negative")
    d = start
    for _ in range(n):
        d = next_working_day(d, calendar)
    return d


def notice_period(published: date, calendar: WorkCalendar, n: int = DEFAULT_NOTICE_DAYS) -> tuple[date, date]:
    """(first day, last day) of an N-working-day 公示 published on ``published``:
    for "公示期：2026年9月30日至10月12日". Requires n >= 1."""
    if n < 1:
        raise ValueError("a notice period needs at least one working day")
    return next_working_day(published, calendar), add_working_days(published, n, calendar)


def working_days_between(start: date, end: date, calendar: WorkCalendar) -> int:
    """Number of working days d with start < d <= end (0 if end <= start); the inverse of
    add_working_days: working_days_between(s, add_working_days(s, n, c), c) == n."""
    count = 0
    d = start + timedelta(days=1)
    while d <= end:
        if calendar.is_working_day(d):
            count += 1
        d += timedelta(days=1)
    return count


# ------------------------------------------------------------ official calendars


def _span(first: str, last: str) -> list[date]:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


# Source: 國務院辦公廳關於2025年部分節假日安排的通知 (國辦發明電〔2024〕12號, 2024-11-12).
_CN_2025_HOLIDAYS = [
    *_span("2025-01-01", "2025-01-01"),  # 元旦 (Wednesday, no makeup day)
    *_span("2025-01-28", "2025-02-04"),  # 春節
    *_span("2025-04-04", "2025-04-06"),  # 清明節
    *_span("2025-05-01", "2025-05-05"),  # 勞動節
    *_span("2025-05-31", "2025-06-02"),  # 端午節
    *_span("2025-10-01", "2025-10-08"),  # 國慶節 + 中秋節
]
_CN_2025_WORKDAYS = ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]

# Source: 國務院辦公廳關於2026年部分節假日安排的通知 (Xinhua, 2025-11-04). Note that it
# also makes Sunday 2026-01-04 a working day for 元旦, which is easy to miss.
_CN_2026_HOLIDAYS = [
    *_span("2026-01-01", "2026-01-03"),  # 元旦
    *_span("2026-02-15", "2026-02-23"),  # 春節
    *_span("2026-04-04", "2026-04-06"),  # 清明節
    *_span("2026-05-01", "2026-05-05"),  # 勞動節
    *_span("2026-06-19", "2026-06-21"),  # 端午節
    *_span("2026-09-25", "2026-09-27"),  # 中秋節
    *_span("2026-10-01", "2026-10-07"),  # 國慶節
]
_CN_2026_WORKDAYS = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]

_OFFICIAL: dict[int, tuple[list[date], list[str]]] = {
    2025: (_CN_2025_HOLIDAYS, _CN_2025_WORKDAYS),
    2026: (_CN_2026_HOLIDAYS, _CN_2026_WORKDAYS),
}
KNOWN_YEARS: frozenset[int] = frozenset(_OFFICIAL)


def default_calendar(years: Iterable[int] | None = None) -> WorkCalendar:
    """Mainland China's official holidays and makeup days for ``years`` (all of
    KNOWN_YEARS when None). Raises ValueError for a year with no built-in data rather
    than silently treating it as weekends-only."""
    wanted = sorted(KNOWN_YEARS if years is None else set(years))
    unknown = [y for y in wanted if y not in _OFFICIAL]
    if unknown:
        raise ValueError(
            f"no built-in holiday data for {', '.join(map(str, unknown))}; "
            f"known years: {', '.join(map(str, sorted(KNOWN_YEARS)))}"
        )
    holidays: set[date] = set()
    workdays: set[date] = set()
    for y in wanted:
        hol, work = _OFFICIAL[y]
        holidays.update(hol)
        workdays.update(date.fromisoformat(w) for w in work)
    return WorkCalendar(frozenset(holidays), frozenset(workdays))


# ------------------------------------------------------------------- text format

_KINDS = {
    "holiday": "holiday",
    "off": "holiday",
    "放假": "holiday",
    "休": "holiday",
    "workday": "workday",
    "work": "workday",
    "上班": "workday",
    "班": "workday",
}
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: The calendar editor's form field, which the refusals of ``parse_calendar_text`` concern.
CALENDAR_FIELD = "text"
#: At most this many bad lines are reported at once (a pasted spreadsheet is not 500 messages).
MAX_REPORTED = 20
_SHOWN_CHARS = 60


def parse_calendar_text(text: str) -> WorkCalendar:
    """Parse the editable format: one date per line, ``YYYY-MM-DD holiday`` or
    ``YYYY-MM-DD workday`` (also ``off``/``放假``/``休`` and ``work``/``上班``/``班``;
    case-insensitive; full-width characters are normalised). ``#`` starts a comment;
    blank lines are ignored.

    Raises ``Refusal`` with one problem per bad line (field ``text``; params ``line`` and the
    offending ``value`` / ``date``, plus ``earlier`` for a date given twice), codes:
    ``calendar_line_format`` (not two words), ``calendar_date_format`` (not YYYY-MM-DD),
    ``calendar_date_invalid`` (no such day), ``calendar_kind`` (neither holiday nor workday),
    ``calendar_duplicate`` (date already listed), ``calendar_workday_weekday`` (a makeup
    workday that is not a Saturday or Sunday). At most ``MAX_REPORTED`` problems are reported."""
    holidays: dict[date, int] = {}
    workdays: dict[date, int] = {}
    problems: list[Problem] = []
    add = problems.append
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = unicodedata.normalize("NFKC", raw).split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2:
            add(Problem(CALENDAR_FIELD, "calendar_line_format", {"line": lineno, "value": raw.strip()[:_SHOWN_CHARS]}))
            continue
        day_text, kind_text = parts
        if not _DATE_RE.fullmatch(day_text):
            add(Problem(CALENDAR_FIELD, "calendar_date_format", {"line": lineno, "value": day_text[:_SHOWN_CHARS]}))
            continue
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            add(Problem(CALENDAR_FIELD, "calendar_date_invalid", {"line": lineno, "value": day_text[:_SHOWN_CHARS]}))
            continue
        kind = _KINDS.get(kind_text.lower())
        if kind is None:
            add(Problem(CALENDAR_FIELD, "calendar_kind", {"line": lineno, "value": kind_text[:_SHOWN_CHARS]}))
            continue
        earlier = holidays.get(day) or workdays.get(day)
        if earlier is not None:
            add(Problem(CALENDAR_FIELD, "calendar_duplicate", {"line": lineno, "date": day, "earlier": earlier}))
            continue
        if kind == "workday":
            if day.weekday() < 5:
                add(Problem(CALENDAR_FIELD, "calendar_workday_weekday", {"line": lineno, "date": day}))
                continue
            workdays[day] = lineno
        else:
            holidays[day] = lineno
    if problems:
        raise Refusal.of(problems[:MAX_REPORTED])
    return WorkCalendar(frozenset(holidays), frozenset(workdays))


def format_calendar_text(calendar: WorkCalendar, header: str | None = None) -> str:
    """The calendar in the editable format, sorted by date, weekday as a comment, under a
    ``header`` comment (the caller passes it in the reader's language);
    parse_calendar_text(format_calendar_text(c)) == c."""
    header = header or "One date per line: YYYY-MM-DD holiday  |  YYYY-MM-DD workday (makeup Saturday/Sunday)"
    lines = ["# " + line for line in header.splitlines()]
    entries = [(d, "holiday") for d in calendar.holidays] + [(d, "workday") for d in calendar.extra_workdays]
    for d, kind in sorted(entries):
        lines.append(f"{d.isoformat()} {kind:<7}  # {_WEEKDAY_NAMES[d.weekday()]}")
    return "\n".join(lines) + "\n"
