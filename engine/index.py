"""Tables derived from a workflow after each step: tasks, timers, messages.

Inboxes, the timer scheduler and message delivery query these tables instead
of loading instances. They are rewritten in the same transaction as the
instance's state, so they never disagree with it. Which rows an instance has
changes only in its own steps, under its lock counter, so a loaded instance
remembers them (:class:`Derived`) and a step writes only the difference.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from .leases import CHANNEL
from .sla import SlaPolicy
from .sla import deadline_rows
from .sla import due_from_properties
from .sla import task_properties
from .store.fast import Driver

logger = logging.getLogger(__name__)

_FINISHED = TaskState.FINISHED_MASK

_OPEN_TASK_IDS_SQL = (
    "SELECT id, due_at FROM human_tasks WHERE instance_id = ? "
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
    "lane, form, state, created_at, due_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, 'ready', ?, ?)"
)
_DELETE_DEADLINES_SQL = "DELETE FROM deadlines WHERE task_id = ?"
_INSERT_DEADLINE_SQL = (
    "INSERT INTO deadlines (task_id, instance_id, kind, due_at, rule, attempts) "
    "VALUES (?, ?, ?, ?, ?, 0)"
)
_NOTIFY_SQL = f"SELECT pg_notify('{CHANNEL}', ?)"
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
    "DELETE FROM subscriptions WHERE instance_id = ? AND task_id = ? AND message = ?"
)
_INSERT_SUBSCRIPTION_SQL = (
    "INSERT INTO subscriptions (instance_id, task_id, element, message) "
    "VALUES (?, ?, ?, ?)"
)

_OPEN_OF_INSTANCE = "instance_id = instances.id AND state IN ('ready', 'claimed')"
#: Recompute an instance's ``first_due``, ``first_unclaimed`` and
#: ``waiting_at`` from its derived rows; append ``WHERE id = ?`` for one.
WAITS_SQL = (
    "UPDATE instances SET "
    f"first_due = (SELECT min(due_at) FROM human_tasks WHERE {_OPEN_OF_INSTANCE}), "
    "first_unclaimed = (SELECT min(created_at) FROM human_tasks "
    f"WHERE {_OPEN_OF_INSTANCE} AND assignee IS NULL), "
    "waiting_at = COALESCE("
    f"(SELECT min(spec_name) FROM human_tasks WHERE {_OPEN_OF_INSTANCE}), "
    "(SELECT min(element) FROM subscriptions WHERE instance_id = instances.id), "
    "(SELECT min(element) FROM timers WHERE instance_id = instances.id))"
)
_WAITS_OF_ONE_SQL = f"{WAITS_SQL} WHERE id = ?"


def write_waits(driver: Driver, connection, instance_id: int) -> None:
    """Bring an instance's summary of what it waits for up to date.

    Call it in the transaction that changed the instance's open tasks,
    subscriptions or timers, after the change and with the instance row
    locked first (as a step's bump does), so two writers never wait on
    each other's rows in opposite order.
    """
    driver.execute(connection, _WAITS_OF_ONE_SQL, (instance_id,))


def lock_waits(connection: sa.Connection, instance_id: int) -> None:
    """Lock an instance's row before changing one of its open tasks.

    Steps lock the instance row before its tasks; a claim or reassignment
    that locked the task first could deadlock with a step.
    """
    instances = sa.table("instances", sa.column("id"))
    connection.execute(
        sa.select(instances.c.id).where(instances.c.id == instance_id).with_for_update()
    )


def update_waits(connection: sa.Connection, instance_id: int) -> None:
    """:func:`write_waits` on a SQLAlchemy connection."""
    connection.execute(sa.text(f"{WAITS_SQL} WHERE id = :id"), {"id": instance_id})


@dataclass
class Derived:
    """The derived rows an instance has in the store."""

    open_tasks: set[str] = field(default_factory=set)
    #: The open tasks with a due date, which have escalation steps.
    dated: set[str] = field(default_factory=set)
    timers: dict[str, datetime] = field(default_factory=dict)
    #: ``(task id, message name)``: a task may wait for several messages.
    messages: set[tuple[str, str]] = field(default_factory=set)


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
    #: Task due dates and escalation defaults; None leaves tasks undated.
    sla: SlaPolicy | None = None
    #: The earliest timer or escalation step this step wrote, for schedulers.
    earliest: datetime | None = None


def read_derived(
    driver: Driver, connection: sa.Connection, instance_id: int
) -> Derived:
    key = (instance_id,)
    open_tasks = driver.execute(connection, _OPEN_TASK_IDS_SQL, key).fetchall()
    timers = driver.execute(connection, _TIMERS_SQL, key).fetchall()
    messages = driver.execute(connection, _SUBSCRIPTIONS_SQL, key).fetchall()
    return Derived(
        open_tasks={task_id for task_id, _ in open_tasks},
        dated={task_id for task_id, due in open_tasks if due is not None},
        timers={task_id: driver.read_dt(due) for task_id, due in timers},
        messages={(task_id, name) for task_id, name in messages},
    )


def element_id(task) -> str:
    """Return the id of the BPMN element a task runs.

    The instances of a multi-instance or loop activity run a copy of its spec
    named ``"<id> [child]"``; both keep the element's id as ``bpmn_id``.
    """
    spec = task.task_spec
    return getattr(spec, "bpmn_id", None) or spec.name


def task_title(task) -> str:
    spec = task.task_spec
    return getattr(spec, "bpmn_name", None) or spec.name


def event_definitions(task) -> list:
    """Return what a catching task waits for.

    An event-based gateway waits for all of its branches' events at once:
    SpiffWorkflow gives it one definition holding them, which is unpacked here.
    """
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [] if definition is None else [definition]


def timer_due(task) -> datetime | None:
    """Return when a waiting timer task is due, or None if it is no timer."""
    timers = [d for d in event_definitions(task) if isinstance(d, TimerEventDefinition)]
    if not timers:
        return None
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(timers[0], CycleTimerEventDefinition):
        if value.get("cycles") == 0:
            return None
        return datetime.fromisoformat(value["next"])
    due = TimerEventDefinition.parse_time_or_duration(value)
    return due if isinstance(due, datetime) else None


def boundary_due(task) -> datetime | None:
    """When the earliest interrupting timer on ``task``'s boundary is due."""
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return None
    dues = [
        timer_due(event)
        for event in parent.children
        if event is not task and getattr(event.task_spec, "cancel_activity", False)
    ]
    return min((due for due in dues if due is not None), default=None)


def message_definition(task, name: str) -> MessageEventDefinition | None:
    """Return the definition through which ``task`` waits for message ``name``."""
    for definition in event_definitions(task):
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            return definition
    return None


def message_names(task) -> list[str]:
    """Return every message a task waits for (an event-based gateway: several)."""
    return [
        d.name for d in event_definitions(task) if isinstance(d, MessageEventDefinition)
    ]


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
            str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
        }
        for task in workflow.event_manager.tasks.values():
            if task.state & _FINISHED:
                continue
            due = timer_due(task)
            if due is not None:
                new.timers[str(task.id)] = due
            for name in message_names(task):
                new.messages.add((str(task.id), name))
    new.open_tasks = set(ready)
    writer = _Writer(driver, connection, workflow, ctx)
    writer.tasks(old.open_tasks, ready, old.dated)
    new.dated = (old.dated & new.open_tasks) | writer.dated
    writer.timers(old.timers, new.timers)
    writer.messages(old.messages, new.messages)
    if (
        old.open_tasks != new.open_tasks
        or old.messages != new.messages
        or old.timers.keys() != new.timers.keys()
    ):
        write_waits(driver, connection, ctx.instance_id)
    if ctx.timer_id is not None:
        driver.execute(connection, _RELEASE_TIMER_SQL, (ctx.timer_id,))
    if ctx.earliest is not None and not driver.sqlite:
        # Sent at commit, so a listening scheduler wakes to a row it can see.
        driver.execute(connection, _NOTIFY_SQL, (ctx.earliest.isoformat(),))
    return new


