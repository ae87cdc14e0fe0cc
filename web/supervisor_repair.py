"""Repair actions on one agreement or a selection, as the console sends them.

A selection is a list of items, each ``"<instance id>"`` or
``"<instance id>:<task id>"`` (the task a finding blocks on). The form is
checked as a whole first: without an action, a reason, or what the action
needs, nothing runs. Then the engine is called once per item, and each
item's result is reported on its own, so that one refused item does not
hide the others' success.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from engine import Actor
from engine import Conflict
from engine import Engine
from engine import EngineError
from engine import InstanceNotActive
from engine import InvalidInput
from engine import NotFound
from engine import ScriptError

from . import summaries
from . import users
from .errors import status_of
from .errors import titles
from .errors import translate_errors

ACTIONS = ("reassign", "retry", "move", "suspend", "resume", "cancel")
#: Instance statuses no repair applies to.
FINISHED = frozenset({"completed", "cancelled"})

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    """One agreement of a selection, with the task the action is about."""

    instance_id: int
    task_id: str | None = None

    @property
    def value(self) -> str:
        if self.task_id is None:
            return str(self.instance_id)
        return f"{self.instance_id}:{self.task_id}"


@dataclass(frozen=True)
class Repair:
    """A checked repair request: what to do, why, and to which items."""

    action: str
    reason: str
    items: list[Item]
    user: str | None = None
    role: str | None = None
    to_element: str | None = None


def action_labels() -> dict[str, str]:
    return {
        "reassign": _("Reassign the task"),
        "retry": _("Retry the failed step"),
        "move": _("Move the token"),
        "suspend": _("Suspend"),
        "resume": _("Resume"),
        "cancel": _("Cancel the agreement"),
    }


def parse_items(values: list[str]) -> list[Item]:
    """Read the selection's items; refuse one that is not an item.

    :raise InvalidInput: a value is neither an instance id nor ``id:task``.
    """
    items = []
    for value in values:
        head, _sep, task_id = value.strip().partition(":")
        if not head.isdigit():
            raise InvalidInput(
                f"Item {value!r} is not an instance id.",
                {"items": [_("Choose agreements from the list.")]},
            )
        item = Item(int(head), task_id or None)
        if item not in items:
            items.append(item)
    return items


def read_repair(form) -> Repair:
    """Check a repair form as a whole before anything runs.

    :raise InvalidInput: with one message per field to correct.
    """
    items = parse_items(form.getlist("items"))
    values = {
        name: (form.get(name) or "").strip()
        for name in ("action", "reason", "user", "role", "to_element")
    }
    errors: dict[str, list[str]] = {}
    if values["action"] not in ACTIONS:
        errors["action"] = [_("Choose one of the repair actions.")]
    if not values["reason"]:
        errors["reason"] = [_("Give a reason; it is kept in the operation log.")]
    if not items:
        errors["items"] = [_("Choose at least one agreement.")]
    if values["action"] == "reassign" and not (values["user"] or values["role"]):
        errors["user"] = [_("Choose a user or a role to give the task to.")]
    if values["action"] == "move" and not values["to_element"]:
        errors["to_element"] = [_("Choose the element to move the token to.")]
    if errors:
        raise InvalidInput("The repair form is incomplete.", errors)
    return Repair(
        values["action"],
        values["reason"],
        items,
        user=values["user"] or None,
        role=values["role"] or None,
        to_element=values["to_element"] or None,
    )


def run_repair(engine: Engine, repair: Repair, actor: Actor) -> list[dict[str, Any]]:
    """Run ``repair`` on each of its items; one result per item."""
    results = []
    for item in repair.items:
        result = {"instance_id": item.instance_id, "task_id": item.task_id}
        try:
            _run_one(engine, repair, item, actor)
        except EngineError as e:
            logger.info(
                "Repair refused: %s on %s: %s", repair.action, item.instance_id, e
            )
            refused = {"ok": False, "error": _describe(e), "detail": str(e)}
            results.append({**result, **refused})
        else:
            results.append({**result, "ok": True, "error": None, "detail": None})
    return results


def _run_one(engine: Engine, repair: Repair, item: Item, actor: Actor) -> None:
    who = {"reason": repair.reason, "actor": actor}
    if repair.action == "reassign":
        task_id = item.task_id or _only_open_task(engine, item.instance_id)
        engine.reassign_task(task_id, user=repair.user, role=repair.role, **who)
    elif repair.action == "retry":
        engine.retry_instance(item.instance_id, **who)
    elif repair.action == "move":
        engine.move_token(
            item.instance_id,
            to_element=repair.to_element,
            from_task_id=item.task_id,
            **who,
        )
    elif repair.action == "suspend":
        engine.suspend_instance(item.instance_id, **who)
    elif repair.action == "resume":
        engine.resume_instance(item.instance_id, **who)
    else:
        engine.cancel_instance(item.instance_id, repair.reason, actor=actor)


def _only_open_task(engine: Engine, instance_id: int) -> str:
    tasks = engine.list_tasks(instance_id=instance_id)
    if len(tasks) != 1:
        raise InvalidInput(
            f"Instance {instance_id} has {len(tasks)} open tasks; name the task.",
            {"items": [_("Choose the task to reassign from the task list.")]},
        )
    return tasks[0].id


def _describe(error: EngineError) -> str:
    """Why an item was refused, in the user's language."""
    if isinstance(error, InvalidInput) and error.errors:
        messages = translate_errors(error.errors)
        return " ".join(m for field in messages.values() for m in field)
    if isinstance(error, ScriptError):
        return _("The step failed again; the incident stays open.")
    if isinstance(error, InstanceNotActive | Conflict):
        return _("The action does not apply to the agreement as it stands now.")
    if isinstance(error, NotFound):
        return _("It was not found; it may have been finished meanwhile.")
    return titles()[status_of(error)]


