"""The supervisor console: where agreements are stuck or late, and repairs.

Only supervisors and admins (``Engine.is_supervisor``) come in; anyone else
gets 403, anonymous visitors the login page. Every number here comes from
``Engine.supervision`` (queries over the task index, timers and events);
the repairs go through the engine, one call per item, each logged with its
reason in the operation log that the agreement page shows.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from engine import InvalidInput
from engine import supervision

from . import formjs
from . import supervisor_repair as repairs
from . import supervisor_schemas as schemas
from .db import get_engine
from .db import refresh_register
from .errors import error_response
from .pages import render_page
from .pages import wants_json

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")

PAGE_SIZE = 50
FINDING_FILTERS = ("category", "stage", "opd", "partner_kind", "process", "lane", "q")


@bp.before_request
def require_supervisor():
    """Let in supervisors and admins; send others away before any view runs."""
    if g.user is None:
        if wants_json():
            return error_response(401, _("Log in first."))
        return redirect(url_for("auth.login", next=request.full_path))
    if not may_supervise():
        abort(403)
    return None


@bp.route("/", endpoint="dashboard")
@bp.route("/index.json", endpoint="dashboard_json")
def dashboard():
    engine = get_engine()
    now = engine.clock.now()
    watch = engine.supervision
    months = watch.finished_per_month(now=now)
    history = watch.history(now=now)
    data = {
        "summary": watch.summary(now=now),
        "finished_per_month": [{"month": m, "count": n} for m, n in months],
        "stage_times": history.data["stage_times"],
        "figures_computed_at": history.computed_at,
        "processes": process_choices(),
    }
    return render_page("supervisor/dashboard.html", schemas.DashboardSchema(), data)


@bp.route("/findings", endpoint="findings")
@bp.route("/findings.json", endpoint="findings_json")
def findings():
    args = {name: request.args.get(name, "").strip() for name in FINDING_FILTERS}
    number = page_number()
    wanted = {name: value or None for name, value in args.items()}
    wanted["process_id"] = wanted.pop("process")
    engine = get_engine()
    found = engine.supervision.findings(
        **wanted,
        limit=PAGE_SIZE + 1,
        offset=(number - 1) * PAGE_SIZE,
        now=engine.clock.now(),
    )
    lang = str(get_locale())
    data = {
        "filters": args,
        "page": page_of(number, len(found)),
        "findings": [finding_row(f, lang) for f in found[:PAGE_SIZE]],
    }
    return render_page(
        "supervisor/findings.html",
        schemas.FindingListSchema(),
        data,
        processes=process_choices(),
        lanes=repairs.known_lanes(engine),
        stages=engine.supervision.stage_codes,
        partner_kinds=partner_kinds(),
    )


@bp.route("/tasks", endpoint="tasks")
@bp.route("/tasks.json", endpoint="tasks_json")
def tasks():
    args = {"lane": request.args.get("lane", "").strip()}
    number = page_number()
    engine = get_engine()
    now = engine.clock.now()
    rows = engine.supervision.open_tasks(
        lane=args["lane"] or None,
        limit=PAGE_SIZE + 1,
        offset=(number - 1) * PAGE_SIZE,
        now=now,
    )
    data = {
        "filters": args,
        "page": page_of(number, len(rows)),
        "tasks": [task_row(row, now) for row in rows[:PAGE_SIZE]],
    }
    return render_page(
        "supervisor/tasks.html",
        schemas.TaskListSchema(),
        data,
        lanes=repairs.known_lanes(engine),
    )


@bp.route("/processes", endpoint="pick_process")
def pick_process():
    """The dashboard's process picker: go to the chosen process's page."""
    chosen = request.args.get("process_id", "")
    if chosen not in {p["process_id"] for p in process_choices()}:
        return redirect(url_for("supervisor.dashboard"))
    return redirect(url_for("supervisor.process", process_id=chosen))


@bp.route("/processes/<process_id>", endpoint="process")
@bp.route("/processes/<process_id>.json", endpoint="process_json")
def process(process_id: str):
    engine = get_engine()
    info = engine.versions.latest(process_id)
    now = engine.clock.now()
    data = {
        "process": {"process_id": info.process_id, "name": info.name or process_id},
        "diagram_url": url_for("supervisor.diagram", process_id=process_id),
        "heat": engine.supervision.heat(process_id, now=now),
        "figures_computed_at": engine.supervision.history(now=now).computed_at,
    }
    return render_page("supervisor/process.html", schemas.ProcessPageSchema(), data)


@bp.route("/processes/<process_id>/diagram.xml", endpoint="diagram")
def diagram(process_id: str):
    """The BPMN source of the newest version of ``process_id``."""
    engine = get_engine()
    info = engine.versions.latest(process_id)
    pattern = rf'<(\w+:)?process\b[^>]*\bid="{re.escape(process_id)}"'
    for text in engine.versions.sources(info.version_id).values():
        if re.search(pattern, text):
            return Response(text, mimetype="application/xml")
    abort(404)


@bp.route("/repair", methods=("GET", "POST"), endpoint="repair")
@bp.route("/repair.json", methods=("GET", "POST"), endpoint="repair_json")
def repair():
    """Show the repair form for a selection; run it when posted."""
    engine = get_engine()
    items = repairs.parse_items(request.values.getlist("items"))
    errors: dict[str, list[str]] = {}

    if request.method == "POST":
        try:
            job = repairs.read_repair(request.form)
        except InvalidInput as e:
            errors = e.errors
            if wants_json():
                return error_response(400, _("Correct the repair form."), errors)
        else:
            results = repairs.run_repair(engine, job, g.user.actor)
            refresh_register()
            return repair_done(job, results)

    data = {
        "action": request.values.get("action") or None,
        "errors": errors,
        **repairs.form_context(engine, items),
    }
    page = render_page(
        "supervisor/repair.html",
        schemas.RepairFormSchema(),
        data,
        posted=request.form,
        next=safe_next(request.values.get("next")),
    )
    return (page, 400) if errors else page


def repair_done(job: repairs.Repair, results: list[dict[str, Any]]):
    if wants_json():
        body = {"ok": all(r["ok"] for r in results), "action": job.action}
        return jsonify(schemas.RepairResultSchema().dump({**body, "results": results}))
    for result in results:
        flash(repairs.result_message(result, job.action))
    return redirect(safe_next(request.form.get("next")))


def safe_next(target: str | None) -> str:
    # Only paths on this site: an open redirect would help phishing.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("supervisor.findings")


def page_number() -> int:
    """The ``page`` argument, 1 when absent.

    :raise InvalidInput: it is not a whole number from 1 up.
    """
    raw = request.args.get("page", "1").strip() or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidInput(
            f"Page {raw!r} is not a page number.",
            {"page": [_("Use a page number from 1 up.")]},
        )
    return int(raw)


def page_of(number: int, found: int) -> dict[str, Any]:
    return {"number": number, "size": PAGE_SIZE, "has_next": found > PAGE_SIZE}


def process_choices() -> list[dict[str, str]]:
    processes = get_engine().list_processes()
    return [
        {"process_id": p.process_id, "name": p.name or p.process_id} for p in processes
    ]


def finding_row(finding: supervision.Finding, lang: str) -> dict[str, Any]:
    return {**asdict(finding), "description": supervision.describe(finding, lang)}


def task_row(task: supervision.OpenTask, now: datetime) -> dict[str, Any]:
    return {**asdict(task), "overdue": task.due_at is not None and task.due_at < now}


def category_labels() -> dict[str, str]:
    return {
        "incident": _("Incident"),
        "overdue": _("Overdue"),
        "at_risk": _("At risk"),
        "waiting": _("Waiting as designed"),
        "suspended": _("Suspended"),
    }


@bp.app_context_processor
def labels() -> dict[str, Any]:
    """Labels the console's templates and the agreement page share."""
    return {
        "category_labels": category_labels,
        "action_labels": repairs.action_labels,
        "stage_label": stage_label,
        "days": days,
        "may_supervise": may_supervise,
        "operation_label": operation_label,
        "change_text": change_text,
    }