class _Writer:
    """Writes one step's changes to the derived tables."""

    def __init__(self, driver: Driver, connection, workflow, ctx: StepContext) -> None:
        self.driver = driver
        self.connection = connection
        self.workflow = workflow
        self.ctx = ctx
        self.deadlines: list[tuple] = []
        self.dated: set[str] = set()

    def _many(self, sql: str, rows: list) -> None:
        self.driver.executemany(self.connection, sql, rows)

    def _element(self, task_id: str) -> str:
        return element_id(self.workflow.get_task_from_id(UUID(task_id)))

    def tasks(self, old: set[str], ready: dict, dated: set[str]) -> None:
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
        gone = [(c[-1],) for c in closed if c[-1] in dated]
        self._many(_DELETE_DEADLINES_SQL, gone)
        created = [
            (
                task_id,
                ctx.instance_id,
                ctx.process_id,
                element_id(task),
                task_title(task),
                task.task_spec.lane,
                ctx.forms.get(element_id(task)),
                dt(ctx.now),
                dt(self._due(task_id, task)),
            )
            for task_id, task in ready.items()
            if task_id not in old
        ]
        self._many(_INSERT_TASK_SQL, created)
        self._many(_INSERT_DEADLINE_SQL, self.deadlines)

    def _due(self, task_id: str, task) -> datetime | None:
        """The task's due date; note its escalation steps on the way."""
        policy, ctx = self.ctx.sla, self.ctx
        if policy is None:
            return None
        props = task_properties(task)
        try:
            due = due_from_properties(props, ctx.now, policy) or boundary_due(task)
        except ValueError as e:
            # Deploy checks the properties; a default from the settings that
            # cannot count them must not stop the instance.
            logger.warning("No due date for task %s: %s", element_id(task), e)
            return None
        if due is None:
            return None
        self.dated.add(task_id)
        lane = task.task_spec.lane
        for kind, at, rule in deadline_rows(props, lane, due, ctx.now, policy):
            row = (task_id, ctx.instance_id, kind, self.driver.dt(at))
            self.deadlines.append((*row, self.driver.json(rule)))
            self._noted(at)
        return due

    def _noted(self, due: datetime) -> None:
        if self.ctx.earliest is None or due < self.ctx.earliest:
            self.ctx.earliest = due

    def timers(self, old: dict, new: dict) -> None:
        iid, dt = self.ctx.instance_id, self.driver.dt
        self._many(_DELETE_TIMER_SQL, [(iid, t) for t in old.keys() - new.keys()])
        moved = [
            (dt(due), iid, t) for t, due in new.items() if t in old and old[t] != due
        ]
        self._many(_MOVE_TIMER_SQL, moved)
        for t, due in new.items():
            if old.get(t) != due:
                self._noted(due)
        added = [
            (iid, t, self._element(t), dt(due))
            for t, due in new.items()
            if t not in old
        ]
        self._many(_INSERT_TIMER_SQL, added)

    def messages(self, old: set, new: set) -> None:
        iid = self.ctx.instance_id
        gone = [(iid, t, name) for t, name in old - new]
        self._many(_DELETE_SUBSCRIPTION_SQL, gone)
        added = [(iid, t, self._element(t), name) for t, name in new - old]
        self._many(_INSERT_SUBSCRIPTION_SQL, added)
