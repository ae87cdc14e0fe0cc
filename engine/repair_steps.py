"""The repairs that step an instance: retry, move the token, cancel.

They run through the engine's :class:`~engine.steps.Stepper`, so the task
index, timers and subscriptions are rewritten with the instance; the
operation log entry is written in the step's own transaction.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

import sqlalchemy as sa
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import leases
from . import operations
from . import tokens
from .errors import Conflict
from .errors import InstanceNotActive
from .errors import InvalidInput
from .records import Actor
from .repair import DEADLINES
from .repair import TIMERS
from .repair import check
from .steps import Loaded
from .steps import script_error

if TYPE_CHECKING:
    from .runtime import Engine

logger = logging.getLogger(__name__)


def retry_instance(engine: Engine, instance_id: int, *, reason: str, actor: Actor):
    """Run an instance's failed work again and close its incident.

    The instance is stepped at once: a timer whose step failed fires again
    (however many attempts it used), and whatever else is ready runs. An
    escalation step that used up its attempts is due again and runs on the
    scheduler's next round. An incident left by a step that was rolled back
    (a script after a task, a message) is closed: the task waits for its
    lane again, since the data submitted then was never kept, and a message
    must be sent again.

    :raise Conflict: the instance has no incident.
    :raise ScriptError: the step failed again; the incident stays open and
        nothing is logged.
    """
    reason = check(engine, actor, reason, "retry an instance")
    info = engine.get_instance(instance_id)
    if info.status != "active":
        raise InstanceNotActive(
            f"Instance {instance_id} is {info.status}; only an active instance "
            "can be retried."
        )
    if not info.error:
        raise Conflict(f"Instance {instance_id} has no incident to retry.")
    spent = _spent(engine, instance_id)

    def rerun(loaded: Loaded, completed: dict) -> dict:
        loaded.workflow.refresh_timers()
        loaded.workflow.do_engine_steps()
        return {"element": info.error.get("element"), **spent}

    def log(connection) -> None:
        now = engine.db.driver.dt(engine.clock.now())
        for table in ("timers", "deadlines"):
            engine.db.driver.execute(
                connection, _RESET_SQL.format(table=table), (now, instance_id)
            )
        _record(
            engine,
            connection,
            instance_id=instance_id,
            action="instance-retried",
            actor=actor.name,
            reason=reason,
            old={"error": info.error},
            new={"error": None, **spent},
        )

    engine.run_step(instance_id, rerun, actor, "instance-retried", on_write=log)
    if spent["escalations"]:
        engine.stepper.tell_due(engine.clock.now())
    logger.info("Instance retried: %s by %s", instance_id, actor.name)


_RESET_SQL = (
    "UPDATE {table} SET attempts = 0, last_error = NULL, due_at = ?, "
    "lock_owner = NULL, lock_expires_at = NULL WHERE instance_id = ? "
    f"AND attempts >= {leases.MAX_ATTEMPTS}"
)


def _spent(engine: Engine, instance_id: int) -> dict[str, list[str]]:
    """The timers and escalation steps that used up their attempts."""
    with engine.db.read() as connection:
        timers = connection.scalars(
            sa.select(TIMERS.c.element).where(
                TIMERS.c.instance_id == instance_id,
                TIMERS.c.attempts >= leases.MAX_ATTEMPTS,
            )
        )
        deadlines = connection.scalars(
            sa.select(DEADLINES.c.kind).where(
                DEADLINES.c.instance_id == instance_id,
                DEADLINES.c.attempts >= leases.MAX_ATTEMPTS,
            )
        )
        return {"timers": sorted(timers), "escalations": sorted(deadlines)}


def move_token(
    engine: Engine,
    instance_id: int,
    *,
    to_element: str,
    reason: str,
    actor: Actor,
    from_task_id: str | None = None,
) -> None:
    """Cancel the task the instance waits at and go on at ``to_element``.

    See :mod:`engine.tokens` for the moves allowed and those refused.

    :raise InvalidInput: the move is refused, or the element the token was
        moved to failed at once; the instance is left as it was.
    """
    reason = check(engine, actor, reason, "move the token")
    to_element = (to_element or "").strip()
    if not to_element:
        raise InvalidInput(
            "Choose the element to move the token to.",
            {"to_element": ["Choose an element."]},
        )
    moved: dict = {}

    def move(loaded: Loaded, completed: dict) -> dict:
        task = _from_task(loaded.workflow, from_task_id)
        moved["from"] = task.task_spec.bpmn_id
        moved["task_id"] = str(task.id)
        direction = tokens.move(loaded.workflow, task, to_element)
        try:
            loaded.workflow.do_engine_steps()
        except SpiffWorkflowException as e:
            error = script_error(e)
            raise InvalidInput(
                f"Moving the token to {to_element!r} failed at {error.element!r}: "
                f"{error.message}. Nothing was changed.",
                {"to_element": ["The token cannot go on from there now."]},
            ) from e
        return {"from": moved["from"], "to": to_element, "direction": direction}

    def log(connection) -> None:
        _record(
            engine,
            connection,
            instance_id=instance_id,
            action="token-moved",
            actor=actor.name,
            reason=reason,
            old={"element": moved["from"]},
            new={"element": to_element},
            task_id=moved["task_id"],
        )

    engine.run_step(instance_id, move, actor, "token-moved", on_write=log)
    logger.info(
        "Token moved: %s -> %s in %s by %s",
        moved["from"],
        to_element,
        instance_id,
        actor.name,
    )


def movable_elements(engine: Engine, instance_id: int) -> list[tuple[str, str]]:
    """The elements :func:`move_token` accepts now: back, then ahead."""
    loaded = engine.stepper.load(instance_id)
    try:
        if loaded.status not in ("active", "suspended"):
            return []
        found: dict[str, str] = {}
        currents = tokens.current_tasks(loaded.workflow)
        for task in currents:
            back = tokens.back_targets(task)
            for target in back:
                found.setdefault(target.task_spec.bpmn_id, _name(target.task_spec))
            if tokens.parallel(task):
                continue
            reached = {t.task_spec.bpmn_id for t in back}
            for spec in tokens.forward_specs(task, reached):
                found.setdefault(spec.bpmn_id, _name(spec))
        for task in currents:
            found.pop(task.task_spec.bpmn_id, None)
        return list(found.items())
    finally:
        engine.stepper.cache.put(loaded)


def cancel_instance(engine: Engine, instance_id: int, reason: str, *, actor: Actor):
    """Cancel a running or suspended instance."""
    reason = check(engine, actor, reason, "cancel an instance")
    status = engine.get_instance(instance_id).status

    def cancel(loaded: Loaded, completed: dict) -> dict:
        loaded.workflow.cancel()
        return {"reason": reason}

    log = partial(
        _record,
        engine,
        instance_id=instance_id,
        action="instance-cancelled",
        actor=actor.name,
        reason=reason,
        old={"status": status},
        new={"status": "cancelled"},
    )
    engine.run_step(
        instance_id,
        cancel,
        actor,
        "instance-cancelled",
        final="cancelled",
        on_write=log,
        allow_suspended=True,
    )
    logger.info("Instance cancelled: %s by %s", instance_id, actor.name)


def _record(engine: Engine, connection, **values) -> None:
    operations.record(
        connection, at=engine.clock.now(), driver=engine.db.driver, **values
    )


def _from_task(workflow, from_task_id: str | None):
    currents = tokens.current_tasks(workflow)
    if from_task_id is not None:
        for task in currents:
            if str(task.id) == from_task_id:
                return task
        raise InvalidInput(
            f"The instance does not wait at task {from_task_id!r}. Reload it.",
            {"from_task_id": ["Choose a task the instance waits at."]},
        )
    if len(currents) == 1:
        return currents[0]
    if not currents:
        raise Conflict("The instance waits nowhere a token can be moved from.")
    raise InvalidInput(
        "The instance waits at several elements; choose the one to move from.",
        {"from_task_id": ["Choose a task the instance waits at."]},
    )


def _name(spec) -> str:
    return getattr(spec, "bpmn_name", None) or spec.bpmn_id
