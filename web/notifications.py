"""The notifications page and the bell's unread count in the navigation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import g
from flask import redirect
from flask import request
from flask import url_for

from . import schemas
from .auth import login_required
from .db import get_engine
from .pages import render_page

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/", endpoint="index")
@bp.route("/index.json", endpoint="index_json")
@login_required
def index():
    actor = g.user.actor
    notes = get_engine().list_notifications(actor, limit=100)
    return render_page(
        "notifications/index.html",
        schemas.NotificationListSchema(),
        {"notifications": notes, "unread": sum(not n.read for n in notes)},
    )


@bp.route("/read", methods=("POST",), endpoint="read")
@login_required
def mark_read():
    ids = [int(i) for i in request.form.getlist("id") if i.isdigit()] or None
    get_engine().mark_read(g.user.actor, ids)
    return redirect(url_for("notifications.index"))


def unread_count() -> dict[str, Any]:
    """Template context: the logged-in user's unread notifications."""
    if g.get("user") is None:
        return {"unread_notifications": 0}
    return {"unread_notifications": get_engine().count_unread(g.user.actor)}


bp.app_context_processor(unread_count)
