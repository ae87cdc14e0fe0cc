"""SpiffWorkflow's workflow classes, with task lookups that ignore history.

A long-lived agreement loops: negotiation rounds, revision requests, yearly
monitoring. SpiffWorkflow keeps every finished task in one tree and walks the
whole tree to find the ready or waiting ones, so step 200 of a loop costs
about ten times step 5, and below a depth of 1,000 tasks it stops finding
them at all. History is a chain of finished tasks that each have one child;
once finished, a task's children never change. The iterator here remembers
where each such chain ends and jumps over it whenever the caller asks only for
unfinished tasks, which is what every step asks for.
"""

from __future__ import annotations

import sys
import threading

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from . import joins  # noqa: F401 - installs the parallel join fix

_FINISHED = TaskState.FINISHED_MASK
_LOOP_LINKS = threading.Lock()


def link_loop_tasks(specs) -> None:
    """Make loop and multi-instance activities hear their instances complete.

    SpiffWorkflow makes this link when an activity creates its first instance,
    or when it deserialises a spec. The engine parses specs and never
    deserialises them, so without this an instance restored by a new engine
    would never merge its instances or loop again. Specs are shared between
    threads, hence the lock around SpiffWorkflow's check-then-connect.
    """
    with _LOOP_LINKS:
        for spec in specs:
            for task_spec in spec.task_specs.values():
                if not isinstance(task_spec, LoopTask):
                    continue
                event = spec.task_specs[task_spec.task_spec].completed_event
                if not event.is_connected(task_spec.merge_child):
                    event.connect(task_spec.merge_child)


def _chain_end(task, chains):
    """Return the last task of the finished, single-child chain from ``task``."""
    start = task
    end = chains.get(start.id)
    if end is not None and end.id in end.workflow.tasks:
        task = end
    while (
        task.state & _FINISHED
        and len(task._children) == 1
        and task.id not in task.workflow.top_workflow.subprocesses
    ):
        child = task.children[0]
        if not (child.state & _FINISHED and len(child._children) == 1):
            break
        task = child
    if task is not start:
        chains[start.id] = task
    return task


class FrontierIterator(BpmnTaskIterator):
    """A task iterator that jumps over finished history.

    Depth is not tracked unless the caller sets ``max_depth``, so there is no
    hidden limit on how long an instance may loop.
    """

    def __init__(self, task, end_at_spec=None, max_depth=None, **kwargs):
        self.unbounded = max_depth is None
        super().__init__(
            task, end_at_spec, sys.maxsize if max_depth is None else max_depth, **kwargs
        )
        self.jump = (
            self.unbounded
            and self.depth_first
            and end_at_spec is None
            and not self.task_filter.state & _FINISHED
        )

    def _next(self):
        if self.jump and self.task_list:
            head = self.task_list[0]
            if head.state & _FINISHED and len(head._children) == 1:
                chains = head.workflow.__dict__.setdefault("_chain_ends", {})
                self.task_list[0] = _chain_end(head, chains)
        return super()._next()

    def _update_depth(self, task):
        if not self.unbounded:
            super()._update_depth(task)

    def _handle_leaf_depth(self, task):
        if not self.unbounded:
            super()._handle_leaf_depth(task)


class _HistoryBlind:
    """Overrides the lookups SpiffWorkflow makes on every step."""

    def get_tasks_iterator(self, first_task=None, **kwargs):
        return FrontierIterator(first_task or self.task_tree, **kwargs)

    def update_waiting_tasks(self):
        waiting = self.get_tasks_iterator(
            state=TaskState.WAITING, skip_subprocesses=True
        )
        for task in list(waiting):
            task.task_spec._update(task)

    def is_completed(self):
        if not self.completed:
            unfinished = self.get_tasks_iterator(
                state=TaskState.NOT_FINISHED_MASK, skip_subprocesses=True
            )
            if next(unfinished, None) is None:
                self.completed = True
        return self.completed

    def _task_removed_notify(self, task):
        # Predicted tasks come and go on every step; only a reset removes
        # finished ones, which may sit inside a remembered chain.
        if task.state & _FINISHED:
            self.__dict__.pop("_chain_ends", None)
        # The store deletes the rows of removed tasks and rewrites their
        # parents, whose lists of children changed (see engine.state).
        marks = self.top_workflow.__dict__
        marks.setdefault("removed_task_ids", set()).add(task.id)
        if task._parent is not None:
            marks.setdefault("touched_task_ids", set()).add(task._parent)
        super()._task_removed_notify(task)

    def reset_from_task_id(self, *args, **kwargs):
        # A reset makes finished tasks unfinished again: the store must look
        # at every task on its next write, not only at the frontier.
        self.top_workflow.__dict__["needs_full_scan"] = True
        return super().reset_from_task_id(*args, **kwargs)


class SubWorkflow(_HistoryBlind, BpmnSubWorkflow):
    """A subprocess or call activity of an instance."""


class Workflow(_HistoryBlind, BpmnWorkflow):
    """The top-level workflow of an instance."""

    def __init__(self, spec, subprocess_specs=None, **kwargs):
        link_loop_tasks([spec, *(subprocess_specs or {}).values()])
        super().__init__(spec, subprocess_specs, **kwargs)

    def create_subprocess(self, my_task, spec_name):
        subprocess = SubWorkflow(
            self.subprocess_specs[spec_name],
            parent_task_id=my_task.id,
            top_workflow=self,
        )
        self.subprocesses[my_task.id] = subprocess
        return subprocess
