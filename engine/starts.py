"""Processes that start themselves: timer start events.

When a version whose top-level start event is a timer is deployed, and so
becomes its process's newest version, each such start event gets a row in
``start_timers`` (any rows of older versions go, in the same transaction).
The scheduler leases due rows the way it leases timers (see
:mod:`engine.leases`) and starts an instance of the newest version::

    timeDate       one instance at the date
    timeDuration   one instance that long after the deploy
    timeCycle      one instance per occurrence; the row moves to the next
                   one until the repetitions run out

The instance is created in the same transaction that moves or deletes the
row, and only while the row is still as it was leased, so a scheduler whose
lease expired while it worked starts nothing: each occurrence starts one
instance. The started instance runs past its start event at once instead of
waiting on the timer again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState

from . import leases
from .clock import step_time
from .store.models import StartTimer

if TYPE_CHECKING:
    from .runtime import Engine

logger = logging.getLogger(__name__)

START_TIMERS = StartTimer.__table__

_DELETE_SQL = "DELETE FROM start_timers WHERE id = ? AND lock_owner = ? AND due_at = ?"
_MOVE_SQL = (
    "UPDATE start_timers SET due_at = ?, cycles = ?, lock_owner = NULL, "
    "lock_expires_at = NULL, attempts = 0, last_error = NULL "
    "WHERE id = ? AND lock_owner = ? AND due_at = ?"
)


class _Taken(Exception):
    """The row moved on since it was leased: another scheduler has it."""


def _timer_starts(workflow) -> list:
    return [
        task
        for task in workflow.get_tasks()
        if isinstance(task.task_spec, StartEvent)
        and isinstance(task.task_spec.event_definition, TimerEventDefinition)
    ]


def plan(workflow, now: datetime) -> list[dict]:
    """Return a ``start_timers`` row for each timer start event of ``workflow``.

    ``workflow`` is new and not yet run; its timer expressions are evaluated
    by its script engine with ``now`` as the current time.
    """
    rows = []
    for task in _timer_starts(workflow):
        definition = task.task_spec.event_definition
        with step_time(now):
            value = workflow.script_engine.evaluate(task, definition.expression)
            cycles, interval = None, None
            if isinstance(definition, CycleTimerEventDefinition):
                cycles, due, duration = definition.parse_iso_recurring_interval(value)
                interval = duration.total_seconds()
            elif isinstance(definition, DurationTimerEventDefinition):
                parsed = definition.parse_iso_duration(value)
                due = now + definition.get_timedelta_from_start(parsed, now)
            else:
                due = definition.parse_time_or_duration(value)
        if cycles == 0 or not isinstance(due, datetime):
            continue
        rows.append(
            {
                "element": task.task_spec.bpmn_id or task.task_spec.name,
                "due_at": due,
                "cycles": cycles,
                "interval": interval,
                "attempts": 0,
            }
        )
    return rows


def replace(connection, process_id: str, version_id: int, rows: list[dict]) -> None:
    """Make ``rows`` the process's start timers, in the caller's transaction."""
    connection.execute(
        sa.delete(START_TIMERS).where(START_TIMERS.c.process_id == process_id)
    )
    if not rows:
        return
    connection.execute(
        sa.insert(START_TIMERS),
        [{**row, "process_id": process_id, "version_id": version_id} for row in rows],
    )
    if connection.dialect.name != "sqlite":
        # Sent at commit, so a listening scheduler wakes to a row it can see.
        earliest = min(row["due_at"] for row in rows)
        connection.execute(
            sa.select(sa.func.pg_notify(leases.CHANNEL, earliest.isoformat()))
        )


def run_past_start(workflow) -> None:
    """Let an instance started by its timer leave the start event at once."""
    for task in _timer_starts(workflow):
        task._set_internal_data(event_fired=True)
        if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
            # A cycle adds the start event's children only as it fires;
            # here it has fired already.
            for output in task.task_spec.outputs:
                task._add_child(output, TaskState.FUTURE)


def fire_due(engine: Engine, now: datetime, owner: str, limit: int, span) -> int:
    """Lease the start timers due at ``now`` to ``owner``; start their instances."""
    claimed = leases.claim(engine.db, START_TIMERS, now, owner, limit, span)
    return sum(fire_one(engine, row, now) for row in claimed)


def fire_one(engine: Engine, row, now: datetime) -> bool:
    """Start one instance for a leased row; return True if it started one."""
    driver = engine.db.driver
    leased = (row.id, row.lock_owner, driver.dt(row.due_at))

    def take(connection) -> None:
        if row.cycles is None or row.cycles == 1:
            cursor = driver.execute(connection, _DELETE_SQL, leased)
        else:
            following = row.due_at + timedelta(seconds=row.interval)
            cycles = row.cycles - 1 if row.cycles > 0 else row.cycles
            cursor = driver.execute(
                connection, _MOVE_SQL, (driver.dt(following), cycles, *leased)
            )
        if cursor.rowcount != 1:
            raise _Taken

    try:
        instance_id = engine.start_on_timer(row.process_id, take, now)
    except _Taken:
        return False
    except Exception as e:
        # The boundary for one start timer: log it, retry later, go on.
        logger.warning(
            "Start timer %s of %s failed: %s", row.element, row.process_id, e
        )
        leases.fail(engine.db, START_TIMERS, row, str(e), now)
        return False
    logger.info("Start timer fired: %s started %s", row.element, instance_id)
    return True
