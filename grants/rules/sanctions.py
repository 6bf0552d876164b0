"""Sanctions (取消資格, 禁入期): which bar is in force on a day, and what a valid bar is. PURE.

A bar covers ``starts_on`` .. ``ends_on`` inclusive (dates in Beijing time); a lifted bar
(``lifted_on`` set) stops barring on the day it was lifted. The rule reads plain ``Bar`` records
(grants.organizations.operations makes them from the ``Sanction`` rows; ``key`` is the row's id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from grants.rules.refusal import Problem

MAX_YEARS = 10  # the longest bar an admin may set
REASON_MAX = 2000


@dataclass(frozen=True)
class Bar:
    """A plain record of one bar (what the rule reads)."""

    starts_on: date
    ends_on: date
    lifted_on: date | None = None
    key: int | None = None


def in_force(bar, on: date) -> bool:
    """Does ``bar`` bar the organization on day ``on``? (start and end days included)"""
    if not (bar.starts_on <= on <= bar.ends_on):
        return False
    return bar.lifted_on is None or on < bar.lifted_on


def active_bar(sanctions: Iterable[Bar], on: date) -> Bar | None:
    """The bar in force on ``on`` (the one that ends last when several overlap), or None."""
    current = [s for s in sanctions if in_force(s, on)]
    if not current:
        return None
    return max(current, key=lambda s: (s.ends_on, s.starts_on))


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def problems(starts_on: date | None, ends_on: date | None, reason: str) -> list[Problem]:
    """What is wrong with a new bar (empty: it may be recorded)."""
    out: list[Problem] = []
    if starts_on is None:
        out.append(Problem("starts_on", "required"))
    if ends_on is None:
        out.append(Problem("ends_on", "required"))
    if starts_on is not None and ends_on is not None:
        if ends_on < starts_on:
            out.append(Problem("ends_on", "sanction_end_before_start"))
        elif ends_on > add_years(starts_on, MAX_YEARS):
            out.append(Problem("ends_on", "sanction_too_long", {"years": MAX_YEARS}))
    if not (reason or "").strip():
        out.append(Problem("reason", "reason_required"))
    elif len(reason.strip()) > REASON_MAX:
        out.append(Problem("reason", "sanction_reason_long", {"max": REASON_MAX}))
    return out


def lift_problems(bar: Bar, reason: str) -> list[Problem]:
    """What is wrong with lifting ``bar`` (already lifted; no reason)."""
    out: list[Problem] = []
    if bar.lifted_on is not None:
        out.append(Problem("reason", "sanction_already_lifted"))
    if not (reason or "").strip():
        out.append(Problem("reason", "reason_required"))
    return out
