"""Deployed versions in the studio: a version's diagram, export, diff."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import abort
from flask import request
from flask_babel import gettext as _

from engine import InvalidInput

from . import studio_schemas
from . import studio_sources
from .db import get_engine
from .pages import render_page

bp = Blueprint("versions", __name__, url_prefix="/processes/<process_id>")


def _version(process_id: str, version: int):
    """The :class:`VersionInfo` of ``version``; 404 when there is none."""
    for info in get_engine().list_versions(process_id):
        if info.version == version:
            return info
    abort(404)


@bp.route("/versions/<int:version>", endpoint="show")
@bp.route("/versions/<int:version>.json", endpoint="show_json")
def show(process_id: str, version: int):
    info = _version(process_id, version)
    files = get_engine().version_sources(process_id, version)
    data = {
        "id": process_id,
        "version": info,
        "main_file": studio_sources.main_file(files, process_id),
        "files": sorted(files),
    }
    return render_page("studio/version.html", studio_schemas.VersionPageSchema(), data)


@bp.route("/versions/<int:version>.bpmn", endpoint="export")
def export(process_id: str, version: int):
    """The version's own diagram, as a download."""
    _version(process_id, version)
    files = get_engine().version_sources(process_id, version)
    name = studio_sources.main_file(files, process_id)
    return _download(files[name], name, process_id, version)


@bp.route("/versions/<int:version>/files/<name>", endpoint="export_file")
def export_file(process_id: str, version: int, name: str):
    """One file of a version's bundle (a called process, a decision table)."""
    _version(process_id, version)
    files = get_engine().version_sources(process_id, version)
    if name not in files:
        abort(404)
    return _download(files[name], name, process_id, version)


def _download(text: str, name: str, process_id: str, version: int) -> Response:
    stem, _dot, suffix = name.rpartition(".")
    filename = f"{stem}-v{version}.{suffix}" if stem else f"{process_id}-v{version}"
    inline = request.args.get("inline") == "1"
    disposition = "inline" if inline else "attachment"
    return Response(
        text,
        mimetype="application/xml",
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )


@bp.route("/draft.bpmn", endpoint="draft_export")
def draft_export(process_id: str):
    """The draft's own diagram (or the newest version's, if there is no draft)."""
    files = studio_sources.working_files(process_id)
    name = studio_sources.main_file(files, process_id)
    return Response(files[name], mimetype="application/xml")


@bp.route("/diff", endpoint="diff")
@bp.route("/diff.json", endpoint="diff_json")
def diff(process_id: str):
    """Elements added, removed and changed between two versions.

    ``new=draft`` compares with the draft; by default the draft is compared
    with the version it started from, else the newest version with the one
    before it.
    """
    engine = get_engine()
    versions = [v.version for v in engine.list_versions(process_id)]
    draft = engine.drafts.get_process(process_id)
    old = _number(request.args.get("old"), versions, "old")
    new_arg = request.args.get("new") or ("draft" if draft else str(versions[-1]))
    if old is None and new_arg == "draft":
        base = draft.base_version if draft else None
        old = base if base in versions else versions[-1]
    elif old is None:
        old = versions[max(len(versions) - 2, 0)]

    if new_arg == "draft":
        if draft is None:
            abort(404)
        result = engine.diff_versions(process_id, old, dict(draft.files))
        new = "draft"
    else:
        new = _number(new_arg, versions, "new")
        result = engine.diff_versions(process_id, old, new)

    data = {
        "id": process_id,
        "old": old,
        "new": str(new),
        "versions": versions,
        "has_draft": draft is not None,
        "diff": studio_schemas.diff_data(result),
    }
    return render_page("studio/diff.html", studio_schemas.DiffPageSchema(), data)


def _number(text: str | None, versions: list[int], field: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or int(text) not in versions:
        message = _("Choose one of the versions listed.")
        raise InvalidInput(f"There is no version {text!r}.", {field: [message]})
    return int(text)
