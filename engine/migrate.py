"""Moving running instances from one version of a process to another.

An instance can move when every element it waits in (open user tasks,
timers, message catches, called processes) and every element it has passed
exists in the new version with the same id: SpiffWorkflow keeps an
instance's whole task tree, and each task must find its element in the new
spec when the instance is loaded again. :func:`plan` tries the move on a
fresh copy of each instance and says whether it can and why not;
:func:`migrate` moves the chosen ones, each as one step (one transaction
guarded by the instance's lock counter), and logs each move with its reason
in the operation log.

The move uses SpiffWorkflow's own migration (:mod:`SpiffWorkflow.bpmn.util.diff`):
tasks are aligned with the new spec by element id, ready tasks are reset,
and the path ahead of waiting events and running call activities is
predicted again, so every open task continues along the new version's flows.
Waiting timers and message catches keep their state: a running timer keeps
its due date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from SpiffWorkflow.bpmn.util.diff import diff_workflow
from SpiffWorkflow.bpmn.util.diff import migrate_workflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import operations
from .errors import EngineError
from .errors import InvalidInput
from .records import Actor
from .state import TaskRow
from .state import make_registry
from .store.models import Instance
from .store.models import InstanceTask

INSTANCES = Instance.__table__
ROWS = InstanceTask.__table__
#: Instance statuses whose instances can still move.
MOVABLE = ("active", "suspended")
_CURRENT = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_AHEAD = TaskState.PREDICTED_MASK | TaskState.FUTURE
_UPDATE_SQL = "UPDATE instances SET version_id = ? WHERE id = ?"
_REGISTRY = make_registry()


@dataclass(frozen=True)
class MigrationCheck:
    """Whether one instance can move, and the elements it waits in."""

    instance_id: int
    business_key: str | None
    can_move: bool
    reasons: list[str] = field(default_factory=list)
    elements: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MigrationResult:
    instance_id: int
    moved: bool
    reason_not_moved: str | None = None


class _Refused(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def plan(
    engine,
    process_id: str,
    from_version: int,
    to_version: int,
    *,
    instance_ids: Iterable[int] | None = None,
    business_key: str | None = None,
) -> list[MigrationCheck]:
    """Check each running instance of ``from_version`` against ``to_version``.

    Nothing is written: each instance is restored afresh from the store and
    moved in memory only.

    :raise ProcessNotFound: a version does not exist.
    :raise InvalidInput: the two versions are the same.
    """
    source, target = _versions(engine, process_id, from_version, to_version)
    new_specs = engine.versions.specs(target.version_id)
    checks = []
    for row in _instances(engine, source.version_id, instance_ids, business_key):
        workflow = _restore(engine, row.id, source.version_id)
        elements = _current_elements(workflow)
        reasons = []
        try:
            _move(workflow, *new_specs, target.version)
        except _Refused as e:
            reasons = e.reasons
        checks.append(
            MigrationCheck(row.id, row.business_key, not reasons, reasons, elements)
        )
    return checks


def migrate(
    engine,
    process_id: str,
    from_version: int,
    to_version: int,
    *,
    instance_ids: Iterable[int],
    reason: str,
    actor: Actor,
) -> list[MigrationResult]:
    """Move each of ``instance_ids`` that can move; log each move.

    An instance that cannot move, or that another writer changed meanwhile,
    is left as it was and reported with the reason.

    :raise InvalidInput: no reason or no instance was given, or the versions
        are the same.
    :raise ProcessNotFound: a version does not exist.
    """
    reason = (reason or "").strip()
    chosen = list(dict.fromkeys(instance_ids or []))
    errors = {}
    if not reason:
        errors["reason"] = ["A reason is required."]
    if not chosen:
        errors["instance_ids"] = ["Choose at least one instance."]
    if errors:
        raise InvalidInput("Give a reason and choose the instances to migrate.", errors)
    source, target = _versions(engine, process_id, from_version, to_version)
    rows = {row.id: row for row in _instances(engine, source.version_id, chosen)}
    results = []
    for instance_id in chosen:
        row = rows.get(instance_id)
        if row is None:
            results.append(
                MigrationResult(
                    instance_id,
                    False,
                    f"Instance {instance_id} is not a running instance of "
                    f"{process_id!r} version {from_version}.",
                )
            )
            continue
        results.append(_migrate_one(engine, row.id, source, target, reason, actor))
    return results


def _migrate_one(engine, instance_id, source, target, reason, actor):
    new_specs = engine.versions.specs(target.version_id)
    old = {"version": source.version}
    new = {"version": target.version}

    def move(loaded, completed) -> dict:
        if loaded.version_id != source.version_id:
            raise _Refused(
                [f"Instance {instance_id} is no longer on version {source.version}."]
            )
        _move(loaded.workflow, *new_specs, target.version)
        loaded.version_id = target.version_id
        return {**new, "from": source.version, "reason": reason}

    def write(connection) -> None:
        driver = engine.db.driver
        driver.execute(connection, _UPDATE_SQL, (target.version_id, instance_id))
        operations.record(
            connection,
            instance_id=instance_id,
            action="migrate",
            actor=actor.name,
            reason=reason,
            at=engine.clock.now(),
            old=old,
            new=new,
            driver=driver,
        )

    try:
        engine.run_step(
            instance_id,
            move,
            actor,
            "instance-migrated",
            on_write=write,
            allow_suspended=True,
        )
    except _Refused as e:
        return MigrationResult(instance_id, False, "; ".join(e.reasons))
    except EngineError as e:
        return MigrationResult(instance_id, False, str(e))
    return MigrationResult(instance_id, True)


def _versions(engine, process_id: str, from_version: int, to_version: int):
    if from_version == to_version:
        raise InvalidInput(
            "Choose two different versions to migrate between.",
            {"to_version": ["It is the version the instances are on."]},
        )
    return (
        engine.versions.find(process_id, from_version),
        engine.versions.find(process_id, to_version),
    )


def _instances(engine, version_id: int, ids=None, business_key=None):
    query = (
        sa.select(INSTANCES.c.id, INSTANCES.c.business_key, INSTANCES.c.status)
        .where(INSTANCES.c.version_id == version_id)
        .where(INSTANCES.c.status.in_(MOVABLE))
        .order_by(INSTANCES.c.id)
    )
    if ids is not None:
        query = query.where(INSTANCES.c.id.in_(list(ids)))
    if business_key:
        query = query.where(INSTANCES.c.business_key == business_key)
    with engine.db.read() as connection:
        return connection.execute(query).all()


def _restore(engine, instance_id: int, version_id: int):
    """A copy of the instance's workflow, read from the store.

    A dry run must not touch the cached copy that steps use.
    """
    with engine.db.read() as connection:
        meta = connection.scalar(
            sa.select(INSTANCES.c.state).where(INSTANCES.c.id == instance_id)
        )
        rows = connection.execute(
            sa.select(ROWS.c.task_id, ROWS.c.workflow_key, ROWS.c.seq, ROWS.c.body)
            .where(ROWS.c.instance_id == instance_id)
            .order_by(ROWS.c.seq)
        ).all()
    spec, subprocess_specs = engine.versions.specs(version_id)
    return engine.stepper.codec.restore(
        spec, subprocess_specs, meta, [TaskRow(*row) for row in rows]
    )


def _tasks(workflow) -> list:
    return [
        task
        for part in (workflow, *workflow.subprocesses.values())
        for task in part.get_tasks(skip_subprocesses=True)
    ]


def _current_elements(workflow) -> list[str]:
    found = []
    for task in _tasks(workflow):
        spec = task.task_spec
        if task.has_state(_CURRENT) and spec.bpmn_id and spec.bpmn_id not in found:
            found.append(spec.bpmn_id)
    return found


def _label(spec) -> str:
    element = spec.bpmn_id or spec.name.split(".")[0]
    name = getattr(spec, "bpmn_name", None)
    return f"{element!r} ({name!r})" if name else repr(element)


def _move(workflow, spec, subprocess_specs, version: int) -> None:
    """Move ``workflow`` onto ``spec`` in place.

    :raise _Refused: an element the instance holds is not in the new spec;
        ``workflow`` is then half moved and must be dropped.
    """
    try:
        _align(workflow, spec, subprocess_specs, version)
    except SpiffWorkflowException as e:
        raise _Refused([f"SpiffWorkflow cannot move it: {e}"]) from e


def _align(workflow, spec, subprocess_specs, version: int) -> None:
    top, subs = diff_workflow(_REGISTRY, workflow, spec, subprocess_specs)
    reasons = _removed(_by_id(top), version)
    for key, sub_diff in subs.items():
        sub = workflow.subprocesses[key]
        if sub_diff is None:
            reasons.append(
                f"It runs process {sub.spec.name!r}, which version {version} "
                "no longer calls or embeds."
            )
        else:
            reasons += _removed(_by_id(sub_diff), version)
    if reasons:
        raise _Refused(list(dict.fromkeys(reasons)))
    migrate_workflow(top, workflow, spec, reset_mask=TaskState.READY)
    workflow.subprocess_specs = dict(subprocess_specs)
    for key, sub_diff in subs.items():
        sub = workflow.subprocesses[key]
        migrate_workflow(
            sub_diff, sub, subprocess_specs[sub.spec.name], reset_mask=TaskState.READY
        )
    for task in _tasks(workflow):
        if task.has_state(TaskState.WAITING | TaskState.STARTED):
            _predict_again(task)
    stale = [
        t
        for t in _tasks(workflow)
        if t.task_spec.name not in t.workflow.spec.task_specs
    ]
    if stale:
        raise _Refused(_removed(stale, version, predicted=True))


def _predict_again(task) -> None:
    """Replace the path ahead of a waiting or running task with the new one's.

    SpiffWorkflow resets ready tasks only; a waiting event or a running call
    activity would otherwise go on along the old version's flows.
    """
    for child in list(task.children):
        if child.has_state(_AHEAD):
            task.workflow._remove_task(child.id)
    task.task_spec._predict_hook(task)
    for child in task.children:
        if child.has_state(_AHEAD):
            child.task_spec._predict(child, mask=_AHEAD)


def _by_id(diff) -> list:
    """Tasks whose element has no element of the same id in the new spec.

    SpiffWorkflow also pairs a removed element with a new one of the same
    shape; an instance moves only when its elements exist by id.
    """
    for task, new in diff.alignment.items():
        if new is not None and new.name != task.task_spec.name:
            diff.alignment[task] = None
    return [task for task, new in diff.alignment.items() if new is None]


def _removed(tasks, version: int, predicted: bool = False) -> list[str]:
    reasons = []
    for task in tasks:
        label = _label(task.task_spec)
        if task.has_state(_AHEAD):
            if predicted:
                reasons.append(
                    f"Its path ahead runs through element {label}, which "
                    f"version {version} does not have."
                )
            continue
        if task.has_state(_CURRENT):
            reasons.append(
                f"It waits in element {label}, which version {version} does not have."
            )
        else:
            reasons.append(
                f"It has passed element {label}, which version {version} does not "
                "have; its history could not be loaded on that version."
            )
    return reasons
