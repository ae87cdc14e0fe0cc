"""Firing due timers, once each, however many schedulers ask.

A timer row is leased (see :mod:`engine.leases`) before its instance is
stepped; the step's own transaction then deletes the row, or moves it to the
next cycle, and clears the lease. A scheduler that dies mid-fire leaves a
lease that expires, and another takes the timer over. A step that finds the
timer already fired (its lease had expired and another scheduler got there
first) writes nothing, so each timer fires once.

A timer whose step fails is retried with backoff; after the last attempt it
stays in the table, is no longer picked, and the instance carries an
incident naming the error.
"""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

import sqlalchemy as sa
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from . import index
from . import leases
from .errors import Conflict
from .errors import InstanceNotActive
from .errors import InstanceNotFound
from .errors import ScriptError
from .records import SYSTEM
from .steps import event_row
from .steps import incident
from .steps import write_incident
from .store.models import Event
from .store.models import Timer

if TYPE_CHECKING:
    from .runtime import Engine
    from .steps import Loaded

logger = logging.getLogger(__name__)

TIMERS = Timer.__table__
EVENTS = Event.__table__

#: Attempts before a failing timer is left as an incident.
MAX_ATTEMPTS = leases.MAX_ATTEMPTS
#: A hair past the due time: SpiffWorkflow fires timers strictly after it.
_EPSILON = timedelta(microseconds=1)


def fire_due(engine: Engine, now: datetime, owner: str, limit: int, span) -> int:
    """Lease the timers due at ``now`` to ``owner`` and fire them."""
    claimed = leases.claim(engine.db, TIMERS, now, owner, limit, span)
    return sum(fire_one(engine, timer, now) for timer in claimed)


def _waiting(loaded: Loaded, task_id: str):
    try:
        task = loaded.workflow.get_task_from_id(UUID(task_id))
    except TaskNotFoundException:
        return None
    return None if task.state & TaskState.FINISHED_MASK else task


def fire_one(engine: Engine, timer, now: datetime) -> bool:
    """Step the timer's instance at ``now``; return True if it fired."""

    def fire(loaded: Loaded, completed: dict) -> dict | None:
        task = _waiting(loaded, timer.task_id)
        if task is None:
            return None
        before = (task.state, index.timer_due(task))
        workflow = loaded.workflow
        workflow.refresh_timers()
        workflow.do_engine_steps()
        if (task.state, index.timer_due(task)) == before:
            return None
        return {"element": timer.element, "due_at": timer.due_at.isoformat()}

    at = max(now, timer.due_at + _EPSILON)
    try:
        details = engine.run_step(
            timer.instance_id, fire, SYSTEM, "timer-fired", at=at, timer_id=timer.id
        )
    except (Conflict, InstanceNotActive, InstanceNotFound):
        # Someone else stepped or ended the instance: try again next round,
        # when the row tells whether the timer still waits.
        leases.release(engine.db, TIMERS, timer.id, timer.lock_owner)
        return False
    except Exception as e:
        # The boundary for one timer: log it, retry later, go on.
        logger.warning(
            "Timer %s of instance %s failed: %s", timer.element, timer.instance_id, e
        )
        record_failure(engine, timer, str(e), now)
        return False
    if details is None:
        leases.release(engine.db, TIMERS, timer.id)
        return False
    logger.info("Timer fired: %s in %s", timer.element, timer.instance_id)
    return True


def record_failure(engine: Engine, timer, error: str, now: datetime) -> None:
    """Count a failed attempt; after the last one, raise an incident."""

    def record(connection, attempts: int) -> None:
        details = {"element": timer.element, "error": error, "attempts": attempts}
        connection.execute(
            sa.insert(EVENTS),
            event_row(timer.instance_id, None, "timer-failed", SYSTEM, now, details),
        )
        if attempts >= MAX_ATTEMPTS:
            message = f"The timer failed {attempts} times: {error}"
            details = incident(ScriptError(timer.element, message), now)
            write_incident(connection, timer.instance_id, details, now)

    attempts = leases.fail(engine.db, TIMERS, timer, error, now, record=record)
    if attempts >= MAX_ATTEMPTS:
        logger.warning(
            "Incident: timer %s of instance %s gave up after %s attempts",
            timer.element,
            timer.instance_id,
            attempts,
        )
