"""How an instance's SpiffWorkflow state is split into rows and put back.

An instance is stored as one small *meta* document (workflow data,
correlations, subprocess headers) plus one row per task. The spec is never
stored with it: it is parsed once per process version and cached.

:class:`StateImage` remembers what is in the database for one loaded
workflow, so that a step writes only the tasks it changed. Finished tasks do
not change once written, which keeps the cost of a step flat however long the
instance's history grows.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnSubWorkflowConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    TaskConverter as SpiffTaskConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .workflow import SubWorkflow
from .workflow import Workflow

FORMAT_VERSION = 1
_FINISHED = TaskState.FINISHED_MASK
_LIVE = TaskState.WAITING | TaskState.STARTED
_TOP = ""


class TaskConverter(SpiffTaskConverter):
    """SpiffWorkflow's task format, minus the work for tasks without data.

    Predicted tasks carry no data until they become ready; storing them
    without a difference from their parent's data keeps their rows unchanged
    when the parent's data changes.
    """

    def to_dict(self, task):
        if task.data or task.parent is None:
            return super().to_dict(task)
        return {
            "id": str(task.id),
            "parent": str(task._parent),
            "children": [str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": {},
            "delta": {},
        }


def make_registry():
    """Return a SpiffWorkflow converter registry that knows our workflow classes."""
    config = dict(SPIFF_CONFIG)
    config.pop(BpmnWorkflow)
    config.pop(BpmnSubWorkflow)
    config[Task] = TaskConverter
    config[Workflow] = BpmnWorkflowConverter
    config[SubWorkflow] = BpmnSubWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # Scripts may compute dates and exact amounts; keep their types.
    registry.register(
        date,
        lambda v: {"value": v.isoformat()},
        lambda v: date.fromisoformat(v["value"]),
    )
    registry.register(
        Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"])
    )
    return registry


@dataclass
class TaskRow:
    """One task's stored form."""

    task_id: str
    workflow_key: str
    seq: int
    body: str


@dataclass
class StateDelta:
    """What one step changed: rows to write, rows to delete, the new meta."""

    meta: str
    upserts: list[TaskRow] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    shapes: dict[UUID, tuple] = field(default_factory=dict)
    frontier: dict[str, set[UUID]] = field(default_factory=dict)


