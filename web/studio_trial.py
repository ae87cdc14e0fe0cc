"""Test runs of a draft in a sandbox, saved scenarios and their coverage.

A test run never touches the real store: the engine runs it on a scratch
database with a movable clock. The page sends the start data and one step
per answer; each step comes back with the path it took and the data after.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _

from engine import InvalidInput

from . import studio_schemas
from . import studio_sources
from .db import get_engine
from .errors import translate_errors
from .pages import render_page
from .pages import wants_json

bp = Blueprint("trial", __name__, url_prefix="/processes/<process_id>")


def _source(process_id: str) -> str:
    draft = get_engine().drafts.get_process(process_id)
    if draft is not None:
        return "draft"
    return str(studio_sources.latest_files(process_id)[1])


def _posted(name: str, default: Any, kind: type) -> Any:
    """The JSON value ``name`` of a JSON body, or of a form field holding JSON.

    :raise InvalidInput: the text is not JSON of the expected ``kind``.
    """
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        value = body.get(name, default)
    else:
        text = request.form.get(name, "").strip()
        try:
            value = json.loads(text) if text else default
        except ValueError as e:
            message = _("This is not valid JSON (%(detail)s).", detail=e)
            raise InvalidInput(f"{name} is not JSON.", {name: [message]}) from None
    if not isinstance(value, kind):
        message = (
            _('Write a JSON object, e.g. {"judul": "..."}.')
            if kind is dict
            else _('Write a JSON list of steps, e.g. [{"task": "verifikasi"}].')
        )
        raise InvalidInput(f"{name} has the wrong type.", {name: [message]})
    return value


def _steps() -> list[dict[str, Any]]:
    steps = _posted("steps", [], list)
    if not all(isinstance(step, dict) for step in steps):
        message = _('Each step must be a JSON object such as {"task": "id"}.')
        raise InvalidInput("A step is not an object.", {"steps": [message]})
    return steps


@bp.route("/trial", methods=("GET", "POST"), endpoint="run")
@bp.route("/trial.json", methods=("GET", "POST"), endpoint="run_json")
def run(process_id: str):
    """The test-run page; POST runs the given start data and steps."""
    if request.method == "GET":
        return _page(process_id, {}, [], run=False)
    try:
        start_data = _posted("start_data", {}, dict)
        steps = _steps()
    except InvalidInput as e:
        return _page(process_id, {}, [], run=False, errors=e.errors)
    return _page(process_id, start_data, steps)


def _page(process_id, start_data, steps, *, run=True, errors=None):
    """The test-run page, after running ``steps`` when ``run`` is true."""
    engine = get_engine()
    result = None
    if run:
        try:
            result = engine.trial(
                studio_sources.working_files(process_id),
                process_id,
                start_data=start_data,
                steps=steps,
                forms_path=current_app.config["FORMS_PATH"],
                extra_forms=studio_sources.draft_forms(),
            ).as_dict()
        except InvalidInput as e:
            # A step of no kind the sandbox knows: keep the inputs to fix.
            errors = {**(errors or {}), **translate_errors(e.errors)}
            errors = errors or {"steps": [str(e)]}
    data = {
        "id": process_id,
        "source": _source(process_id),
        "start_data": start_data,
        "steps": steps,
        "result": result,
        "scenarios": engine.scenarios.list(process_id),
        "errors": errors or {},
    }
    page = render_page("studio/trial.html", studio_schemas.TrialPageSchema(), data)
    return (page, 400) if errors else page


@bp.post("/scenarios", endpoint="save_scenario")
def save_scenario(process_id: str):
    """Save the start data and steps of a run as a named scenario.

    A refused scenario (no name, a failing run) shows the run again with
    the reason.
    """
    start_data = _posted("start_data", {}, dict)
    steps = _steps()
    try:
        name = _name()
        scenario = get_engine().scenarios.save(
            process_id, name, start_data=start_data, steps=steps, actor=g.user.actor
        )
    except InvalidInput as e:
        if wants_json():
            raise
        return _page(process_id, start_data, steps, errors=translate_errors(e.errors))
    if wants_json():
        body = studio_schemas.ScenarioSchema().dump(scenario)
        return jsonify({"ok": True, "scenario": body})
    flash(_("The scenario %(name)s is saved.", name=name))
    return redirect(url_for(".run", process_id=process_id))


def _name() -> str:
    body = request.get_json(silent=True)
    name = body.get("name") if isinstance(body, dict) else request.form.get("name")
    name = (name or "").strip()
    if not name:
        message = _("Give the scenario a name, e.g. usulan lengkap disetujui.")
        raise InvalidInput("The scenario has no name.", {"name": [message]})
    return name


@bp.post("/scenarios/<int:scenario_id>/delete", endpoint="delete_scenario")
def delete_scenario(process_id: str, scenario_id: int):
    """Delete a saved scenario; 404 when it belongs to another process."""
    scenarios = get_engine().scenarios
    if scenarios.get(scenario_id).process_id != process_id:
        abort(404)
    scenarios.delete(scenario_id, g.user.actor)
    flash(_("The scenario is deleted."))
    return redirect(url_for(".run", process_id=process_id))


@bp.route("/coverage", endpoint="coverage")
@bp.route("/coverage.json", endpoint="coverage_json")
def coverage(process_id: str):
    """Which elements the saved scenarios visit, drawn on the diagram."""
    engine = get_engine()
    files = studio_sources.working_files(process_id)
    found = engine.scenarios.coverage(
        process_id,
        files,
        forms_path=current_app.config["FORMS_PATH"],
        extra_forms=studio_sources.draft_forms(),
    )
    data = {
        "id": process_id,
        "source": _source(process_id),
        "coverage": found,
        "scenarios": engine.scenarios.list(process_id),
    }
    # Visits per flow node, zero for those no scenario reaches.
    counts = {**dict.fromkeys(found.all_nodes, 0), **found.nodes}
    return render_page(
        "studio/coverage.html",
        studio_schemas.CoveragePageSchema(),
        data,
        counts=counts,
    )
