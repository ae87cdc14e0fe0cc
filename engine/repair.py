"""Supervisors' repairs: reassign, retry, move the token, suspend, resume.

Every repair is refused unless the actor is a supervisor and gives a
reason, and then nothing changes. A repair that goes ahead writes its
change, an audit event and an operation log entry (see
:mod:`engine.operations`) in one transaction.

Suspending an instance sets its status to ``suspended``: steps refuse to
run (completing a task, delivering a message), and its timers and
escalation steps are *parked*, leased to :data:`PARKED` until resumed, so
no scheduler picks them. Resuming hands them back; those that fell due in
the meantime fire on the scheduler's next round.

The Engine methods of the same names call these functions.
"""

from __future__ import annotations

import logging
from datetime import UTC
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from . import index
from . import leases
from . import operations
from .errors import Conflict
from .errors import InstanceNotActive
from .errors import InvalidInput
from .errors import PermissionDenied
from .errors import TaskNotFound
from .errors import TaskNotOpen
from .records import OPEN_STATES
from .records import Actor
from .steps import EVENTS
from .steps import INSTANCES
from .steps import event_row
from .store.models import Deadline
from .store.models import HumanTask
from .store.models import ProcessVersion
from .store.models import Subscription
from .store.models import Timer
from .store.models import User

if TYPE_CHECKING:
    from .runtime import Engine

logger = logging.getLogger(__name__)

TASKS = HumanTask.__table__
TIMERS = Timer.__table__
DEADLINES = Deadline.__table__
USERS = User.__table__
SUBSCRIPTIONS = Subscription.__table__
VERSIONS = ProcessVersion.__table__
#: The lease owner of a suspended instance's timers and escalation steps.
PARKED = "suspended"
_PARKED_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)


def check(engine: Engine, actor: Actor, reason: str | None, what: str) -> str:
    """Return the stripped reason, or refuse the repair.

    :raise PermissionDenied: the actor is not a supervisor.
    :raise InvalidInput: the reason is blank.
    """
    if not engine.is_supervisor(actor):
        raise PermissionDenied(f"Only a supervisor can {what}.")
    if not reason or not reason.strip():
        raise InvalidInput(
            f"Give a reason to {what}; it is kept in the operation log.",
            {"reason": ["A reason is required."]},
        )
    return reason.strip()


def reassign_task(
    engine: Engine,
    task_id: str,
    *,
    reason: str,
    actor: Actor,
    user: str | None = None,
    role: str | None = None,
) -> None:
    """Give an open task to ``user``, to the lane ``role``, or both."""
    reason = check(engine, actor, reason, "reassign a task")
    user, role = (user or "").strip() or None, (role or "").strip() or None
    if user is None and role is None:
        raise InvalidInput(
            "Choose the user or the role to give the task to.",
            {"user": ["Choose a user or a role."]},
        )
    row = _open_task(engine, task_id)
    lane = role or row.lane
    if role is not None:
        _check_role(engine, role)
    if user is not None:
        _check_user(engine, user, lane)
    old = {"lane": row.lane, "assignee": row.assignee}
    new = {"lane": lane, "assignee": user}
    if old == new:
        raise InvalidInput(
            f"Task {row.title!r} is already with {user or lane!r}.",
            {"user": ["Choose someone else."]},
        )
    now = engine.clock.now()
    with engine.db.write() as connection:
        index.lock_waits(connection, row.instance_id)
        updated = connection.execute(
            sa.update(TASKS)
            .where(
                TASKS.c.id == row.id,
                TASKS.c.state.in_(OPEN_STATES),
                _same(TASKS.c.lane, row.lane),
                _same(TASKS.c.assignee, row.assignee),
            )
            .values(lane=lane, assignee=user, state="claimed" if user else "ready")
        )
        if updated.rowcount != 1:
            raise Conflict(
                f"Task {row.title!r} was claimed, reassigned or completed "
                "meanwhile. Reload it."
            )
        index.update_waits(connection, row.instance_id)
        details = {
            "from_lane": row.lane,
            "from": row.assignee,
            "to_lane": lane,
            "to": user,
            "reason": reason,
        }
        _log(
            connection, row.instance_id, row.id, "task-reassigned", actor, now, details
        )
        operations.record(
            connection,
            instance_id=row.instance_id,
            task_id=row.id,
            action="task-reassigned",
            actor=actor.name,
            reason=reason,
            at=now,
            old=old,
            new=new,
        )
        to = {"user": user} if user else {"role": lane}
        text = (
            f"Tugas \u201c{row.title}\u201d dialihkan kepada "
            f"{user or lane} oleh {actor.name}. Alasan: {reason}"
        )
        engine.notifier.notify(connection, text, row, now, **to)
    logger.info("Task reassigned: %s to %s by %s", row.id, user or lane, actor.name)


def suspend_instance(engine: Engine, instance_id: int, *, reason: str, actor: Actor):
    """Stop an active instance until a supervisor resumes it."""
    reason = check(engine, actor, reason, "suspend an instance")
    _set_status(engine, instance_id, "active", "suspended", reason, actor)
    logger.info("Instance suspended: %s by %s", instance_id, actor.name)


