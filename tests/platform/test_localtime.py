"""grants.platform.localtime: the one place where UTC becomes the round's local time and back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from grants.platform import localtime


@pytest.fixture
def local_app():
    """A bare app: localtime needs nothing but the configuration key."""
    app = Flask(__name__)
    app.config[localtime.CONFIG_KEY] = "Asia/Shanghai"
    with app.app_context():
        yield app


def test_the_zone_comes_from_the_one_config_key(local_app):
    assert localtime.zone() == ZoneInfo("Asia/Shanghai")
    local_app.config[localtime.CONFIG_KEY] = "Europe/London"
    assert localtime.zone() == ZoneInfo("Europe/London")


def test_the_default_configuration_is_shanghai():
    from grants.config import defaults

    assert defaults("/tmp")[localtime.CONFIG_KEY] == "Asia/Shanghai"  # noqa: S108  (a path never used)


def test_to_local_and_local_date_around_local_midnight(local_app):
    before = datetime(2026, 3, 2, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    after = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 00:00 on 3 March in Shanghai
    assert localtime.to_local(before).isoformat() == "2026-03-02T23:59:00+08:00"
    assert localtime.local_date(before) == date(2026, 3, 2)
    assert localtime.local_date(after) == date(2026, 3, 3)
    assert localtime.to_local(None) is None


def test_a_naive_datetime_is_utc_as_stored(local_app):
    naive = datetime(2026, 3, 2, 16, 0)
    assert localtime.to_local(naive) == datetime(2026, 3, 3, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert localtime.local_date(naive) == date(2026, 3, 3)
    assert localtime.stamp(naive) == "2026-03-03 00:00"


def test_at_and_local_midnight_give_utc(local_app):
    assert localtime.at(date(2026, 4, 15), time(17, 0)) == datetime(2026, 4, 15, 9, 0, tzinfo=UTC)
    assert localtime.at(date(2026, 4, 15), time(17, 0)).tzinfo is UTC
    assert localtime.local_midnight(date(2026, 1, 1)) == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    # a time that already carries a zone is read as local wall time all the same
    assert localtime.at(date(2026, 4, 15), time(17, 0, tzinfo=UTC)) == datetime(2026, 4, 15, 9, 0, tzinfo=UTC)
    assert localtime.from_wall(datetime(2026, 4, 15, 17, 0)) == datetime(2026, 4, 15, 9, 0, tzinfo=UTC)


def test_round_trips_in_a_zone_with_daylight_saving(local_app):
    local_app.config[localtime.CONFIG_KEY] = "Europe/London"
    winter, summer = date(2026, 1, 15), date(2026, 7, 15)
    assert localtime.at(winter, time(9)) == datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    assert localtime.at(summer, time(9)) == datetime(2026, 7, 15, 8, 0, tzinfo=UTC)
    assert localtime.utc_offset(localtime.at(winter)) == timedelta(0)
    assert localtime.utc_offset(localtime.at(summer)) == timedelta(hours=1)
    moment = localtime.at(summer, time(23, 30))
    assert localtime.local_date(moment) == summer and localtime.stamp(moment) == "2026-07-15 23:30"


def test_now_and_today_follow_the_clock(local_app, monkeypatch):
    monkeypatch.setattr(localtime, "utcnow", lambda: datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    assert localtime.today() == date(2027, 1, 1)
    assert localtime.now().isoformat() == "2027-01-01T00:30:00+08:00"
    assert localtime.utc_offset() == timedelta(hours=8)


def test_stamp_formats_and_blank(local_app):
    moment = datetime(2026, 4, 15, 9, 0, 5, tzinfo=UTC)
    assert localtime.stamp(moment) == "2026-04-15 17:00"
    assert localtime.stamp(moment, "%H:%M:%S") == "17:00:05"
    assert localtime.stamp(None) == ""
    assert localtime.stamp(None, blank="—") == "—"


def test_an_app_without_the_key_is_an_error(local_app):
    with Flask("other").app_context(), pytest.raises(KeyError):
        localtime.zone()  # an app without the key: an error, not a silent default


@pytest.mark.no_database
def test_local_datetime_field_reads_and_shows_local_time(app):
    from werkzeug.datastructures import MultiDict

    from grants.platform.forms import BaseForm, LocalDateTimeField

    class Form(BaseForm):
        class Meta:
            csrf = False

        at = LocalDateTimeField()

    with app.test_request_context():
        form = Form(formdata=MultiDict({"at": "2026-04-15T17:00"}))
        assert form.at.data == datetime(2026, 4, 15, 9, 0, tzinfo=UTC)
        shown = Form(formdata=None, data={"at": datetime(2026, 4, 15, 9, 0, tzinfo=UTC)})
        assert shown.at._value() == "2026-04-15T17:00"


@pytest.mark.no_database
def test_local_dt_filter_uses_local_time(app):
    from grants.platform.templating import local_dt

    with app.test_request_context():
        assert local_dt(datetime(2026, 3, 2, 16, 0, tzinfo=UTC)) == "2026-03-03 00:00"
        app.config[localtime.CONFIG_KEY] = "UTC"
        assert local_dt(datetime(2026, 3, 2, 16, 0, tzinfo=UTC)) == "2026-03-02 16:00"
        assert local_dt(None) == "—"


@pytest.mark.no_database
def test_long_date_per_language(app):
    from datetime import date as _date

    day = _date(2026, 12, 1)
    assert localtime.long_date(day, "zh_Hans") == localtime.long_date(day, "zh_Hant") == "2026年12月1日"
    assert localtime.long_date(day, "en") == "1 December 2026"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert localtime.long_date(_date(2027, 3, 9)) == "9 March 2027"
