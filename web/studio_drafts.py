"""Process drafts: the modeler, saving, lint, new and imported diagrams, deploy.

A draft is what a designer works on; nothing in it reaches officers until
it is deployed. Deploy runs the same lint as ``ekerjasama lint`` and
refuses while an error remains.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _

from engine import DefinitionError
from engine import InvalidInput
from engine import ProcessNotFound

from . import studio_schemas
from . import studio_sources
from .db import get_engine
from .errors import translate_errors
from .pages import render_page
from .pages import wants_json

bp = Blueprint("drafts", __name__)


def lint(files: dict[str, str]) -> list[dict[str, Any]]:
    """The lint problems of ``files``, with the form drafts counted as forms."""
    problems = get_engine().lint_files(
        files, extra_forms=set(studio_sources.draft_forms())
    )
    return [studio_schemas.problem_data(p) for p in problems]


def _base_version(process_id: str) -> int | None:
    try:
        return get_engine().list_versions(process_id)[-1].version
    except ProcessNotFound:
        return None


def _posted_xml(process_id: str) -> str:
    """The diagram a request sent, as ``xml`` in a form or a JSON body.

    :raise InvalidInput: it is empty, not XML, or lost the process.
    """
    body = request.get_json(silent=True) or {}
    xml = body.get("xml") if isinstance(body, dict) else None
    xml = xml or request.form.get("xml", "")
    if not xml.strip():
        message = _("The diagram is empty. Draw the process before saving.")
        raise InvalidInput("No diagram was sent.", {"xml": [message]})
    found, _text = studio_sources.read_upload(xml.encode("utf-8"), "xml")
    if found != process_id:
        message = _(
            "The diagram must keep the process id %(id)s. Change it back in "
            "the properties panel.",
            id=process_id,
        )
        raise InvalidInput("The process id changed.", {"xml": [message]})
    return xml


@bp.route("/processes/<process_id>/draft", methods=("GET", "POST"), endpoint="edit")
@bp.route("/processes/<process_id>/draft.json", endpoint="edit_json")
def edit(process_id: str):
    """The modeler. POST saves the diagram as the process's draft."""
    engine = get_engine()
    if request.method == "POST":
        return _save(process_id)

    files = studio_sources.working_files(process_id)
    draft = engine.drafts.get_process(process_id)
    newest = _base_version(process_id)
    data = {
        "id": process_id,
        "draft": draft,
        "base_version": draft.base_version if draft else newest,
        "newest_version": newest,
        "main_file": studio_sources.main_file(files, process_id),
        "problems": lint(files),
        "options": studio_sources.modeler_options(),
    }
    return render_page("studio/modeler.html", studio_schemas.ModelerSchema(), data)


def _save(process_id: str):
    engine = get_engine()
    try:
        files = studio_sources.with_main(process_id, _posted_xml(process_id))
    except InvalidInput as e:
        if wants_json():
            raise
        flash(_("The draft is not saved: %(why)s", why=_first(e)))
        return redirect(url_for(".edit", process_id=process_id))
    draft = engine.drafts.save_process(process_id, files, actor=g.user.actor)
    if wants_json():
        body = studio_schemas.DraftSchema().dump(draft)
        return jsonify({"ok": True, "draft": body, "problems": lint(files)})
    flash(_("The draft is saved."))
    return redirect(url_for(".edit", process_id=process_id))


def _first(error: InvalidInput) -> str:
    messages = [m for ms in translate_errors(error.errors).values() for m in ms]
    return messages[0] if messages else str(error)


@bp.post("/processes/<process_id>/draft/lint", endpoint="lint")
def lint_draft(process_id: str):
    """Lint the sent diagram as part of the process's bundle; always JSON."""
    files = studio_sources.with_main(process_id, _posted_xml(process_id))
    return jsonify({"problems": lint(files)})


@bp.post("/processes/<process_id>/draft/discard", endpoint="discard")
def discard(process_id: str):
    get_engine().drafts.discard_process(process_id, g.user.actor)
    flash(_("The draft is discarded."))
    return redirect(url_for("studio.process", process_id=process_id))


