"""Working days: Monday to Friday, less national holidays and cuti bersama.

Task due dates count either calendar days or working days of the regency
office. Day boundaries are those of the office's time zone (WIB by default),
not UTC, so a task opened on Friday evening in Purwodadi is not counted as
opened on a Friday in one place and a Saturday in another.

The holidays of a year come from the ``holidays`` package (public holidays
and the government's collective leave days) unless the ``HOLIDAYS`` setting
lists that year, in which case its list replaces them: the joint decree
(SKB) that fixes cuti bersama is published late and sometimes amended.

Usage::

    office = WorkCalendar({2025: ["2025-06-06", "2025-06-09"]})
    office.add(opened_at, "P3D", "working")
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import holidays
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

#: The ways a duration can be counted.
KINDS = ("working", "calendar")
_TIME_PARTS = ("hours", "minutes", "seconds")


def parse_duration(text: str) -> dict[str, float]:
    """Parse an ISO-8601 duration such as ``P3D`` or ``PT4H`` into its parts.

    :raise ValueError: ``text`` is not such a duration.
    """
    if not isinstance(text, str) or not text.strip().upper().startswith("P"):
        raise ValueError(f"{text!r} is not an ISO-8601 duration; write e.g. 'P3D'.")
    try:
        parts = TimerEventDefinition.parse_iso_duration(text.strip())
    except Exception:
        raise ValueError(
            f"{text!r} is not an ISO-8601 duration; write e.g. 'P3D' or 'PT4H'."
        ) from None
    if not parts:
        raise ValueError(f"The duration {text!r} is empty; write e.g. 'P3D'.")
    return parts


def parse_holidays(raw: str | Mapping | None) -> dict[int, list[date]]:
    """Read the ``HOLIDAYS`` setting: a JSON object of year to ISO dates."""
    if not raw:
        return {}
    data = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(data, Mapping):
        raise ValueError(
            'HOLIDAYS must be a JSON object such as {"2026": ["2026-01-01"]}.'
        )
    years: dict[int, list[date]] = {}
    for year, days in data.items():
        listed = [d if isinstance(d, date) else date.fromisoformat(d) for d in days]
        wrong = [d for d in listed if d.year != int(year)]
        if wrong:
            raise ValueError(
                f"HOLIDAYS lists {wrong[0].isoformat()} under {year}; move it to "
                "its own year."
            )
        years[int(year)] = listed
    return years


class WorkCalendar:
    """The office's working days, and due dates counted in them.

    :param holidays_by_year: days off that replace the package's list for
        the years given.
    :param timezone: the office's time zone; days start at its midnight.
    """

    def __init__(
        self,
        holidays_by_year: Mapping[int, Iterable[date]] | None = None,
        timezone: str = "Asia/Jakarta",
    ) -> None:
        self.timezone = ZoneInfo(timezone)
        self._given = {
            int(y): set(days) for y, days in (holidays_by_year or {}).items()
        }
        self._years: dict[int, set[date]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<WorkCalendar {self.timezone.key}, {len(self._given)} year(s) set>"

    def days_off(self, year: int) -> set[date]:
        """The holidays and collective leave days of ``year``."""
        if year in self._given:
            return self._given[year]
        with self._lock:
            if year not in self._years:
                self._years[year] = set(
                    holidays.country_holidays(
                        "ID", years=year, categories=("public", "government")
                    )
                )
            return self._years[year]

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.days_off(day.year)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Return ``start`` moved by ``days`` working days (back if negative).

        The time of day is kept; each day counted is a working day on which
        the result could fall, so Thursday plus 2 is Monday.
        """
        local = start.astimezone(self.timezone)
        step = timedelta(days=1 if days >= 0 else -1)
        day, left = local.date(), abs(days)
        while left > 0:
            day += step
            if self.is_working_day(day):
                left -= 1
        moved = datetime.combine(day, local.timetz())
        return moved.astimezone(start.tzinfo)

    def add(self, start: datetime, duration: str, kind: str = "calendar") -> datetime:
        """Return when ``duration`` after ``start`` ends, counted as ``kind``.

        :raise ValueError: the duration is not ISO-8601, the kind is unknown,
            or months or years are counted in working days.
        """
        return self._shift(start, duration, kind, 1)

    def subtract(
        self, end: datetime, duration: str, kind: str = "calendar"
    ) -> datetime:
        """Return the time ``duration`` before ``end``, counted as ``kind``."""
        return self._shift(end, duration, kind, -1)

    def _shift(self, start: datetime, duration: str, kind: str, sign: int) -> datetime:
        if kind not in KINDS:
            raise ValueError(f"Unknown calendar {kind!r}; use 'working' or 'calendar'.")
        parts = parse_duration(duration)
        if kind == "calendar":
            span = TimerEventDefinition.get_timedelta_from_start(parts, start)
            return start + sign * span
        if parts.get("years") or parts.get("months"):
            raise ValueError(
                f"Count {duration!r} in days or weeks: months and years have no "
                "fixed number of working days."
            )
        days = parts.get("days", 0) + 5 * parts.get("weeks", 0)
        if days != int(days):
            raise ValueError(f"Working days must be whole; got {duration!r}.")
        rest = timedelta(**{k: v for k, v in parts.items() if k in _TIME_PARTS})
        return self.add_working_days(start, sign * int(days)) + sign * rest
