"""Running the escalation steps of overdue and nearly due tasks.

:mod:`engine.sla` writes a task's steps (``deadlines`` rows) when it opens;
the scheduler leases the due ones here, the way it leases timers. A step
changes no instance state, so it runs in one short transaction of its own:

    reminder   notify the assignee, or the lane while nobody claimed it;
               event ``task-reminded``
    overdue    notify the escalation role; event ``task-overdue``; then, if
               the rule names a role, move the task there (unclaimed) and
               notify it; event ``task-reassigned``

A step whose task has closed meanwhile is dropped without a word. A step
that fails is retried with backoff (event ``escalation-failed``); after the
last attempt it stays in the table, is no longer picked, and the instance
carries an incident naming the error.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

import sqlalchemy as sa

from . import index
from . import leases
from .errors import ScriptError
from .records import SYSTEM
from .steps import event_row
from .steps import incident
from .steps import write_incident
from .store.models import Deadline
from .store.models import Event
from .store.models import HumanTask
from .store.models import Instance

if TYPE_CHECKING:
    from .runtime import Engine

logger = logging.getLogger(__name__)

DEADLINES = Deadline.__table__
TASKS = HumanTask.__table__
EVENTS = Event.__table__
INSTANCES = Instance.__table__


def fire_due_deadlines(
    engine: Engine, now: datetime, owner: str, limit: int, span
) -> int:
    """Run the escalation steps due at ``now``; return how many ran."""
    ran = 0
    for row in leases.claim(engine.db, DEADLINES, now, owner, limit, span):
        try:
            run_deadline(engine, row, now)
        except Exception as e:
            # The boundary for one step: log it, retry later, go on.
            logger.exception("Escalation %s of task %s failed", row.kind, row.task_id)
            record_failure(engine, row, str(e), now)
            continue
        ran += 1
    return ran


def record_failure(engine: Engine, row, error: str, now: datetime) -> None:
    """Count a failed attempt; after the last one, raise an incident."""

    def record(connection, attempts: int) -> None:
        details = {"kind": row.kind, "error": error, "attempts": attempts}
        connection.execute(
            sa.insert(EVENTS),
            event_row(
                row.instance_id, row.task_id, "escalation-failed", SYSTEM, now, details
            ),
        )
        if attempts < leases.MAX_ATTEMPTS:
            return
        element = connection.scalar(
            sa.select(TASKS.c.spec_name).where(TASKS.c.id == row.task_id)
        )
        message = f"The {row.kind} escalation failed {attempts} times: {error}"
        details = incident(ScriptError(element or row.task_id, message), now)
        write_incident(connection, row.instance_id, details, now)

    attempts = leases.fail(engine.db, DEADLINES, row, error, now, record=record)
    if attempts >= leases.MAX_ATTEMPTS:
        logger.warning(
            "Incident: %s escalation of task %s gave up after %s attempts",
            row.kind,
            row.task_id,
            attempts,
        )


def run_deadline(engine: Engine, row, now: datetime) -> None:
    """Run one escalation step: tell, maybe reassign, record; then drop it."""
    notifier = engine.notifier
    with engine.db.write() as connection:
        index.lock_waits(connection, row.instance_id)
        task = connection.execute(
            sa.select(TASKS, INSTANCES.c.business_key)
            .join(INSTANCES, INSTANCES.c.id == TASKS.c.instance_id)
            .where(TASKS.c.id == row.task_id)
        ).one_or_none()
        connection.execute(sa.delete(DEADLINES).where(DEADLINES.c.id == row.id))
        if task is None or task.state not in ("ready", "claimed"):
            return
        if row.kind == "reminder":
            events = _remind(connection, notifier, task, now)
        else:
            events = _escalate(connection, notifier, task, row.rule, now)
        connection.execute(sa.insert(EVENTS), events)
    logger.info("Task %s: %s in %s", row.kind, task.spec_name, task.instance_id)


def _remind(connection, notifier, task, now) -> list[dict]:
    recipient = {"user": task.assignee} if task.assignee else {"role": task.lane}
    text = notifier.texts.reminder(task, task.due_at)
    notifier.notify(connection, text, task, now, **recipient)
    details = {"due_at": _iso(task.due_at), **recipient}
    return [event_row(task.instance_id, task.id, "task-reminded", SYSTEM, now, details)]


def _escalate(connection, notifier, task, rule: dict[str, Any], now) -> list[dict]:
    role = rule.get("role")
    events = []
    if role:
        text = notifier.texts.overdue(task, task.due_at)
        notifier.notify(connection, text, task, now, role=role)
    details = {"due_at": _iso(task.due_at), "role": role}
    events.append(
        event_row(task.instance_id, task.id, "task-overdue", SYSTEM, now, details)
    )
    target = rule.get("reassign_to")
    if target and target != task.lane:
        connection.execute(
            sa.update(TASKS)
            .where(TASKS.c.id == task.id)
            .values(lane=target, assignee=None, state="ready")
        )
        index.update_waits(connection, task.instance_id)
        text = notifier.texts.reassigned(task, target)
        notifier.notify(connection, text, task, now, role=target)
        details = {"from_lane": task.lane, "from": task.assignee, "to_lane": target}
        events.append(
            event_row(
                task.instance_id, task.id, "task-reassigned", SYSTEM, now, details
            )
        )
    return events


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None
