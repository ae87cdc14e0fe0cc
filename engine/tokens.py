"""Moving an instance's token by hand, on the SpiffWorkflow task tree.

A supervisor moves the token from the element an instance waits at (a user
task, a message or timer event) to another element of the same process or
called process:

back      to an element the token already passed on its way here. The
          newest task of that element on the path is reset
          (``BpmnWorkflow.reset_from_task_id``): everything after it,
          the current task included, is dropped, and the task runs again.
forward   to an element of the same process not reached yet. The current
          task and what SpiffWorkflow predicted after it are dropped, and
          a task of the target element is added in their place, as if the
          sequence flow had led there.

Refused, because SpiffWorkflow cannot do them without leaving the tree
inconsistent:

* a target in another process or called process than the current task
  (a called process is left by its end event only);
* gateways, start events, boundary events and call activities as targets:
  the token can only wait at an activity or an intermediate event;
* forward moves while the process runs parallel branches: a join further
  on would wait for the dropped branch forever.

In both directions the data the instance holds now goes with the token.
"""

from __future__ import annotations

from copy import deepcopy
from uuid import uuid4

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

from .errors import InvalidInput

#: The kinds of element a token may be moved to.
TARGET_KINDS = frozenset(
    {
        "UserTask",
        "ManualTask",
        "ScriptTask",
        "ServiceTask",
        "BusinessRuleTask",
        "SendTask",
        "ReceiveTask",
        "NoneTask",
        "IntermediateCatchEvent",
        "IntermediateThrowEvent",
        "EndEvent",
    }
)
_WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def is_target_kind(spec) -> bool:
    if isinstance(spec, SubWorkflowTask) or not getattr(spec, "bpmn_id", None):
        return False
    return any(cls.__name__ in TARGET_KINDS for cls in type(spec).__mro__)


def current_tasks(workflow) -> list:
    """The tasks the token waits at: open activities and catching events.

    A boundary event waits with its activity and is not listed apart.
    """
    found = []
    for task in workflow.get_tasks(state=_WAITING):
        spec = task.task_spec
        if isinstance(spec, SubWorkflowTask) or not getattr(spec, "bpmn_id", None):
            continue
        if _in_boundary(task) and not _is_activity(task):
            continue
        found.append(task)
    return found


def _in_boundary(task) -> bool:
    return task.parent is not None and isinstance(
        task.parent.task_spec, BoundaryEventSplit
    )


def _is_activity(task) -> bool:
    return not _is_boundary_event(task.task_spec)


def anchor(task):
    """The task to drop when the token leaves ``task``: with its boundary
    events, their common parent."""
    return task.parent if _in_boundary(task) else task


def back_targets(task) -> list:
    """The newest finished task of each element on ``task``'s path in its
    own process, nearest first."""
    seen, found = set(), []
    node = anchor(task).parent
    while node is not None and node.workflow is task.workflow:
        spec = node.task_spec
        if (
            node.has_state(TaskState.COMPLETED)
            and is_target_kind(spec)
            and spec.bpmn_id not in seen
        ):
            seen.add(spec.bpmn_id)
            found.append(node)
        node = node.parent
    return found


def forward_specs(task, reached: set[str]) -> list:
    """Elements of ``task``'s process the token may jump ahead to."""
    specs = task.workflow.spec.task_specs.values()
    return [
        spec
        for spec in specs
        if is_target_kind(spec)
        and spec.bpmn_id not in reached
        and spec.bpmn_id != task.task_spec.bpmn_id
        and not _is_boundary_event(spec)
    ]


def _is_boundary_event(spec) -> bool:
    return any(cls.__name__ == "BoundaryEvent" for cls in type(spec).__mro__)


def parallel(task) -> bool:
    """Whether other branches of ``task``'s process are under way."""
    own = anchor(task)
    others = [
        t
        for t in current_tasks(task.workflow)
        if t.workflow is task.workflow and anchor(t) is not own
    ]
    return bool(others)


def move(workflow, task, to_element: str) -> str:
    """Move the token from ``task`` to ``to_element``; return the direction.

    :raise InvalidInput: the move is one of those the module refuses.
    """
    if task.task_spec.bpmn_id == to_element:
        raise InvalidInput(
            f"The token is already at {to_element!r}.",
            {"to_element": ["Choose another element."]},
        )
    data = deepcopy(task.data)
    for target in back_targets(task):
        if target.task_spec.bpmn_id == to_element:
            workflow.reset_from_task_id(target.id, data=data)
            _renew(target)
            _forget_removed(workflow)
            return "back"
    reached = {t.task_spec.bpmn_id for t in back_targets(task)}
    specs = {s.bpmn_id: s for s in forward_specs(task, reached)}
    if to_element not in specs:
        raise InvalidInput(
            f"The token cannot move from {task.task_spec.bpmn_id!r} to "
            f"{to_element!r}: choose an activity or intermediate event of the "
            "same process.",
            {"to_element": ["Choose one of the elements offered."]},
        )
    if parallel(task):
        raise InvalidInput(
            f"Instance runs parallel branches at {task.task_spec.bpmn_id!r}; "
            f"moving ahead to {to_element!r} could leave a join waiting for "
            "ever. Move it back instead, or cancel the instance.",
            {"to_element": ["Only a move back is possible here."]},
        )
    _jump(task, specs[to_element], data)
    _forget_removed(workflow)
    return "forward"


def _jump(task, spec, data: dict) -> None:
    dropped = anchor(task)
    parent = dropped.parent
    task.workflow._remove_task(dropped.id)
    added = parent._add_child(spec, TaskState.FUTURE)
    added.data = data
    spec._predict(added, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)
    spec._update(added)


def _renew(task) -> None:
    """Give a reset task a new id.

    SpiffWorkflow keeps the id of the task it resets, but the task index
    still holds that id for the visit that completed; the new visit is a
    new task there.
    """
    workflow, old, new = task.workflow, task.id, uuid4()
    workflow.tasks[new] = workflow.tasks.pop(old)
    task.id = new
    parent = task.parent
    if parent is not None:
        parent._children = [new if c == old else c for c in parent._children]
    for child in task.children:
        child._parent = new


def _forget_removed(workflow) -> None:
    """Drop the tasks taken out of the tree from the waiting events.

    SpiffWorkflow's event manager keeps every catching task that started to
    wait and forgets it only when it finishes; a task removed by a move
    would otherwise still catch messages and hold a subscription.
    """
    parts = {id(workflow), *(id(p) for p in workflow.subprocesses.values())}
    manager = workflow.event_manager
    for task_id, task in list(manager.tasks.items()):
        removed = task.workflow.tasks.get(task_id) is not task
        if removed or id(task.workflow) not in parts:
            manager.tasks.pop(task_id)
