"""CSRF protection: every unsafe request carries the session's token.

Forms send it as the ``csrf_token`` field, scripts as the ``X-CSRF-Token``
header. The token lives in the signed session cookie, so no server state
is needed.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask
from flask import abort
from flask import request
from flask import session

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_token() -> str:
    """Return the session's token, creating it on first use."""
    token = session.get("csrf_token")
    if token is None:
        token = session["csrf_token"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Refuse an unsafe request whose token is missing or wrong (400)."""
    if request.method not in UNSAFE:
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
    expected = session.get("csrf_token")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="csrf")


def init_app(app: Flask) -> None:
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
