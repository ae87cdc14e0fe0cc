"""The operation log: who changed an instance by hand, how, and why.

Supervisors repair instances (reassign a task, retry a failed step, move the
token, suspend, resume, cancel) and designers migrate them to new versions.
Each such change writes one row here in the transaction that makes the
change, so the log and the instance cannot disagree::

    with engine.db.write() as connection:
        ...  # the change itself
        operations.record(
            connection,
            instance_id=7,
            action="task-reassigned",
            actor=actor.name,
            reason="Pak Budi is on leave until Monday.",
            at=engine.clock.now(),
            old={"assignee": "budi"},
            new={"assignee": "siti"},
            task_id=task_id,
        )

The audit trail (``events``) says what the engine did; this log says what
people decided, with the reason they gave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .store import Database
from .store.fast import Driver
from .store.models import Operation

OPERATIONS = Operation.__table__

_INSERT_SQL = (
    "INSERT INTO operations (instance_id, task_id, action, actor, created_at, "
    "old, new, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class OperationInfo:
    """One entry of the operation log."""

    id: int
    instance_id: int
    task_id: str | None
    #: Kebab-case, e.g. ``task-reassigned``.
    action: str
    actor: str
    created_at: datetime
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    reason: str


def record(
    connection,
    *,
    instance_id: int,
    action: str,
    actor: str,
    reason: str,
    at: datetime,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    task_id: str | None = None,
    driver: Driver | None = None,
) -> None:
    """Write one operation row inside the caller's transaction.

    ``connection`` is a SQLAlchemy connection from ``Database.write``, or,
    with ``driver``, a DB-API connection from ``Database.raw_write`` (the
    step path writes that way).

    :raise ValueError: ``reason`` is blank; callers check it first and tell
        the user, this only guards the log against entries without one.
    """
    if not reason or not reason.strip():
        raise ValueError("An operation needs a reason; refusing to log it without.")
    values = {
        "instance_id": instance_id,
        "task_id": task_id,
        "action": action,
        "actor": actor,
        "created_at": at,
        "old": old,
        "new": new,
        "reason": reason.strip(),
    }
    if driver is None:
        connection.execute(sa.insert(OPERATIONS), values)
        return
    values["created_at"] = driver.dt(at)
    values["old"] = driver.json(old)
    values["new"] = driver.json(new)
    driver.execute(connection, _INSERT_SQL, tuple(values.values()))


def list_operations(
    db: Database, instance_id: int | None = None, limit: int = 200
) -> list[OperationInfo]:
    """The operation log, newest first; one instance's with ``instance_id``."""
    query = sa.select(OPERATIONS).order_by(OPERATIONS.c.id.desc()).limit(limit)
    if instance_id is not None:
        query = query.where(OPERATIONS.c.instance_id == instance_id)
    with db.read() as connection:
        rows = connection.execute(query).all()
    return [OperationInfo(**row._mapping) for row in rows]
