"""Forms in the studio: the list, and the editor with preview and example data.

Saving keeps a form draft, validated as the engine validates forms; the
draft counts as a form for lint and test runs at once, and is written to
FORMS_PATH when it is published or a process using it is deployed.
"""

from __future__ import annotations

import json
from pathlib import Path
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

bp = Blueprint("forms", __name__, url_prefix="/forms")


def _blank(key: str) -> dict[str, Any]:
    return {"type": "default", "id": key, "components": []}


def _check_key(key: str) -> None:
    if not studio_sources.FORM_KEY.match(key):
        message = _("Use letters, digits, _ and - only, e.g. telaah_hibah.")
        raise InvalidInput("The form key is not valid.", {"key": [message]})


@bp.route("/", methods=("GET", "POST"), endpoint="index")
@bp.route("/index.json", endpoint="index_json")
def index():
    """Every form in FORMS_PATH and every form draft. POST opens a new form."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        key = request.form.get("key", "").strip()
        try:
            _check_key(key)
        except InvalidInput as e:
            errors = e.errors
        else:
            return redirect(url_for(".edit", key=key, new=1))

    drafts = {d.key: d for d in get_engine().drafts.list_forms()}
    keys = sorted(set(studio_sources.form_keys()) | set(drafts))
    files = set(studio_sources.form_keys())
    rows = [
        {"key": key, "published": key in files, "draft": drafts.get(key)}
        for key in keys
    ]
    page = render_page(
        "studio/forms.html",
        studio_schemas.FormListSchema(),
        {"forms": rows, "errors": errors},
    )
    return (page, 400) if errors else page


def _published(key: str) -> dict[str, Any] | None:
    path = Path(current_app.config["FORMS_PATH"]) / f"{key}.form"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


@bp.route("/<key>", methods=("GET", "POST"), endpoint="edit")
@bp.route("/<key>.json", endpoint="edit_json")
def edit(key: str):
    """The form editor; POST saves the edited definition as a draft.

    404 for a key that names no form, unless ``new=1`` asks to create it.
    """
    _check_key(key)
    engine = get_engine()
    draft = engine.drafts.get_form(key)
    published = _published(key)
    if draft is None and published is None and not request.args.get("new"):
        abort(404)
    schema = draft.schema if draft is not None else (published or _blank(key))
    errors: dict[str, list[str]] = {}

    if request.method == "POST":
        try:
            schema = _posted_schema()
            draft = engine.drafts.save_form(key, schema, actor=g.user.actor)
        except InvalidInput as e:
            errors = translate_errors(e.errors) or {"schema": [str(e)]}
        else:
            if wants_json():
                body = studio_schemas.FormDraftSchema().dump(draft)
                return jsonify({"ok": True, "draft": body})
            flash(_("The form draft is saved."))
            return redirect(url_for(".edit", key=key))

    data = {
        "key": key,
        "schema": schema,
        "draft": draft,
        "published": published is not None,
        "errors": errors,
    }
    page = render_page("studio/form.html", studio_schemas.FormPageSchema(), data)
    return (page, 400) if errors else page


def _posted_schema() -> dict[str, Any]:
    """The form definition sent as JSON body ``schema`` or form field ``schema``.

    :raise InvalidInput: it is not a JSON object.
    """
    body = request.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("schema"), dict):
        return body["schema"]
    try:
        schema = json.loads(request.form.get("schema", ""))
    except ValueError as e:
        message = _("The form definition is not valid JSON (%(detail)s).", detail=e)
        raise InvalidInput("The form is not JSON.", {"schema": [message]}) from None
    if not isinstance(schema, dict):
        message = _("The form definition must be a JSON object with components.")
        raise InvalidInput("The form is not an object.", {"schema": [message]})
    return schema


@bp.post("/<key>/publish", endpoint="publish")
def publish(key: str):
    """Write the draft to FORMS_PATH, where running tasks read it."""
    _check_key(key)
    engine = get_engine()
    if engine.drafts.get_form(key) is None:
        abort(404)
    engine.drafts.publish_form(
        key, current_app.config["FORMS_PATH"], actor=g.user.actor
    )
    flash(_("The form %(key)s is published.", key=key))
    return redirect(url_for(".edit", key=key))


@bp.post("/<key>/discard", endpoint="discard")
def discard(key: str):
    _check_key(key)
    get_engine().drafts.discard_form(key, g.user.actor)
    flash(_("The form draft is discarded."))
    if _published(key) is None:
        return redirect(url_for(".index"))
    return redirect(url_for(".edit", key=key))