def resume_instance(engine: Engine, instance_id: int, *, reason: str, actor: Actor):
    """Let a suspended instance go on; timers due meanwhile fire next round."""
    reason = check(engine, actor, reason, "resume an instance")
    due = _set_status(engine, instance_id, "suspended", "active", reason, actor)
    if due is not None:
        engine.stepper.tell_due(due)
    logger.info("Instance resumed: %s by %s", instance_id, actor.name)


def _set_status(engine: Engine, instance_id, old, new, reason, actor):
    info = engine.get_instance(instance_id)
    if info.status != old:
        can = "an active instance can be suspended"
        if new == "active":
            can = "a suspended instance can be resumed"
        raise InstanceNotActive(f"Instance {instance_id} is {info.status}; only {can}.")
    now = engine.clock.now()
    parked = {"lock_owner": PARKED, "lock_expires_at": _PARKED_UNTIL}
    free = {"lock_owner": None, "lock_expires_at": None}
    with engine.db.write() as connection:
        bumped = connection.execute(
            sa.update(INSTANCES)
            .where(
                INSTANCES.c.id == instance_id,
                INSTANCES.c.status == old,
                INSTANCES.c.lock_version == info.lock_version,
            )
            .values(status=new, lock_version=info.lock_version + 1, updated_at=now)
        )
        if bumped.rowcount != 1:
            raise Conflict(
                f"Instance {instance_id} was changed by someone else meanwhile. "
                "Reload it and try again."
            )
        for table in (TIMERS, DEADLINES):
            where = table.c.instance_id == instance_id
            if new == "active":
                where = sa.and_(where, table.c.lock_owner == PARKED)
            connection.execute(
                sa.update(table)
                .where(where)
                .values(**(parked if new == "suspended" else free))
            )
        action = f"instance-{'suspended' if new == 'suspended' else 'resumed'}"
        _log(connection, instance_id, None, action, actor, now, {"reason": reason})
        operations.record(
            connection,
            instance_id=instance_id,
            action=action,
            actor=actor.name,
            reason=reason,
            at=now,
            old={"status": old},
            new={"status": new},
        )
    if new == "active":
        return leases.next_due(engine.db, [TIMERS, DEADLINES])
    return None


def refuse_if_suspended(engine: Engine, message: str, business_key, instance_id):
    """Explain an undelivered message when suspended instances wait for it.

    :raise InstanceNotActive: a suspended instance waits for ``message``.
    """
    query = (
        sa.select(INSTANCES.c.id)
        .join(SUBSCRIPTIONS, SUBSCRIPTIONS.c.instance_id == INSTANCES.c.id)
        .where(SUBSCRIPTIONS.c.message == message, INSTANCES.c.status == "suspended")
        .limit(1)
    )
    if business_key is not None:
        query = query.where(INSTANCES.c.business_key == business_key)
    if instance_id is not None:
        query = query.where(INSTANCES.c.id == instance_id)
    with engine.db.read() as connection:
        found = connection.scalar(query)
    if found is not None:
        raise InstanceNotActive(
            f"Message {message!r} was not delivered: instance {found} is "
            "suspended. Send it again once a supervisor resumes it."
        )


# -- helpers -----------------------------------------------------------------


def _same(column, value):
    return column.is_(None) if value is None else column == value


def _log(connection, instance_id, task_id, name, actor, now, details) -> None:
    connection.execute(
        sa.insert(EVENTS), event_row(instance_id, task_id, name, actor, now, details)
    )


def _open_task(engine: Engine, task_id: str):
    with engine.db.read() as connection:
        row = connection.execute(
            sa.select(TASKS).where(TASKS.c.id == task_id)
        ).one_or_none()
    if row is None:
        raise TaskNotFound(f"There is no task {task_id!r}.")
    if row.state not in OPEN_STATES:
        raise TaskNotOpen(f"Task {row.title!r} is {row.state}; it cannot be moved.")
    return row


def _check_user(engine: Engine, username: str, lane: str | None) -> None:
    with engine.db.read() as connection:
        found = connection.execute(
            sa.select(USERS.c.roles, USERS.c.active).where(USERS.c.username == username)
        ).one_or_none()
    if found is None or not found.active:
        raise InvalidInput(
            f"There is no active user {username!r}. Choose one from the list.",
            {"user": [f"There is no active user {username!r}."]},
        )
    if lane is not None and lane not in (found.roles or []):
        raise InvalidInput(
            f"{username!r} does not hold the {lane!r} role the task needs. "
            "Choose a user of that role, or give the task to another role too.",
            {"user": [f"{username!r} does not hold the {lane!r} role."]},
        )


def known_roles(engine: Engine) -> set[str]:
    """Lanes of the deployed processes and roles users hold."""
    roles: set[str] = set()
    with engine.db.read() as connection:
        for lanes in connection.scalars(sa.select(VERSIONS.c.lanes)):
            roles.update(lanes or [])
        for held in connection.scalars(sa.select(USERS.c.roles)):
            roles.update(held or [])
    return roles


def _check_role(engine: Engine, role: str) -> None:
    if role not in known_roles(engine):
        raise InvalidInput(
            f"No process has a lane {role!r} and no user holds that role. "
            "Choose an existing role.",
            {"role": [f"There is no role {role!r}."]},
        )
