"""Process settings: the durations and dates that timers and scripts read.

:file:`processes/settings.json` is the one list of settings, each a
``{name, default, help}``. :func:`setup` makes them available to diagram code
as ``setting("SLA_TELAAH_HUKUM")``, so a timer reads::

    <bpmn:timeDuration>setting("SLA_TELAAH_HUKUM")</bpmn:timeDuration>

Each value can be overridden with the environment variable
``EKERJASAMA_<NAME>``. Date-based timers use the helpers below, which work
in the step's time (see :mod:`engine.clock`) and in Western Indonesian Time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .clock import current_time

ENV_PREFIX = "EKERJASAMA_"
SETTINGS_FILE = Path(__file__).resolve().parents[1] / "processes" / "settings.json"
#: Western Indonesian Time, the regency's time zone.
WIB = timezone(timedelta(hours=7), "WIB")

_TRUE = {"1", "true", "ya", "yes", "on"}
_FALSE = {"0", "false", "tidak", "no", "off"}


class UnknownSetting(KeyError):
    """A diagram asked for a setting that settings.json does not define."""

    def __str__(self) -> str:
        return self.args[0]


def load_settings(path: Path = SETTINGS_FILE) -> list[dict[str, Any]]:
    """Return the ``{name, default, help}`` entries of ``path``."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    for entry in entries:
        missing = {"name", "default", "help"} - entry.keys()
        if missing:
            raise ValueError(
                f"Setting {entry.get('name')!r} in {str(path)!r} lacks "
                f"{', '.join(sorted(missing))}. Give every setting a name, "
                "default and help text."
            )
    return entries


def _parse(name: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        if raw.strip().lower() in _TRUE:
            return True
        if raw.strip().lower() in _FALSE:
            return False
        raise ValueError(f"{ENV_PREFIX}{name} must be true or false, got {raw!r}.")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(
                f"{ENV_PREFIX}{name} must be a whole number, got {raw!r}."
            ) from None
    return raw


class ProcessSettings:
    """The settings' values: defaults from the file, overrides from the environment."""

    def __init__(
        self,
        entries: list[dict[str, Any]] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        environ = os.environ if environ is None else environ
        self.entries = load_settings() if entries is None else entries
        self.values: dict[str, Any] = {}
        for entry in self.entries:
            name, default = entry["name"], entry["default"]
            raw = environ.get(ENV_PREFIX + name)
            self.values[name] = default if raw is None else _parse(name, raw, default)

    def __call__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise UnknownSetting(
                f"Unknown setting {name!r}. Define it in processes/settings.json "
                f"or fix the name; known settings: {', '.join(sorted(self.values))}."
            ) from None

    def __repr__(self) -> str:
        return f"<ProcessSettings {len(self.values)} settings>"

    def reminder_time(self) -> time:
        hour, minute = str(self("JAM_PENGINGAT")).split(":")
        return time(int(hour), int(minute), tzinfo=WIB)


def add_duration(start: str, duration: str) -> str:
    """Return ISO datetime ``start`` plus ISO-8601 ``duration`` ("P30D")."""
    when = datetime.fromisoformat(start)
    parsed = TimerEventDefinition.parse_iso_duration(duration)
    return (
        when + TimerEventDefinition.get_timedelta_from_start(parsed, when)
    ).isoformat()


def now_iso() -> str:
    """The step's time as an ISO datetime string."""
    return current_time().isoformat()


def make_functions(settings: ProcessSettings) -> dict[str, Any]:
    """The script functions diagrams use, bound to ``settings``."""

    def timer_date(day: str, days_before: int = 0) -> str:
        """ISO datetime of the reminder time ``days_before`` days before ``day``."""
        when = date.fromisoformat(str(day)[:10]) - timedelta(days=int(days_before))
        return datetime.combine(when, settings.reminder_time()).isoformat()

    def next_date(schedule: str) -> str:
        """The next ``MM-DD`` of ``schedule`` ("06-30,12-15") after now, in WIB."""
        now = current_time().astimezone(WIB)
        at = settings.reminder_time()
        candidates = []
        for item in str(schedule).split(","):
            month, day = (int(part) for part in item.strip().split("-"))
            for year in (now.year, now.year + 1):
                moment = datetime.combine(date(year, month, day), at)
                if moment > now:
                    candidates.append(moment)
        return min(candidates).isoformat()

    return {
        "setting": settings,
        "sekarang": now_iso,
        "tambah_durasi": add_duration,
        "tanggal_timer": timer_date,
        "jadwal_berikut": next_date,
    }


def setup(options, config) -> None:
    """Add ``setting(name)`` and the date helpers to the script functions."""
    options.functions.update(make_functions(ProcessSettings()))
