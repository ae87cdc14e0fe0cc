"""Logging in and out, and the guards views use."""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _

from engine import NotFound

from . import users
from .db import get_engine
from .errors import error_response
from .pages import wants_json

bp = Blueprint("auth", __name__, url_prefix="/auth")


def load_logged_in_user() -> None:
    user_id = session.get("user_id")
    g.user = None
    if user_id is None:
        return
    try:
        user = users.get_user(get_engine().db, user_id)
    except NotFound:
        user = None
    if user is not None and user.active:
        g.user = user
    else:
        session.clear()


def login_required(view):
    """Send anonymous visitors to the login page (401 for JSON clients)."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            if wants_json():
                return error_response(401, _("Log in first."))
            return redirect(url_for("auth.login", next=request.full_path))
        return view(**kwargs)

    return wrapped


def roles_required(*roles: str):
    """Like :func:`login_required`, and 403 unless the user holds one of ``roles``."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(**kwargs):
            if not g.user.roles & set(roles):
                abort(403)
            return view(**kwargs)

        return login_required(wrapped)

    return decorate


@bp.route("/login", methods=("GET", "POST"))
def login():
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        config = current_app.config
        engine = get_engine()
        user, locked = users.authenticate(
            engine.db,
            username,
            password,
            now=engine.clock.now(),
            attempts=int(config["LOGIN_ATTEMPTS"]),
            lock=timedelta(minutes=int(config["LOGIN_LOCK_MINUTES"])),
        )
        if locked:
            message = _(
                "Too many failed logins. Wait %(minutes)s minutes and try again.",
                minutes=config["LOGIN_LOCK_MINUTES"],
            )
            return render_template("auth/login.html", error=message), 429
        if user is None:
            error = _("The user name or password is wrong.")
            return render_template("auth/login.html", error=error), 401

        session.clear()
        session["user_id"] = user.id
        flash(_("Welcome, %(name)s.", name=user.display_name))
        return redirect(_safe_next(request.args.get("next")))

    return render_template("auth/login.html", error=None)


@bp.route("/logout", methods=("POST",))
def logout():
    session.clear()
    return redirect(url_for("index"))


def _safe_next(target: str | None) -> str:
    # Only paths on this site: an open redirect would help phishing.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("tasks.inbox")


def init_app(app: Flask) -> None:
    app.before_request(load_logged_in_user)