def result_message(result: dict[str, Any], action: str) -> str:
    """One flash line for one item's result."""
    if result["ok"]:
        return _(
            "Agreement %(id)s: %(action)s done.",
            id=result["instance_id"],
            action=action_labels()[action],
        )
    return _(
        "Agreement %(id)s: not changed. %(error)s",
        id=result["instance_id"],
        error=result["error"],
    )


def agreement_form(engine: Engine, actor: Actor, summary: dict) -> dict | None:
    """The repair form of an agreement's page: for supervisors, while it runs."""
    if not engine.is_supervisor(actor):
        return None
    if summary.get("instance_status") in FINISHED:
        return None
    return form_context(engine, [Item(summary["id"])])


def form_context(engine: Engine, items: list[Item]) -> dict[str, Any]:
    """What the repair form offers for ``items``: targets, users, roles."""
    described = []
    for item in items:
        summary = summaries.get_summary(engine, item.instance_id)
        task = engine.get_task(item.task_id) if item.task_id else None
        described.append(
            {
                "instance_id": item.instance_id,
                "task_id": item.task_id,
                "value": item.value,
                "title": summary.get("title"),
                "task_title": task.title if task else None,
            }
        )
    return {
        "items": described,
        "actions": list(ACTIONS),
        "targets": common_targets(engine, items),
        "users": [u.username for u in users.list_users(engine.db) if u.active],
        "roles": known_lanes(engine),
    }


def known_lanes(engine: Engine) -> list[str]:
    """Every lane of the deployed processes: the roles a task may go to."""
    return sorted({lane for p in engine.list_processes() for lane in p.lanes})


def common_targets(engine: Engine, items: list[Item]) -> list[dict[str, str]]:
    """The elements every item's token may move to, in the first item's order."""
    common: list[tuple[str, str]] | None = None
    for item in items:
        try:
            found = engine.movable_elements(item.instance_id)
        except EngineError:
            return []
        ids = {element for element, _name in found}
        common = found if common is None else [t for t in common if t[0] in ids]
    return [{"element": e, "name": name or e} for e, name in common or []]