@bp.route("/processes/new", methods=("GET", "POST"), endpoint="new")
def new():
    """Start a draft of a new process from a blank diagram."""
    answers = {"process_id": "", "name": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        answers = {k: request.form.get(k, "").strip() for k in answers}
        try:
            studio_sources.check_new_id(answers["process_id"])
        except InvalidInput as e:
            errors = e.errors
        else:
            process_id = answers["process_id"]
            xml = studio_sources.blank_diagram(process_id, answers["name"])
            get_engine().drafts.save_process(
                process_id, {f"{process_id}.bpmn": xml}, actor=g.user.actor
            )
            flash(_("The draft is started. Draw the process and save it."))
            return redirect(url_for(".edit", process_id=process_id))

    data = {"answers": answers, "errors": errors}
    page = render_page("studio/new.html", studio_schemas.NewProcessSchema(), data)
    return (page, 400) if errors else page


@bp.route("/import", methods=("GET", "POST"), endpoint="upload")
def upload():
    """Import a ``.bpmn`` made in another modeler as a draft."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                message = _("Choose a .bpmn file to import.")
                raise InvalidInput("No file was sent.", {"file": [message]})
            process_id, xml = studio_sources.read_upload(upload.read())
            files = studio_sources.with_main(process_id, xml)
        except (InvalidInput, UnicodeDecodeError) as e:
            errors = _upload_errors(e)
        else:
            get_engine().drafts.save_process(
                process_id,
                files,
                actor=g.user.actor,
            )
            flash(_("The diagram is imported as the draft of %(id)s.", id=process_id))
            return redirect(url_for(".edit", process_id=process_id))

    page = render_page(
        "studio/import.html", studio_schemas.ImportSchema(), {"errors": errors}
    )
    return (page, 400) if errors else page


def _upload_errors(error: Exception) -> dict[str, list[str]]:
    if isinstance(error, InvalidInput):
        return error.errors
    return {"file": [_("The file is not UTF-8 text. Export it again as BPMN XML.")]}


@bp.post("/processes/<process_id>/deploy", endpoint="deploy")
def deploy(process_id: str):
    """Deploy the draft: lint gate, publish its form drafts, new version."""
    engine = get_engine()
    draft = engine.drafts.get_process(process_id)
    if draft is None:
        flash(_("There is no draft to deploy. Open the modeler and save one first."))
        return redirect(url_for("studio.process", process_id=process_id))
    files = dict(draft.files)
    problems = lint(files)
    if any(p["severity"] == "error" for p in problems):
        return _blocked(process_id, problems)

    forms = studio_sources.forms_used(files) & set(studio_sources.draft_forms())
    for key in sorted(forms):
        engine.drafts.publish_form(
            key, current_app.config["FORMS_PATH"], actor=g.user.actor
        )
    try:
        deployments = engine.deploy_files(files, actor=g.user.actor)
    except DefinitionError as e:
        # Lint passed; what deploy still refused (a start timer that cannot
        # be scheduled) is shown the same way.
        return _blocked(
            process_id, [studio_schemas.problem_data(p) for p in e.problems]
        )
    engine.drafts.discard_process(process_id, g.user.actor)

    mine = next((d for d in deployments if d.process_id == process_id), None)
    if wants_json():
        data = {"id": process_id, "problems": problems, "deployed": deployments}
        return jsonify(studio_schemas.DeploySchema().dump(data))
    if mine is not None and mine.created:
        flash(_("Version %(n)s of %(id)s is deployed.", n=mine.version, id=process_id))
    else:
        flash(_("Nothing changed: the draft equals the newest version."))
    for problem in problems:
        flash(_("Warning: %(message)s", message=problem["message"]))
    return redirect(url_for("studio.process", process_id=process_id))


def _blocked(process_id: str, problems: list[dict[str, Any]]):
    data = {"id": process_id, "problems": problems, "deployed": []}
    page = render_page(
        "studio/deploy_blocked.html", studio_schemas.DeploySchema(), data
    )
    return page, 400
