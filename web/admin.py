"""The admin page: create users and assign their roles."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _

from engine import InvalidInput

from . import schemas
from . import users
from .auth import roles_required
from .db import get_engine
from .errors import translate_errors
from .pages import render_page

bp = Blueprint("admin", __name__, url_prefix="/admin")


def known_roles() -> list[str]:
    """Every lane of the deployed processes, then the staff roles."""
    lanes = {lane for p in get_engine().list_processes() for lane in p.lanes}
    lanes.add(users.PARTNER_ROLE)
    return sorted(lanes) + list(users.STAFF_ROLES)


@bp.route("/users", methods=("GET", "POST"), endpoint="users")
@bp.route("/users.json", endpoint="users_json")
@roles_required("admin")
def list_users():
    engine = get_engine()
    errors: dict[str, list[str]] = {}
    roles = known_roles()

    if request.method == "POST":
        chosen = [r for r in request.form.getlist("roles") if r in roles]
        try:
            users.create_user(
                engine.db,
                request.form.get("username", "").strip(),
                request.form.get("password", ""),
                chosen,
                now=engine.clock.now(),
                full_name=request.form.get("full_name", "").strip(),
                partner=request.form.get("partner"),
            )
        except InvalidInput as e:
            errors = translate_errors(e.errors)
        else:
            flash(_("The user is created."))
            return redirect(url_for("admin.users"))

    data = {"users": users.list_users(engine.db), "roles": roles, "errors": errors}
    page = render_page(
        "admin/users.html", schemas.UserListSchema(), data, posted=request.form
    )
    return (page, 400) if errors else page


@bp.post("/users/<int:user_id>")
@roles_required("admin")
def update(user_id: int):
    roles = known_roles()
    chosen = [r for r in request.form.getlist("roles") if r in roles]
    users.update_user(get_engine().db, user_id, chosen, request.form.get("partner"))
    flash(_("The roles are saved."))
    return redirect(url_for("admin.users"))
