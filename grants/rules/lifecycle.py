"""The lifecycle of a proposal (申報書): when it may be edited, submitted, withdrawn or reopened,
and how it is numbered. PURE: no Flask, no SQLAlchemy.

Deadlines: a proposal can be submitted or edited while ``now < deadline`` (UTC, aware datetimes);
at the deadline itself the window is closed. The deadline is the round's ``call_closes_at``, or
for a proposal returned for revision its own ``revision_deadline``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from grants.rules.budget import Problem

# ------------------------------------------------------------------ deadlines

EDITABLE = ("draft", "returned")


def deadline_for(status: str, call_closes_at: datetime, revision_deadline: datetime | None) -> datetime:
    """The deadline that governs a proposal in ``status``."""
    if status == "returned" and revision_deadline is not None:
        return revision_deadline
    return call_closes_at


def is_before(deadline: datetime, now: datetime) -> bool:
    """True while the window is open; both times must be aware (compared in UTC)."""
    if deadline.tzinfo is None or now.tzinfo is None:
        raise ValueError("deadline checks need aware datetimes")
    return now < deadline


def can_edit(status: str, deadline: datetime, now: datetime) -> bool:
    return status in EDITABLE and is_before(deadline, now)


def can_submit(status: str, deadline: datetime, now: datetime, opens_at: datetime | None = None) -> Problem | None:
    """None when a proposal in ``status`` may be submitted at ``now``; otherwise why not."""
    if status not in EDITABLE:
        return Problem("status", "not_editable", {"status": status})
    if opens_at is not None and now < opens_at:
        return Problem("status", "call_not_open", {"opens": opens_at})
    if not is_before(deadline, now):
        return Problem("status", "deadline_passed", {"deadline": deadline})
    return None


def can_withdraw(status: str, deadline: datetime, now: datetime) -> Problem | None:
    if status not in ("submitted", "returned"):
        return Problem("status", "not_withdrawable", {"status": status})
    if not is_before(deadline, now):
        return Problem("status", "deadline_passed", {"deadline": deadline})
    return None


def can_reopen(status: str, call_closes_at: datetime, now: datetime) -> Problem | None:
    """A withdrawn proposal can become a draft again while the call is open."""
    if status != "withdrawn":
        return Problem("status", "not_reopenable", {"status": status})
    if not is_before(call_closes_at, now):
        return Problem("status", "deadline_passed", {"deadline": call_closes_at})
    return None


def format_number(year: int, edition: int, sequence: int) -> tuple[str, str]:
    """(submission number, blind code): ``HZ-2026-08-0042`` and ``P-0042``."""
    return f"HZ-{year:04d}-{edition:02d}-{sequence:04d}", f"P-{sequence:04d}"


def next_sequence(existing_numbers: Iterable[str | None]) -> int:
    """One more than the highest sequence among a round's numbers (1 for the first)."""
    highest = 0
    for number in existing_numbers:
        if not number:
            continue
        tail = number.rsplit("-", 1)[-1]
        if tail.isdigit():
            highest = max(highest, int(tail))
    return highest + 1


# ------------------------------------------------------------------ the round's stage (the admin's hub)

ROUND_STAGES = ("preparing", "call_open", "screening", "review", "ranking", "roadshow", "allocation", "notice",
                "final")


def round_stage(now: datetime, *, call_opens_at: datetime, call_closes_at: datetime,
                review_opens_at: datetime | None = None, review_closes_at: datetime | None = None,
                awaiting_screening: int = 0, has_shortlist: bool = False, has_awards: bool = False,
                publication: str | None = None) -> str:
    """Where a round stands, one of ``ROUND_STAGES``, from its dates and what has been done.

    What has been done wins over the calendar (a published list is published whatever the dates);
    before that the dates decide, and screening lasts while submitted proposals wait for it."""
    if publication == "final":
        return "final"
    if publication == "notice":
        return "notice"
    if has_awards:
        return "allocation"
    if now < call_opens_at:
        return "preparing"
    if now < call_closes_at:
        return "call_open"
    if awaiting_screening:
        return "screening"
    if review_opens_at is not None and now < review_opens_at:
        return "screening"
    if review_opens_at is not None and review_closes_at is not None and now < review_closes_at:
        return "review"
    if has_shortlist:
        return "roadshow"
    return "ranking"
