"""Constants and helpers the engine tests import (conftest is not importable
by name once several folders have one)."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from engine import Actor
from engine import Engine

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
