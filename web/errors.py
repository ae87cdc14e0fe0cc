"""One mapping from errors to HTTP, answered as a page or as JSON.

Every error answer in JSON has the same shape::

    {"ok": false, "status": 404, "title": "...", "error": "...", "errors": {}}

``errors`` maps field names to messages when input was rejected.
"""

from __future__ import annotations

import logging

from flask import Flask
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from engine import errors as engine_errors

from .pages import wants_json

logger = logging.getLogger(__name__)

#: Engine error classes and their status, most specific first.
STATUS = (
    (engine_errors.NotFound, 404),
    (engine_errors.PermissionDenied, 403),
    (engine_errors.Conflict, 409),
    (engine_errors.InvalidInput, 400),
    (engine_errors.DefinitionError, 400),
    (engine_errors.InstanceNotActive, 409),
    (engine_errors.ScriptError, 500),
    (engine_errors.EngineError, 500),
)


def status_of(error: engine_errors.EngineError) -> int:
    """Return the HTTP status for an engine error."""
    for cls, status in STATUS:
        if isinstance(error, cls):
            return status
    return 500


def titles() -> dict[int, str]:
    return {
        400: _("The request cannot be processed."),
        401: _("Log in first."),
        403: _("You may not open this page."),
        404: _("The page was not found."),
        405: _("This action is not allowed here."),
        409: _("Someone else changed this first. Reload the page and try again."),
        413: _("The file is too large."),
        429: _("Too many attempts. Wait a moment and try again."),
        500: _("Something went wrong on our side. Try again later."),
    }


def error_response(status: int, message: str = "", errors: dict | None = None):
    """Answer ``status`` as the error page or the JSON error shape."""
    title = titles().get(status, titles()[500 if status >= 500 else 400])
    if wants_json():
        body = {
            "ok": False,
            "status": status,
            "title": title,
            "error": message or title,
            "errors": errors or {},
        }
        return jsonify(body), status
    template = f"errors/{status}.html" if status in (403, 404) else "errors/error.html"
    page = render_template(
        template, status=status, title=title, message=message, errors=errors or {}
    )
    return page, status


def handle_engine_error(error: engine_errors.EngineError):
    status = status_of(error)
    if status >= 500:
        logger.exception("Engine error on %s %s", request.method, request.path)
        return error_response(status)
    errors = getattr(error, "errors", None)
    return error_response(status, _engine_message(error, status), errors)


def handle_http_error(error: HTTPException):
    message = ""
    if error.code == 400 and error.description == "csrf":
        message = _("The form has expired. Open the page again and resend it.")
    return error_response(error.code or 500, message)


def handle_unexpected(error: Exception):
    logger.exception("Unhandled error on %s %s", request.method, request.path)
    return error_response(500)


def translate_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Field messages in the user's language (the validator writes English)."""
    return {
        field: [_(message) for message in (m if isinstance(m, list) else [m])]
        for field, m in errors.items()
    }


def _engine_message(error: engine_errors.EngineError, status: int) -> str:
    # Engine messages are English sentences for developers and logs; the
    # person at the browser gets the status's own sentence in their language.
    if isinstance(error, engine_errors.InvalidInput):
        return _("Some answers are not valid. Correct them and send again.")
    return titles()[status]


def init_app(app: Flask) -> None:
    app.register_error_handler(engine_errors.EngineError, handle_engine_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
