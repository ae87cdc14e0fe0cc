"""Engine time: the system clock in production, a movable one in tests.

SpiffWorkflow's timer events read ``datetime.now()`` directly. While the engine
runs a step it sets the step's time in a context variable, and the timer module
reads it through a stand-in for ``datetime``; outside a step the real clock
applies. Tests give the engine a :class:`MovableClock`, advance it, and fire
what became due in the same call, so no test sleeps.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

_step_time: ContextVar[datetime | None] = ContextVar(
    "ekerjasama_step_time", default=None
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def current_time() -> datetime:
    """Return the running step's time, or the real time outside a step."""
    return _step_time.get() or utcnow()


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return utcnow()

    def __repr__(self) -> str:
        return "<SystemClock>"


class MovableClock:
    """A clock that only moves when told to.

    Usage::

        clock = MovableClock(datetime(2025, 6, 12, 8, tzinfo=UTC))
        clock.advance(days=30)
    """

    def __init__(self, start: datetime | None = None) -> None:
        start = start or utcnow()
        if start.tzinfo is None:
            raise ValueError(
                f"MovableClock needs an aware datetime, got {start!r}; pass tzinfo=UTC."
            )
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)`` and return the new time."""
        with self._lock:
            self._now = self._now + timedelta(**delta)
            return self._now

    def __repr__(self) -> str:
        return f"<MovableClock {self._now.isoformat()}>"


@contextlib.contextmanager
def step_time(when: datetime) -> Iterator[None]:
    """Make SpiffWorkflow's timers see ``when`` as the current time."""
    token = _step_time.set(when)
    try:
        yield
    finally:
        _step_time.reset(token)


class _DatetimeStandIn:
    """Replaces ``datetime`` inside SpiffWorkflow's timer module."""

    def __getattr__(self, name: str) -> object:
        return getattr(datetime, name)

    def __instancecheck__(self, obj: object) -> bool:
        return isinstance(obj, datetime)

    def now(self, tz=None):  # noqa: ANN001 - mirrors datetime.now
        when = _step_time.get()
        if when is None:
            return datetime.now(tz)
        return when.astimezone(tz) if tz is not None else when


_spiff_timer.datetime = _DatetimeStandIn()  # type: ignore[attr-defined]
