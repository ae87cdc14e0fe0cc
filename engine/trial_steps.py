"""Playing a test run's steps on a scratch engine and reporting each one.

See :mod:`engine.trial`. Every step is reported as the fields of a
:class:`~engine.trial.TrialStep`; a step the engine refuses ends the run
with the engine's own message, which already says what to fix.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .coverage import ordered
from .coverage import visits
from .errors import EngineError
from .errors import InvalidInput
from .errors import ScriptError
from .store.models import Subscription
from .store.models import Timer
from .workdays import WorkCalendar
from .workdays import parse_duration

KINDS = ("task", "message", "advance")
TIMERS = Timer.__table__
SUBSCRIPTIONS = Subscription.__table__
#: Timers one ``advance`` may fire before the run is judged to loop.
MAX_FIRINGS = 500


def check_start(data: Any) -> None:
    """:raise InvalidInput: the start data is not an object."""
    if not isinstance(data, dict):
        message = f"Give the start data as an object, not {data!r}."
        raise InvalidInput(message, {"start_data": [message]})


def check_steps(steps: Any) -> None:
    """:raise InvalidInput: a step is not one of the kinds a trial knows."""
    if not isinstance(steps, list):
        raise _bad_step("Give the steps as a list.")
    for number, step in enumerate(steps, 1):
        _check_step(number, step)


def _check_step(number: int, step: Any) -> None:
    kinds = [k for k in KINDS if k in step] if isinstance(step, dict) else []
    if len(kinds) != 1:
        raise _bad_step(
            f"Step {number} needs exactly one of 'task', 'message' or 'advance'; "
            f"got {step!r}."
        )
    kind = kinds[0]
    extra = set(step) - {kind, "data"}
    if extra:
        raise _bad_step(f"Step {number} has unknown keys {sorted(extra)!r}.")
    if not isinstance(step.get("data", {}), dict):
        raise _bad_step(f"The data of step {number} must be an object.")
    value = step[kind]
    if not isinstance(value, str) or not value.strip():
        raise _bad_step(f"Step {number} needs a {kind} as text, got {value!r}.")
    if kind == "advance":
        if "data" in step:
            raise _bad_step(f"Step {number} moves the clock and takes no data.")
        try:
            parse_duration(value)
        except ValueError as e:
            raise _bad_step(f"Step {number}: {e}") from None


def _bad_step(message: str) -> InvalidInput:
    return InvalidInput(message, {"steps": [message]})


class Player:
    """Plays steps on one instance of a scratch engine."""

    def __init__(self, scratch, process_id: str, diagrams: dict, actor) -> None:
        self.scratch = scratch
        self.process_id = process_id
        self.diagrams = diagrams
        self.actor = actor
        self.instance_id: int | None = None
        self._seen: set[str] = set()

    def start(self, data: dict[str, Any]) -> dict[str, Any]:
        """Start the instance; report the start as the first step."""
        action = {"start": data}
        try:
            self.instance_id = self.scratch.start(
                self.process_id, actor=self.actor, data=dict(data)
            )
        except EngineError as e:
            report = _empty(action, dict(data), self.scratch.clock.now())
            return _fail(report, e)
        return self._report(action)

    def play(self, step: dict[str, Any]) -> dict[str, Any]:
        """Run one step; report it, with the error if it failed."""
        status = self.scratch.get_instance(self.instance_id).status
        try:
            if status != "active":
                raise InvalidInput(
                    f"The instance is {status} already; nothing is left to "
                    f"{_describe(step)}."
                )
            if "task" in step:
                self._complete(step["task"], step.get("data") or {})
            elif "message" in step:
                self.scratch.send_message(
                    step["message"],
                    actor=self.actor,
                    data=step.get("data") or {},
                    instance_id=self.instance_id,
                )
            else:
                self._advance(step["advance"])
        except EngineError as e:
            return _fail(self._report(step), e)
        return self._report(step)

    def _complete(self, element: str, data: dict[str, Any]) -> None:
        tasks = self.scratch.list_tasks(instance_id=self.instance_id)
        chosen = [t for t in tasks if t.spec_name == element]
        if not chosen:
            names = ", ".join(repr(t.spec_name) for t in tasks) or "none"
            raise InvalidInput(
                f"Task {element!r} is not open. Open tasks: {names}.",
                {"task": [f"Choose an open task instead of {element!r}."]},
            )
        self.scratch.complete_task(chosen[0].id, data, actor=self.actor)

    def _advance(self, duration: str) -> None:
        """Move the clock by ``duration``, firing each timer at its due time."""
        clock = self.scratch.clock
        target = WorkCalendar().add(clock.now(), duration)
        for _ in range(MAX_FIRINGS):
            due = self._next_due()
            if due is None or due > target:
                clock.set(target)
                return
            clock.set(max(due, clock.now()))
            self.scratch.fire_due_timers()
            self._check_timers()
        raise ScriptError(
            "timers",
            f"More than {MAX_FIRINGS} timers fired within {duration}; a timer "
            "cycle or loop does not end.",
        )

    def _next_due(self):
        query = sa.select(sa.func.min(TIMERS.c.due_at)).where(
            TIMERS.c.instance_id == self.instance_id, TIMERS.c.attempts == 0
        )
        with self.scratch.db.read() as connection:
            return connection.scalar(query)

    def _check_timers(self) -> None:
        query = sa.select(TIMERS.c.element, TIMERS.c.last_error).where(
            TIMERS.c.instance_id == self.instance_id,
            TIMERS.c.last_error.is_not(None),
        )
        with self.scratch.db.read() as connection:
            failed = connection.execute(query).first()
        if failed is not None:
            raise ScriptError(failed.element, f"the timer failed: {failed.last_error}")

    def _report(self, action: dict[str, Any]) -> dict[str, Any]:
        scratch, instance_id = self.scratch, self.instance_id
        new = [v for v in self._visits() if v.task_id not in self._seen]
        self._seen.update(v.task_id for v in new)
        status = scratch.get_instance(instance_id).status
        return {
            "action": action,
            "nodes": [v.node for v in new if v.node],
            "flows": [v.flow for v in new if v.flow],
            "data": scratch.instance_data(instance_id),
            "open_tasks": [
                {
                    "element": t.spec_name,
                    "name": t.title,
                    "lane": t.lane,
                    "form": t.form,
                }
                for t in scratch.list_tasks(instance_id=instance_id)
            ],
            "waiting": self._waiting(),
            "status": "running" if status == "active" else status,
            "error": None,
            "errors": {},
            "at": scratch.clock.now().isoformat(),
        }

    def _visits(self):
        loaded = self.scratch.stepper.load(self.instance_id)
        try:
            return ordered(visits(loaded.workflow, self.diagrams))
        finally:
            self.scratch.stepper.cache.put(loaded)

    def _waiting(self) -> list[dict[str, Any]]:
        timers = sa.select(TIMERS.c.element, TIMERS.c.due_at).where(
            TIMERS.c.instance_id == self.instance_id
        )
        messages = sa.select(SUBSCRIPTIONS.c.element, SUBSCRIPTIONS.c.message).where(
            SUBSCRIPTIONS.c.instance_id == self.instance_id
        )
        with self.scratch.db.read() as connection:
            found = [
                {"kind": "timer", "element": row.element, "due": row.due_at.isoformat()}
                for row in connection.execute(timers.order_by(TIMERS.c.due_at))
            ]
            found += [
                {"kind": "message", "element": row.element, "message": row.message}
                for row in connection.execute(messages.order_by(SUBSCRIPTIONS.c.id))
            ]
        return found


def _task(task) -> dict[str, Any]:
    return {
        "element": task.spec_name,
        "name": task.title,
        "lane": task.lane,
        "form": task.form,
    }


def _empty(action: dict[str, Any], data: dict[str, Any], now) -> dict[str, Any]:
    return {
        "action": action,
        "nodes": [],
        "flows": [],
        "data": data,
        "open_tasks": [],
        "waiting": [],
        "status": "failed",
        "error": None,
        "errors": {},
        "at": now.isoformat(),
    }


def _fail(report: dict[str, Any], error: EngineError) -> dict[str, Any]:
    report["status"] = "failed"
    report["error"] = str(error)
    if isinstance(error, InvalidInput):
        report["errors"] = {k: list(v) for k, v in error.errors.items()}
    return report


def _describe(step: dict[str, Any]) -> str:
    if "task" in step:
        return f"complete task {step['task']!r}"
    if "message" in step:
        return f"receive message {step['message']!r}"
    return f"wait {step['advance']}"
