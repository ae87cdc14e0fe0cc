"""Moving running instances to another version: dry run, then the move.

The dry run (a GET, it changes nothing) lists per instance whether it can
move and why not; the move takes the chosen instances and a reason, which
the engine logs with each move.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint
from flask import flash
from flask import g
from flask import request
from flask_babel import gettext as _

from engine import InvalidInput

from . import studio_schemas
from .db import get_engine
from .db import refresh_register
from .pages import render_page

bp = Blueprint("migrate", __name__, url_prefix="/processes/<process_id>")


def _version(name: str, versions: list[int], default: int | None) -> int | None:
    text = (request.values.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) not in versions:
        message = _("Choose one of the versions listed.")
        raise InvalidInput(f"There is no version {text!r}.", {name: [message]})
    return int(text)


def _instance_ids(text: str, field: str) -> list[int]:
    ids = [part for part in re.split(r"[\s,;]+", text.strip()) if part]
    if not all(part.isdigit() for part in ids):
        message = _("Write instance numbers separated by commas, e.g. 12, 15.")
        raise InvalidInput("An instance id is not a number.", {field: [message]})
    return [int(part) for part in ids]


@bp.route("/migrate", methods=("GET", "POST"), endpoint="migrate")
@bp.route("/migrate.json", methods=("GET", "POST"), endpoint="migrate_json")
def migrate(process_id: str):
    """The filter and dry run (GET with ``from``), or the move itself (POST)."""
    engine = get_engine()
    versions = [v.version for v in engine.list_versions(process_id)]
    data: dict[str, Any] = {
        "id": process_id,
        "versions": versions,
        "from_version": None,
        "to_version": versions[-1],
        "instances": request.values.get("instances", ""),
        "business_key": request.values.get("business_key", "").strip(),
        "reason": request.values.get("reason", "").strip(),
        "checks": [],
        "results": [],
        "errors": {},
    }
    try:
        _fill(data, versions)
    except InvalidInput as e:
        data["errors"] = e.errors
        if request.method == "POST":
            _plan_again(data)
    page = render_page("studio/migrate.html", studio_schemas.MigratePageSchema(), data)
    return (page, 400) if data["errors"] else page


def _fill(data: dict[str, Any], versions: list[int]) -> None:
    """Run the dry run or the move the request asks for, into ``data``."""
    data["from_version"] = _version("from", versions, None)
    data["to_version"] = _version("to", versions, versions[-1])
    if data["from_version"] is None:
        if request.method == "POST":
            message = _("Choose the version the instances run on now.")
            raise InvalidInput("No version to move from.", {"from": [message]})
        return
    if data["from_version"] == data["to_version"]:
        message = _("Choose two different versions.")
        raise InvalidInput("Both versions are the same.", {"to": [message]})
    if request.method == "POST":
        _move(data)
    data["checks"] = _plan(data)


def _plan_again(data: dict[str, Any]) -> None:
    """Show the dry run under a refused move, so instances can be ticked anew."""
    if data["from_version"] is None or data["from_version"] == data["to_version"]:
        return
    try:
        data["checks"] = _plan(data)
    except InvalidInput:
        pass


def _plan(data: dict[str, Any]) -> list:
    return get_engine().plan_migration(
        data["id"],
        data["from_version"],
        data["to_version"],
        instance_ids=_instance_ids(data["instances"], "instances") or None,
        business_key=data["business_key"] or None,
    )


def _move(data: dict[str, Any]) -> None:
    chosen = _instance_ids(" ".join(request.form.getlist("instance")), "instance")
    if not chosen:
        message = _("Tick the instances to move; run the dry run first.")
        raise InvalidInput("No instance was chosen.", {"instance": [message]})
    if not data["reason"]:
        message = _("Say why the instances move; the reason is kept with each move.")
        raise InvalidInput("No reason was given.", {"reason": [message]})
    results = get_engine().migrate_instances(
        data["id"],
        data["from_version"],
        data["to_version"],
        instance_ids=chosen,
        reason=data["reason"],
        actor=g.user.actor,
    )
    refresh_register()
    data["results"] = results
    moved = sum(1 for r in results if r.moved)
    flash(
        _(
            "%(moved)s of %(total)s instances moved to version %(to)s.",
            moved=moved,
            total=len(results),
            to=data["to_version"],
        )
    )
