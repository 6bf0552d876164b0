"""The competition's local time: ONE time zone, read from ONE configuration key.

Times are stored as UTC (see ``grants.models.base.UTCDateTime``); people read and type them in
the round's local time, ``app.config["BABEL_DEFAULT_TIMEZONE"]`` (``Asia/Shanghai`` by default;
Flask-Babel's ``format_datetime`` reads the same key). Every conversion between the two goes
through this module:

* ``zone()`` -- the configured ``ZoneInfo``;
* ``to_local(dt)`` / ``local_date(dt)`` -- a stored (UTC) datetime as local wall time / local day;
* ``now()`` / ``today()`` -- the current local time / local calendar day;
* ``at(day, time)`` / ``local_midnight(day)`` -- a local wall time on a local day, as aware UTC;
* ``stamp(dt)`` -- ``YYYY-MM-DD HH:MM`` in local time, for PDFs, CSV cells and plain messages;
* ``utc_offset(dt)`` -- the zone's offset at a moment (for grouping by local day in SQL);
* ``long_date(day, locale)`` -- a day written out as each language does on a document:
  ``2026年12月1日`` (zh_Hans, zh_Hant), ``1 December 2026`` (en).

A naive datetime is taken to be UTC, as the database stores it. The pure modules in
``grants.rules`` never call this module: they take the zone or local dates as parameters.
Needs an application context (the zone comes from the app's configuration).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from grants.models.base import utcnow

#: The configuration key naming the local time zone (an IANA name such as "Asia/Shanghai").
CONFIG_KEY = "BABEL_DEFAULT_TIMEZONE"


def zone() -> ZoneInfo:
    """The round's time zone, from the application's configuration."""
    return ZoneInfo(current_app.config[CONFIG_KEY])


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def to_local(value: datetime | None) -> datetime | None:
    """``value`` (aware, or naive UTC) as an aware datetime in the local zone; None stays None."""
    if value is None:
        return None
    return _aware(value).astimezone(zone())


def local_date(value: datetime) -> date:
    """The local calendar day on which the moment ``value`` falls."""
    return _aware(value).astimezone(zone()).date()


def now() -> datetime:
    """The current local time (aware)."""
    return utcnow().astimezone(zone())


def today() -> date:
    """The current local calendar day."""
    return now().date()


def at(day: date, wall: time = time(0)) -> datetime:
    """The moment the local clock shows ``wall`` on ``day``, as an aware UTC datetime."""
    return datetime.combine(day, wall.replace(tzinfo=None), tzinfo=zone()).astimezone(UTC)


def local_midnight(day: date) -> datetime:
    """The start of the local day ``day``, as an aware UTC datetime."""
    return at(day)


def from_wall(value: datetime) -> datetime:
    """A naive datetime read as local wall time (e.g. typed in a form), as an aware UTC datetime."""
    return value.replace(tzinfo=zone()).astimezone(UTC)


def stamp(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M", *, blank: str = "") -> str:
    """``value`` in local time with ``strftime`` format ``fmt``; ``blank`` for None."""
    if value is None:
        return blank
    return _aware(value).astimezone(zone()).strftime(fmt)


def utc_offset(value: datetime | None = None) -> timedelta:
    """The local zone's offset from UTC at the moment ``value`` (default: now)."""
    return _aware(value or utcnow()).astimezone(zone()).utcoffset() or timedelta(0)


def long_date(day: date, locale: str | None = None) -> str:
    """``day`` written out for a document heading or a notice: ``2026年12月1日`` in Chinese (both
    scripts), ``1 December 2026`` in English. ``locale`` defaults to the request's language."""
    if locale is None:
        from flask_babel import get_locale

        locale = str(get_locale() or current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hant"))
    if str(locale).startswith("zh"):
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