def operation_label(action: str) -> str:
    """The words for an operation log entry's action."""
    labels = {
        "task-reassigned": _("reassigned a task"),
        "instance-retried": _("retried the failed step"),
        "token-moved": _("moved the token"),
        "instance-suspended": _("suspended the agreement"),
        "instance-resumed": _("resumed the agreement"),
        "instance-cancelled": _("cancelled the agreement"),
        "migrate": _("moved the agreement to a new process version"),
    }
    return labels.get(action, action)


def change_text(values: dict[str, Any] | None) -> str:
    """An old or new value of the operation log as one line."""
    if not values:
        return "–"
    return "; ".join(
        f"{key}: {'–' if value is None else value}" for key, value in values.items()
    )


def may_supervise() -> bool:
    """Tell whether the logged-in user may open the console."""
    user = g.get("user")
    return user is not None and get_engine().is_supervisor(user.actor)


def stage_label(code: str | None) -> str:
    """A stage's name in the page's language."""
    if not code:
        return _("unknown")
    return get_engine().supervision.policy.stages.name(code, str(get_locale()))


#: The data key whose choices name the partner kinds (as the register does).
PARTNER_KIND_KEY = "jenis_mitra"


def partner_kinds() -> dict[str, str]:
    """``{code: label}`` of the partner kinds, as the forms offer them.

    The first form in FORMS_PATH with a choice field for
    :data:`PARTNER_KIND_KEY` gives them; none gives ``{}``.
    """
    if "partner_kinds" not in g:
        folder = Path(current_app.config["FORMS_PATH"])
        g.partner_kinds = {}
        for path in sorted(folder.glob("*.form")):
            form = formjs.load_form(folder, path.stem)
            for component in formjs.fields(form):
                if component.get("key") == PARTNER_KIND_KEY and component.get("values"):
                    g.partner_kinds = {
                        o["value"]: o["label"] for o in formjs.options(component)
                    }
                    return g.partner_kinds
    return g.partner_kinds


def partner_kind_label(code: str | None) -> str:
    """A partner kind's label; its code when no form names it."""
    if not code:
        return _("unknown")
    return partner_kinds().get(code, code)


def days(value: float | None) -> str:
    """A span in days with one decimal, the page's way (``2,5`` in Indonesian)."""
    if value is None:
        return "–"
    return format_decimal(round(value, 1), format="#,##0.0", locale=get_locale())


bp.add_app_template_filter(stage_label, "stage_label")
bp.add_app_template_global(partner_kind_label, "partner_kind_label")
