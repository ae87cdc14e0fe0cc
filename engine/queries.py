"""Read-only queries over the store: instances, the task index, events.

None of these loads a workflow; they read the tables each step keeps current.
"""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlalchemy import or_
from sqlalchemy import select

from .errors import InstanceNotFound
from .errors import TaskNotFound
from .records import OPEN_STATES
from .records import Actor
from .records import EventInfo
from .records import InstanceInfo
from .records import TaskInfo
from .store import Database
from .store.models import Event
from .store.models import HumanTask
from .store.models import Instance
from .store.models import ProcessVersion
from .store.models import Subscription

INSTANCES = Instance.__table__
VERSIONS = ProcessVersion.__table__
TASKS = HumanTask.__table__
EVENTS = Event.__table__
SUBSCRIPTIONS = Subscription.__table__
_TASK_NAMES = tuple(c.name for c in TASKS.c)
_TASK_TIMES = ("created_at", "due_at", "completed_at")
_TASK_COLUMNS = ", ".join(_TASK_NAMES)
_OPEN_TASKS_SQL = (
    f"SELECT {_TASK_COLUMNS} FROM human_tasks WHERE instance_id = ? "
    "AND state IN ('ready', 'claimed') ORDER BY created_at, id LIMIT ?"
)
_INSTANCES = select(INSTANCES, VERSIONS.c.version).join(
    VERSIONS, VERSIONS.c.id == INSTANCES.c.version_id
)


def _instance(row, version: int) -> InstanceInfo:
    return InstanceInfo(
        id=row.id,
        process_id=row.process_id,
        version=version,
        business_key=row.business_key,
        status=row.status,
        lock_version=row.lock_version,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        ended_at=row.ended_at,
        error=row.error,
    )


def _task(row) -> TaskInfo:
    return TaskInfo(
        id=row.id,
        instance_id=row.instance_id,
        process_id=row.process_id,
        spec_name=row.spec_name,
        title=row.title,
        lane=row.lane,
        form=row.form,
        state=row.state,
        assignee=row.assignee,
        created_at=row.created_at,
        due_at=row.due_at,
        completed_at=row.completed_at,
        completed_by=row.completed_by,
        data=row.data,
    )


def _open_tasks_of_instance(db: Database, instance_id: int, limit: int):
    # The common case, on the driver directly: a step's caller asks it often.
    driver = db.driver
    with db.raw_read() as connection:
        rows = driver.execute(connection, _OPEN_TASKS_SQL, (instance_id, limit))
        tasks = []
        for row in rows.fetchall():
            values = dict(zip(_TASK_NAMES, row, strict=True))
            for name in _TASK_TIMES:
                if values[name] is not None:
                    values[name] = driver.read_dt(values[name])
            if values["data"] is not None:
                values["data"] = driver.read_json(values["data"])
            tasks.append(TaskInfo(**values))
    return tasks


def get_instance(db: Database, instance_id: int) -> InstanceInfo:
    """:raise InstanceNotFound: there is no such instance."""
    with db.read() as connection:
        found = connection.execute(
            _INSTANCES.where(INSTANCES.c.id == instance_id)
        ).one_or_none()
    if found is None:
        raise InstanceNotFound(f"There is no instance {instance_id}.")
    return _instance(found, found.version)


def list_instances(
    db: Database,
    *,
    status: str | None = None,
    process_id: str | None = None,
    business_key: str | None = None,
    limit: int | None = 1000,
) -> list[InstanceInfo]:
    """Instances, newest first; ``limit=None`` reads every one."""
    query = _INSTANCES
    if status is not None:
        query = query.where(INSTANCES.c.status == status)
    if process_id is not None:
        query = query.where(INSTANCES.c.process_id == process_id)
    if business_key is not None:
        query = query.where(INSTANCES.c.business_key == business_key)
    query = query.order_by(INSTANCES.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with db.read() as connection:
        return [_instance(row, row.version) for row in connection.execute(query)]


def get_task(db: Database, task_id: str) -> TaskInfo:
    """:raise TaskNotFound: there is no such task."""
    with db.read() as connection:
        row = connection.execute(
            select(TASKS).where(TASKS.c.id == task_id)
        ).one_or_none()
    if row is None:
        raise TaskNotFound(f"There is no task {task_id!r}.")
    return _task(row)


def list_tasks(
    db: Database,
    *,
    actor: Actor | None = None,
    instance_id: int | None = None,
    states: tuple[str, ...] | None = OPEN_STATES,
    limit: int = 1000,
) -> list[TaskInfo]:
    """Tasks of an instance, or the open tasks an actor may work on."""
    params: dict = {"limit": limit}
    if instance_id is not None and states == OPEN_STATES and actor is None:
        return _open_tasks_of_instance(db, instance_id, limit)
    else:
        query = select(TASKS)
        if instance_id is not None:
            query = query.where(TASKS.c.instance_id == instance_id)
        if states is not None:
            query = query.where(TASKS.c.state.in_(states))
        if actor is not None:
            query = query.where(
                or_(TASKS.c.lane.is_(None), TASKS.c.lane.in_(sorted(actor.roles))),
                or_(TASKS.c.assignee.is_(None), TASKS.c.assignee == actor.name),
            )
        query = query.order_by(TASKS.c.created_at, TASKS.c.id).limit(bindparam("limit"))
    with db.read() as connection:
        return [_task(row) for row in connection.execute(query, params)]


def list_overdue_tasks(
    db: Database, now, actor: Actor | None = None, limit: int = 1000
) -> list[TaskInfo]:
    """Open tasks whose due date is before ``now``, most overdue first."""
    query = select(TASKS).where(TASKS.c.state.in_(OPEN_STATES), TASKS.c.due_at < now)
    if actor is not None:
        query = query.where(
            or_(TASKS.c.lane.is_(None), TASKS.c.lane.in_(sorted(actor.roles))),
            or_(TASKS.c.assignee.is_(None), TASKS.c.assignee == actor.name),
        )
    query = query.order_by(TASKS.c.due_at, TASKS.c.id).limit(limit)
    with db.read() as connection:
        return [_task(row) for row in connection.execute(query)]


def list_events(db: Database, instance_id: int | None = None) -> list[EventInfo]:
    query = select(EVENTS).order_by(EVENTS.c.id)
    if instance_id is not None:
        query = query.where(EVENTS.c.instance_id == instance_id)
    with db.read() as connection:
        return [
            EventInfo(
                id=row.id,
                instance_id=row.instance_id,
                task_id=row.task_id,
                name=row.name,
                actor=row.actor,
                created_at=row.created_at,
                details=row.details,
            )
            for row in connection.execute(query)
        ]


def waiting_for(
    db: Database,
    message: str,
    business_key: str | None = None,
    instance_id: int | None = None,
) -> list[int]:
    """Ids of active instances with a subscription to ``message``."""
    query = (
        select(SUBSCRIPTIONS.c.instance_id)
        .join(INSTANCES, INSTANCES.c.id == SUBSCRIPTIONS.c.instance_id)
        .where(SUBSCRIPTIONS.c.message == message, INSTANCES.c.status == "active")
        .distinct()
        .order_by(SUBSCRIPTIONS.c.instance_id)
    )
    if business_key is not None:
        query = query.where(INSTANCES.c.business_key == business_key)
    if instance_id is not None:
        query = query.where(INSTANCES.c.id == instance_id)
    with db.read() as connection:
        return list(connection.scalars(query))
