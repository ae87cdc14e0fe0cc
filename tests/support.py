"""Constants and helpers the engine tests import (conftest is not importable
by name once several folders have one)."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from engine import Actor
from engine import Engine
from engine.store.models import Agreement
from engine.store.models import HumanTask
from engine.store.models import Instance
from engine.store.models import Subscription
from engine.store.models import Timer

HERE = Path(__file__).parent
BPMN = HERE / "engine" / "bpmn"
#: The benchmark's lifecycle diagram, kept with the tests.
LIFECYCLE = HERE / "engine" / "defs" / "lifecycle.bpmn"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_url() -> str | None:
    url = os.environ.get("EKERJASAMA_TEST_POSTGRES_URL", DEFAULT_PG)
    if url in ("", "off", "0"):
        return None
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception:
        return None
    return url


POSTGRES_URL = _postgres_url()
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def complete_next(engine: Engine, instance_id: int, data=None, actor=None, name=None):
    """Complete the first open task of an instance (of element ``name``)."""
    tasks = engine.list_tasks(instance_id=instance_id)
    if name is not None:
        tasks = [t for t in tasks if t.spec_name == name]
    assert tasks, f"no open task {name or ''} in instance {instance_id}"
    actor = actor or Actor("officer", {t.lane for t in tasks if t.lane})
    engine.complete_task(tasks[0].id, data or {}, actor=actor)
    return tasks[0]


def task_tree(engine: Engine, instance_id: int) -> dict:
    """Every task of an instance with everything SpiffWorkflow keeps on it."""
    workflow = engine.stepper.load(instance_id).workflow
    tree = {}
    for part in [workflow, *workflow.subprocesses.values()]:
        for task in part.tasks.values():
            tree[task.id] = (
                task.task_spec.name,
                task.state,
                task._parent,
                list(task._children),
                task.data,
                task.internal_data,
                task.triggered,
                task.last_state_change,
            )
    return tree


def assert_store_matches_memory(make_engine, engine: Engine, instance_id: int):
    """The instance restored by a new engine equals the one in memory."""
    in_memory = task_tree(engine, instance_id)
    restored = task_tree(make_engine(), instance_id)
    assert restored == in_memory


def waits_from_rows(engine: Engine) -> dict[int, tuple]:
    """Each instance's ``(first_due, first_unclaimed, waiting_at, opd,
    partner_kind)`` worked out afresh from its open tasks, subscriptions,
    timers and register row."""
    with engine.db.read() as connection:
        ids = connection.scalars(sa.select(Instance.id)).all()
        tasks = connection.execute(
            sa.select(HumanTask).where(HumanTask.state.in_(("ready", "claimed")))
        ).all()
        messages = connection.execute(sa.select(Subscription)).all()
        timers = connection.execute(sa.select(Timer)).all()
        register = {
            row.instance_id: (row.opd_pemrakarsa, row.jenis_mitra)
            for row in connection.execute(sa.select(Agreement))
        }
    found = {}
    for instance_id in ids:
        own = [t for t in tasks if t.instance_id == instance_id]
        due = [t.due_at for t in own if t.due_at is not None]
        unclaimed = [t.created_at for t in own if t.assignee is None]
        elements = (
            [t.spec_name for t in own]
            or [m.element for m in messages if m.instance_id == instance_id]
            or [t.element for t in timers if t.instance_id == instance_id]
        )
        found[instance_id] = (
            min(due, default=None),
            min(unclaimed, default=None),
            min(elements, default=None),
            *register.get(instance_id, (None, None)),
        )
    return found


def assert_waits_current(engine: Engine) -> None:
    """Every instance's summary for the console matches the rows it is
    drawn from."""
    columns = (
        Instance.first_due,
        Instance.first_unclaimed,
        Instance.waiting_at,
        Instance.opd,
        Instance.partner_kind,
    )
    with engine.db.read() as connection:
        stored = {
            row[0]: tuple(row[1:])
            for row in connection.execute(sa.select(Instance.id, *columns))
        }
    assert stored == waits_from_rows(engine)