class StateCodec:
    """Converts workflows to rows and back with one registry."""

    def __init__(self) -> None:
        self.registry = make_registry()
        self._encoder = create_encoder(self.registry)

    def dumps(self, value: Any) -> str:
        return json.dumps(
            self.registry.convert(value), cls=self._encoder, separators=(",", ":")
        )

    def workflow_meta(self, wf) -> dict[str, Any]:
        reg = self.registry
        return {
            "data": reg.convert(reg.clean(wf.data)),
            "correlations": wf.correlations,
            "last_task": str(wf.last_task.id) if wf.last_task is not None else None,
            "success": wf.success,
            "completed": wf.completed,
            "root": str(wf.task_tree.id),
        }

    def meta(self, workflow: Workflow) -> str:
        subprocesses = {}
        for key, sp in workflow.subprocesses.items():
            head = self.workflow_meta(sp)
            head["parent_task_id"] = str(sp.parent_task_id)
            head["spec"] = sp.spec.name
            subprocesses[str(key)] = head
        top = self.workflow_meta(workflow)
        top["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        document = {"format": FORMAT_VERSION, "top": top, "subprocesses": subprocesses}
        return json.dumps(document, cls=self._encoder, separators=(",", ":"))

    def restore(self, spec, subprocess_specs, meta: str, rows: list[TaskRow]):
        """Rebuild a workflow from its meta document and task rows.

        ``rows`` must come in ``seq`` order: a task's data is stored as a
        difference from its parent's, so parents are restored first.
        """
        document = json.loads(meta)
        tasks: dict[str, dict[str, Any]] = {}
        for row in rows:
            tasks.setdefault(row.workflow_key, {})[row.task_id] = json.loads(row.body)
        subprocesses = {}
        for key, head in document["subprocesses"].items():
            subprocesses[key] = {
                **head,
                "tasks": tasks.get(key, {}),
                "typename": "SubWorkflow",
            }
        top = document["top"]
        dct = {
            **top,
            "typename": "Workflow",
            "spec": spec,
            "subprocess_specs": dict(subprocess_specs),
            "tasks": tasks.get(_TOP, {}),
            "subprocesses": subprocesses,
        }
        return self.registry.restore(dct)


class StateImage:
    """What the database holds for one workflow, to diff the next step against."""

    def __init__(self, codec: StateCodec) -> None:
        self.codec = codec
        self.bodies: dict[UUID, str] = {}
        self.seq: dict[UUID, int] = {}
        #: ``(state, *children)`` of unfinished tasks as last written.
        self.shapes: dict[UUID, tuple] = {}
        #: Unfinished task ids per workflow key; None until the first full diff.
        self.frontier: dict[str, set[UUID]] | None = None
        #: Stored task ids per workflow key.
        self.members: dict[str, set[UUID]] = {}
        self.meta = ""
        self.next_seq = 0
        self.mark = 0.0

    @classmethod
    def from_rows(cls, codec: StateCodec, meta: str, rows: list[TaskRow]) -> StateImage:
        image = cls(codec)
        image.meta = meta
        for row in rows:
            key = UUID(row.task_id)
            image.bodies[key] = row.body
            image.seq[key] = row.seq
            image.members.setdefault(row.workflow_key, set()).add(key)
            image.next_seq = max(image.next_seq, row.seq + 1)
        image.start_step()
        return image

    def start_step(self) -> None:
        """Note the time a step starts; tasks changed after it are written."""
        self.mark = time.time()

    def diff(self, workflow: Workflow) -> StateDelta:
        """Return the rows ``workflow`` needs written since the last diff.

        Only the frontier is examined: tasks that were unfinished at the last
        write, tasks created since, and tasks removed since. Finished tasks
        never change, except through a reset, after which every task is
        examined once.
        """
        delta = StateDelta(meta=self.codec.meta(workflow))
        full = self.frontier is None or workflow.__dict__.pop("needs_full_scan", False)
        removed = workflow.__dict__.pop("removed_task_ids", set())
        touched = workflow.__dict__.pop("touched_task_ids", set())
        groups = {_TOP: workflow}
        groups.update((str(k), sp) for k, sp in workflow.subprocesses.items())
        for key, wf in groups.items():
            delta.frontier[key] = self._diff_tasks(key, wf, delta, full, touched)
        if full:
            present = set()
            for wf in groups.values():
                present.update(wf.tasks)
            gone = self.bodies.keys() - present
        else:
            gone = removed & self.bodies.keys()
            for key in self.members.keys() - groups.keys():
                gone |= self.members[key]
        delta.deletes.extend(str(task_id) for task_id in gone)
        return delta

    def _diff_tasks(
        self, key: str, wf, delta: StateDelta, full: bool, touched: set[UUID]
    ) -> set[UUID]:
        """Diff one workflow's tasks; return its unfinished task ids.

        ``touched`` holds tasks whose children were removed: even a finished
        task's row changes then.
        """
        mark, tasks, shapes = self.mark, wf.tasks, self.shapes
        new_ids = self._new_ids(tasks)
        if full:
            candidates = tasks.keys()
        else:
            candidates = (self.frontier.get(key, set()) | new_ids) & tasks.keys()
        # A new task's parent lists it as a child, so its row changes too,
        # finished or not (a join completing adds children to itself).
        changed = {tasks[t]._parent for t in new_ids if tasks[t]._parent in tasks}
        changed |= touched & tasks.keys()
        for task_id in candidates:
            task = tasks[task_id]
            state = task.state
            if task.last_state_change >= mark or task_id not in self.bodies:
                changed.add(task_id)
            elif state & _FINISHED:
                continue
            elif state & _LIVE or shapes.get(task_id) != (state, *task._children):
                # Waiting and started tasks change internal data in place;
                # predicted ones may be re-predicted with new children.
                changed.add(task_id)
        # Data is stored relative to the parent, so a changed parent means its
        # children with data are written again too.
        for task_id in list(changed):
            changed.update(c for c in tasks[task_id]._children if tasks[c].data)
        unfinished = set()
        for task_id in self._in_creation_order(tasks, changed):
            task = tasks[task_id]
            if not task.state & _FINISHED:
                unfinished.add(task_id)
                delta.shapes[task_id] = (task.state, *task._children)
            body = self.codec.dumps(task)
            if self.bodies.get(task_id) == body:
                continue
            seq = self.seq.get(task_id)
            if seq is None:
                seq = self.seq[task_id] = self.next_seq
                self.next_seq += 1
            delta.upserts.append(TaskRow(str(task_id), key, seq, body))
        for task_id in candidates:
            if task_id not in changed and not tasks[task_id].state & _FINISHED:
                unfinished.add(task_id)
        return unfinished

    def _new_ids(self, tasks: dict) -> set[UUID]:
        new = set()
        for task_id in reversed(tasks):
            if task_id in self.seq:
                break
            new.add(task_id)
        return new

    def _in_creation_order(self, tasks: dict, changed: set[UUID]) -> list[UUID]:
        # New tasks were created after every stored one, so they sit at the
        # end of the workflow's task dict; a parent always precedes its child.
        new = []
        for task_id in reversed(tasks):
            if task_id in self.seq:
                break
            new.append(task_id)
        new.reverse()
        known = [t for t in changed if t in self.seq and t in tasks]
        return known + new

    def apply(self, delta: StateDelta) -> None:
        """Record that ``delta`` was committed."""
        self.meta = delta.meta
        self.shapes.update(delta.shapes)
        self.frontier = delta.frontier
        for row in delta.upserts:
            task_id = UUID(row.task_id)
            self.bodies[task_id] = row.body
            self.members.setdefault(row.workflow_key, set()).add(task_id)
        for raw_id in delta.deletes:
            task_id = UUID(raw_id)
            self.bodies.pop(task_id, None)
            self.seq.pop(task_id, None)
            self.shapes.pop(task_id, None)
            for members in self.members.values():
                members.discard(task_id)
        for key in [k for k, members in self.members.items() if not members]:
            del self.members[key]
        self.start_step()
