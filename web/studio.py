"""The designer studio: processes, drafts, forms, test runs, deploys.

Every studio page is for process designers and admins only. The studio is
one blueprint with an area per concern nested in it (versions, drafts,
forms, trial, migrate), so that the one guard below covers them all.
"""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import g
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _

from engine import ProcessNotFound

from . import studio_drafts
from . import studio_forms
from . import studio_migrate
from . import studio_schemas
from . import studio_sources
from . import studio_trial
from . import studio_versions
from .db import get_engine
from .errors import error_response
from .pages import render_page
from .pages import wants_json

#: Roles that may open the studio; the engine checks the same for its actions.
DESIGNER_ROLES = frozenset({"designer", "admin"})

bp = Blueprint("studio", __name__, url_prefix="/studio")
for area in (
    studio_versions,
    studio_drafts,
    studio_forms,
    studio_trial,
    studio_migrate,
):
    bp.register_blueprint(area.bp)


@bp.before_request
def require_designer():
    """Send anonymous visitors to log in; refuse users who do not design (403)."""
    if g.user is None:
        if wants_json():
            return error_response(401, _("Log in first."))
        return redirect(url_for("auth.login", next=request.full_path))
    if not g.user.roles & DESIGNER_ROLES:
        abort(403)
    return None


@bp.route("/", endpoint="index")
@bp.route("/index.json", endpoint="index_json")
def index():
    engine = get_engine()
    drafts = {d.key: d for d in engine.drafts.list_processes()}
    processes = []
    for info in engine.list_processes():
        processes.append(
            {
                "id": info.process_id,
                "name": info.name,
                "versions": engine.list_versions(info.process_id),
                "draft": drafts.pop(info.process_id, None),
            }
        )
    new_drafts = sorted(drafts.values(), key=lambda d: d.key)
    data = {"processes": processes, "new_drafts": new_drafts}
    return render_page("studio/index.html", studio_schemas.StudioIndexSchema(), data)


@bp.route("/processes/<process_id>", endpoint="process")
@bp.route("/processes/<process_id>.json", endpoint="process_json")
def process(process_id: str):
    """A process's versions, its draft, its saved scenarios.

    404 when the process is neither deployed nor drafted.
    """
    engine = get_engine()
    draft = engine.drafts.get_process(process_id)
    try:
        versions = engine.list_versions(process_id)
    except ProcessNotFound:
        if draft is None:
            raise
        versions = []
    data = {
        "id": process_id,
        "name": studio_sources.process_name(versions, draft),
        "versions": versions,
        "draft": draft,
        "scenarios": engine.scenarios.list(process_id),
    }
    return render_page(
        "studio/process.html", studio_schemas.StudioProcessSchema(), data
    )
