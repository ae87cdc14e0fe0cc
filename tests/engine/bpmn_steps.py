"""Small steps the BPMN construct tests share: restart, read the task index.

A *restart* closes the running engine and builds a new one on the same
database, so whatever follows can only use what the store kept.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from engine import Engine
from engine.store.models import Timer

TIMERS = Timer.__table__


def restart(engine: Engine, make_engine) -> Engine:
    """Close ``engine`` and return a new one on the same database."""
    engine.close()
    return make_engine()


def open_names(engine: Engine, instance_id: int) -> list[str]:
    """The element ids of an instance's open tasks, sorted."""
    return sorted(t.spec_name for t in engine.list_tasks(instance_id=instance_id))


def task_states(engine: Engine, instance_id: int) -> dict[str, list[str]]:
    """Every task index state an instance has had, by element id."""
    states: dict[str, list[str]] = {}
    for task in engine.list_tasks(instance_id=instance_id, states=None):
        states.setdefault(task.spec_name, []).append(task.state)
    return states


def timer_rows(engine: Engine, instance_id: int) -> list[tuple[str, datetime]]:
    """The ``(element, due_at)`` rows of an instance's waiting timers."""
    query = (
        sa.select(TIMERS.c.element, TIMERS.c.due_at)
        .where(TIMERS.c.instance_id == instance_id)
        .order_by(TIMERS.c.due_at, TIMERS.c.element)
    )
    with engine.db.read() as connection:
        return [(element, due) for element, due in connection.execute(query)]


def status(engine: Engine, instance_id: int) -> str:
    """The instance's status: active, completed or cancelled."""
    return engine.get_instance(instance_id).status
