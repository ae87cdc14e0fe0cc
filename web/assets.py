"""Browser libraries from npm, served from ``node_modules``.

``npm ci`` at install time puts bpmn-js and Chart.js there; nothing of them
is copied into the repository. Only the files in :data:`FILES` are served.

The designer studio needs more than a library's ready-made file: its
modeler (with the properties panel, bpmnlint and token simulation) and its
form editor are bundled by ``npm run build`` from ``web/assets_src`` into
:data:`BUILD`, which Flask's static route serves as ``/static/build/<name>``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from flask import abort
from flask import send_from_directory

NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"
#: Where ``npm run build`` writes the studio bundles (not committed).
BUILD = Path(__file__).resolve().parent / "static" / "build"
#: The studio bundles; each .js comes with a .css of the same name.
BUNDLES = ("studio-modeler", "form-editor")

#: Public name -> path under node_modules.
FILES = {
    "bpmn-viewer.js": "bpmn-js/dist/bpmn-navigated-viewer.production.min.js",
    "bpmn-js.css": "bpmn-js/dist/assets/bpmn-js.css",
    "diagram-js.css": "bpmn-js/dist/assets/diagram-js.css",
    "bpmn-font.css": "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css",
    "chart.js": "chart.js/dist/chart.umd.min.js",
}

bp = Blueprint("assets", __name__, url_prefix="/vendor")


@bp.route("/<name>")
def vendor(name: str):
    path = FILES.get(name)
    if path is None or not (NODE_MODULES / path).exists():
        abort(404)
    return send_from_directory(NODE_MODULES, path, max_age=86400)
