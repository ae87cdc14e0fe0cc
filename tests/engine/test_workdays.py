"""Working days: weekends, national holidays and cuti bersama are skipped."""

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from engine.workdays import WorkCalendar
from engine.workdays import parse_holidays

#: Thursday 5 June 2025, 08:00 WIB. Friday 6 June is Idul Adha and Monday
#: 9 June is cuti bersama, with a weekend between them.
THURSDAY = datetime(2025, 6, 5, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def office():
    return WorkCalendar()


def test_add_working_days_skips_holiday_weekend_and_cuti_bersama(office):
    due = office.add(THURSDAY, "P3D", "working")

    assert due == datetime(2025, 6, 12, 1, 0, tzinfo=UTC)
    assert not office.is_working_day(date(2025, 6, 6))
    assert not office.is_working_day(date(2025, 6, 9))


def test_calendar_days_count_every_day(office):
    assert office.add(THURSDAY, "P3D", "calendar") == datetime(
        2025, 6, 8, 1, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("P1D", datetime(2025, 6, 10, 1, 0, tzinfo=UTC)),
        ("P1W", datetime(2025, 6, 16, 1, 0, tzinfo=UTC)),
        ("P1DT4H", datetime(2025, 6, 10, 5, 0, tzinfo=UTC)),
    ],
    ids=["day", "week", "day-and-hours"],
)
def test_add_working_durations(office, duration, expected):
    assert office.add(THURSDAY, duration, "working") == expected


def test_subtract_working_days_goes_back_over_the_same_days(office):
    due = datetime(2025, 6, 10, 1, 0, tzinfo=UTC)

    assert office.subtract(due, "P1D", "working") == THURSDAY


def test_day_boundaries_are_the_offices_not_utc(office):
    # Friday 23:30 UTC is already Saturday 06:30 in Grobogan.
    friday_night = datetime(2025, 6, 13, 23, 30, tzinfo=UTC)

    assert office.add(friday_night, "P1D", "working") == datetime(
        2025, 6, 15, 23, 30, tzinfo=UTC
    )


def test_holidays_setting_replaces_a_year():
    office = WorkCalendar(parse_holidays('{"2025": ["2025-06-10"]}'))

    assert office.is_working_day(date(2025, 6, 6))
    assert office.add(THURSDAY, "P3D", "working") == datetime(
        2025, 6, 11, 1, 0, tzinfo=UTC
    )
    assert not office.is_working_day(date(2026, 1, 1))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('["2025-01-01"]', "must be a JSON object"),
        ('{"2025": ["2026-01-01"]}', "move it to its own year"),
    ],
    ids=["not-an-object", "wrong-year"],
)
def test_holidays_setting_is_checked(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_holidays(raw)


@pytest.mark.parametrize(
    ("duration", "kind", "message"),
    [
        ("3 days", "working", "not an ISO-8601 duration"),
        ("P1M", "working", "no fixed number of working days"),
        ("P1.5D", "working", "must be whole"),
        ("P1D", "lunar", "Unknown calendar"),
    ],
    ids=["not-iso", "months", "fraction", "kind"],
)
def test_bad_durations_are_refused(office, duration, kind, message):
    with pytest.raises(ValueError, match=message):
        office.add(THURSDAY, duration, kind)
