"""Tables derived from a workflow after each step: tasks, timers, messages.

Inboxes, the timer scheduler and message delivery query these tables instead
of loading instances. They are rewritten in the same transaction as the
instance's state, so they never disagree with it. Which rows an instance has
changes only in its own steps, under its lock counter, so a loaded instance
remembers them (:class:`Derived`) and a step writes only the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from .store.fast import Driver

_FINISHED = TaskState.FINISHED_MASK

_OPEN_TASK_IDS_SQL = (
    "SELECT id FROM human_tasks WHERE instance_id = ? "
    "AND state IN ('ready', 'claimed')"
)
_TIMERS_SQL = "SELECT task_id, due_at FROM timers WHERE instance_id = ?"
_SUBSCRIPTIONS_SQL = "SELECT task_id, message FROM subscriptions WHERE instance_id = ?"
_CLOSE_TASK_SQL = (
    "UPDATE human_tasks SET state = ?, completed_at = ?, completed_by = ?, "
    "data = ? WHERE id = ?"
)
_INSERT_TASK_SQL = (
    "INSERT INTO human_tasks (id, instance_id, process_id, spec_name, title, "
    "lane, form, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'ready', ?)"
)
_DELETE_TIMER_SQL = "DELETE FROM timers WHERE instance_id = ? AND task_id = ?"
_MOVE_TIMER_SQL = (
    "UPDATE timers SET due_at = ?, lock_owner = NULL, lock_expires_at = NULL, "
    "attempts = 0, last_error = NULL WHERE instance_id = ? AND task_id = ?"
)
_INSERT_TIMER_SQL = (
    "INSERT INTO timers (instance_id, task_id, element, due_at, attempts) "
    "VALUES (?, ?, ?, ?, 0)"
)
_RELEASE_TIMER_SQL = (
    "UPDATE timers SET lock_owner = NULL, lock_expires_at = NULL WHERE id = ?"
)
_DELETE_SUBSCRIPTION_SQL = (
    "DELETE FROM subscriptions WHERE instance_id = ? AND task_id = ?"
)
_INSERT_SUBSCRIPTION_SQL = (
    "INSERT INTO subscriptions (instance_id, task_id, element, message) "
    "VALUES (?, ?, ?, ?)"
)


@dataclass
class Derived:
    """The derived rows an instance has in the store."""

    open_tasks: set[str] = field(default_factory=set)
    timers: dict[str, datetime] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)


@dataclass
class StepContext:
    """Who ran a step, when, and what it did."""

    instance_id: int
    process_id: str
    forms: dict[str, str]
    actor: str
    now: datetime
    #: ``{task id: submitted data}`` for the tasks this step completed.
    completed: dict[str, dict[str, Any]]
    #: The timer row this step fired, whose lease it releases.
    timer_id: int | None = None


def read_derived(driver: Driver, connection: sa.Connection, instance_id: int) -> Derived:
    key = (instance_id,)
    open_tasks = driver.execute(connection, _OPEN_TASK_IDS_SQL, key).fetchall()
    timers = driver.execute(connection, _TIMERS_SQL, key).fetchall()
    messages = driver.execute(connection, _SUBSCRIPTIONS_SQL, key).fetchall()
    return Derived(
        open_tasks={task_id for (task_id,) in open_tasks},
        timers={task_id: driver.read_dt(due) for task_id, due in timers},
        messages=dict(messages),
    )


def task_title(task) -> str:
    spec = task.task_spec
    return getattr(spec, "bpmn_name", None) or spec.name


def timer_due(task) -> datetime | None:
    """Return when a waiting timer task is due, or None if it is no timer."""
    definition = getattr(task.task_spec, "event_definition", None)
    if not isinstance(definition, TimerEventDefinition):
        return None
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(definition, CycleTimerEventDefinition):
        if value.get("cycles") == 0:
            return None
        return datetime.fromisoformat(value["next"])
    due = TimerEventDefinition.parse_time_or_duration(value)
    return due if isinstance(due, datetime) else None


def message_name(task) -> str | None:
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MessageEventDefinition):
        return definition.name
    return None


def write_derived(
    driver: Driver,
    connection: sa.Connection,
    workflow,
    ctx: StepContext,
    old: Derived,
    ended: bool,
) -> Derived:
    """Write the difference between ``old`` and what ``workflow`` needs now."""
    new = Derived()
    ready = {}
    if not ended:
        ready = {
            str(t.id): t
            for t in workflow.get_tasks(state=TaskState.READY, manual=True)
        }
        for task in workflow.event_manager.tasks.values():
            if task.state & _FINISHED:
                continue
            due = timer_due(task)
            if due is not None:
                new.timers[str(task.id)] = due
            name = message_name(task)
            if name is not None:
                new.messages[str(task.id)] = name
    new.open_tasks = set(ready)
    writer = _Writer(driver, connection, workflow, ctx)
    writer.tasks(old.open_tasks, ready)
    writer.timers(old.timers, new.timers)
    writer.messages(old.messages, new.messages)
    if ctx.timer_id is not None:
        driver.execute(connection, _RELEASE_TIMER_SQL, (ctx.timer_id,))
    return new


class _Writer:
    """Writes one step's changes to the derived tables."""

    def __init__(self, driver: Driver, connection, workflow, ctx: StepContext) -> None:
        self.driver = driver
        self.connection = connection
        self.workflow = workflow
        self.ctx = ctx

    def _many(self, sql: str, rows: list) -> None:
        self.driver.executemany(self.connection, sql, rows)

    def _element(self, task_id: str) -> str:
        return self.workflow.get_task_from_id(UUID(task_id)).task_spec.name

    def tasks(self, old: set[str], ready: dict) -> None:
        ctx, dt, to_json = self.ctx, self.driver.dt, self.driver.json
        closed = []
        for task_id in old - ready.keys():
            state, by = "cancelled", None
            try:
                task = self.workflow.get_task_from_id(UUID(task_id))
            except Exception:
                task = None
            if task is not None and task.has_state(TaskState.COMPLETED):
                state = "completed"
                by = ctx.actor if task_id in ctx.completed else "system"
            data = to_json(ctx.completed.get(task_id))
            closed.append((state, dt(ctx.now), by, data, task_id))
        self._many(_CLOSE_TASK_SQL, closed)
        created = [
            (
                task_id,
                ctx.instance_id,
                ctx.process_id,
                task.task_spec.name,
                task_title(task),
                task.task_spec.lane,
                ctx.forms.get(task.task_spec.name),
                dt(ctx.now),
            )
            for task_id, task in ready.items()
            if task_id not in old
        ]
        self._many(_INSERT_TASK_SQL, created)

    def timers(self, old: dict, new: dict) -> None:
        iid, dt = self.ctx.instance_id, self.driver.dt
        self._many(_DELETE_TIMER_SQL, [(iid, t) for t in old.keys() - new.keys()])
        moved = [
            (dt(due), iid, t) for t, due in new.items() if t in old and old[t] != due
        ]
        self._many(_MOVE_TIMER_SQL, moved)
        added = [
            (iid, t, self._element(t), dt(due)) for t, due in new.items() if t not in old
        ]
        self._many(_INSERT_TIMER_SQL, added)

    def messages(self, old: dict, new: dict) -> None:
        iid = self.ctx.instance_id
        gone = [(iid, t) for t in old.keys() - new.keys()]
        self._many(_DELETE_SUBSCRIPTION_SQL, gone)
        added = [
            (iid, t, self._element(t), name) for t, name in new.items() if t not in old
        ]
        self._many(_INSERT_SUBSCRIPTION_SQL, added)
