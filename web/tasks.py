"""The inbox and the task page: claim, fill in, save a draft, complete."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _

from engine import InvalidInput

from . import access
from . import formjs
from . import schemas
from . import store
from . import summaries
from .auth import login_required
from .db import get_engine
from .db import refresh_register
from .errors import translate_errors
from .pages import render_page
from .uploads import save_upload

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

VIEWS = ("open", "unassigned", "mine", "overdue")
FILTERS = ("process", "kind", "opd", "partner", "due_before", "q")


def open_tasks_of(user) -> list[tuple[Any, dict[str, Any]]]:
    """The open tasks ``user`` may work on, each with its agreement's summary.

    Read once per request: the inbox and the navigation's counts both ask.
    """
    found = g.setdefault("open_tasks", {})
    if user.id not in found:
        found[user.id] = _read_open_tasks(user)
    return found[user.id]


def _read_open_tasks(user) -> list[tuple[Any, dict[str, Any]]]:
    engine = get_engine()
    tasks = engine.list_tasks(actor=user.actor)
    ids = {task.instance_id for task in tasks}
    register_rows = summaries.register_rows(engine, ids) if ids else {}
    infos = {i: engine.get_instance(i) for i in ids}
    rows = []
    for task in tasks:
        summary = summaries.summary_of(engine, infos[task.instance_id], register_rows)
        if access.may_work(user, task, summary):
            rows.append((task, summary))
    return rows


def inbox_counts(user) -> dict[str, int]:
    """How many tasks each inbox view holds, for the navigation."""
    now = get_engine().clock.now()
    counts = dict.fromkeys(VIEWS, 0)
    for task, _summary in open_tasks_of(user):
        for view in VIEWS:
            counts[view] += _in_view(task, view, user.username, now)
    return counts


def _in_view(task, view: str, username: str, now) -> bool:
    if view == "unassigned":
        return task.assignee is None
    if view == "mine":
        return task.assignee == username
    if view == "overdue":
        return task.due_at is not None and task.due_at < now
    return True


def _matches(task, summary: dict[str, Any], args: dict[str, str]) -> bool:
    if args.get("process") and task.process_id != args["process"]:
        return False
    for name in ("kind", "opd", "partner"):
        wanted = args.get(name, "").casefold()
        if wanted and wanted not in str(summary.get(name) or "").casefold():
            return False
    if args.get("due_before"):
        try:
            limit = date.fromisoformat(args["due_before"])
        except ValueError:
            raise InvalidInput(
                "The due date filter is not a date.",
                {"due_before": [_("Use a date such as 2025-06-30.")]},
            ) from None
        if task.due_at is None or task.due_at.date() > limit:
            return False
    query = args.get("q", "").casefold()
    if query:
        text = f"{summary.get('title') or ''} {summary.get('number') or ''}"
        return query in text.casefold()
    return True


@bp.route("/", endpoint="inbox")
@bp.route("/inbox.json", endpoint="inbox_json")
@login_required
def inbox():
    view = request.args.get("view", "open")
    if view not in VIEWS:
        view = "open"
    args = {name: request.args.get(name, "").strip() for name in FILTERS}
    engine = get_engine()
    now = engine.clock.now()
    stages = {p.process_id: p.name or p.process_id for p in engine.list_processes()}

    rows = []
    for task, summary in open_tasks_of(g.user):
        if _in_view(task, view, g.user.username, now) and _matches(task, summary, args):
            rows.append(
                {
                    "task": task,
                    "agreement": summary,
                    "stage": stages.get(task.process_id, task.process_id),
                    "overdue": task.due_at is not None and task.due_at < now,
                }
            )

    data = {"view": view, "filters": args, "rows": rows}
    return render_page(
        "tasks/inbox.html", schemas.InboxSchema(), data, stages=stages, views=VIEWS
    )


@bp.route("/<task_id>", methods=("GET", "POST"), endpoint="task")
@bp.route("/<task_id>.json", endpoint="task_json")
@login_required
def task_page(task_id: str):
    task, summary = access.workable_task(task_id)
    engine = get_engine()
    form = _form_of(task)
    answers = _saved_answers(task, form)
    errors: dict[str, list[str]] = {}

    if request.method == "POST" and task.is_open:
        answers = formjs.read_submission(form, request.form) if form else {}
        if request.form.get("action") == "draft":
            store.save_draft(
                engine.db,
                task.id,
                answers,
                saved_by=g.user.username,
                now=engine.clock.now(),
            )
            flash(_("The draft is saved."))
            return redirect(url_for("tasks.task", task_id=task.id))
        try:
            engine.complete_task(task.id, answers, actor=g.user.actor)
        except InvalidInput as e:
            errors = translate_errors(e.errors)
            flash(_("Some answers are not valid. Correct them and send again."))
        else:
            store.delete_draft(engine.db, task.id)
            refresh_register()
            flash(_("The task is completed."))
            return redirect(url_for("tasks.inbox"))

    data = {
        "task": task,
        "agreement": summary,
        "form": form,
        "answers": answers,
        "errors": errors,
        "documents": store.list_documents(engine.db, task.instance_id),
        "comments": store.list_comments(engine.db, task.instance_id),
    }
    status = 400 if errors else 200
    return render_page("tasks/task.html", schemas.TaskPageSchema(), data), status


def _form_of(task) -> dict[str, Any] | None:
    if not task.form:
        return None
    return formjs.load_form(current_app.config["FORMS_PATH"], task.form)


def _saved_answers(task, form: dict[str, Any] | None) -> dict[str, Any]:
    """The answers to show: the task's, the draft's, or what the agreement knows.

    An open task without a draft starts from the agreement's data, so that
    a field an earlier step answered (the title, the partner) is filled in.
    """
    if not task.is_open:
        return dict(task.data or {})
    engine = get_engine()
    draft = store.get_draft(engine.db, task.id)
    if draft:
        return dict(draft["data"])
    if not form:
        return {}
    data = engine.instance_data(task.instance_id)
    keys = [c["key"] for c in formjs.fields(form)]
    return {key: data[key] for key in keys if data.get(key) is not None}


@bp.post("/<task_id>/claim")
@login_required
def claim(task_id: str):
    task, _summary = access.workable_task(task_id)
    get_engine().claim_task(task.id, actor=g.user.actor)
    flash(_("The task is yours now."))
    return redirect(url_for("tasks.task", task_id=task.id))


@bp.post("/<task_id>/unclaim")
@login_required
def unclaim(task_id: str):
    task, _summary = access.workable_task(task_id)
    get_engine().unclaim_task(task.id, actor=g.user.actor)
    flash(_("The task is back in its lane's inbox."))
    return redirect(url_for("tasks.inbox"))


@bp.post("/<task_id>/documents")
@login_required
def upload(task_id: str):
    task, _summary = access.workable_task(task_id)
    save_upload(task.instance_id, task.id)
    return redirect(url_for("tasks.task", task_id=task.id))


@bp.post("/<task_id>/comments")
@login_required
def comment(task_id: str):
    task, _summary = access.workable_task(task_id)
    engine = get_engine()
    store.add_comment(
        engine.db,
        task.instance_id,
        g.user.username,
        request.form.get("body", ""),
        now=engine.clock.now(),
        task_id=task.id,
    )
    flash(_("The comment is added."))
    return redirect(url_for("tasks.task", task_id=task.id) + "#comments")


def render_inbox_counts() -> dict[str, Any]:
    """Template context: the inbox counts of the logged-in user."""
    if g.get("user") is None:
        return {"inbox_counts": None}
    return {"inbox_counts": inbox_counts(g.user)}


bp.app_context_processor(render_inbox_counts)
