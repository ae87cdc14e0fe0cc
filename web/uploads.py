"""Taking attachments from a request, within the size and type limits."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask import flash
from flask import g
from flask import request
from flask_babel import gettext as _
from werkzeug.utils import secure_filename

from engine import InvalidInput

from . import store
from .db import get_engine


def allowed_extensions() -> set[str]:
    raw = current_app.config["UPLOAD_EXTENSIONS"]
    return {e.strip().lower().lstrip(".") for e in raw.split(",") if e.strip()}


def save_upload(instance_id: int, task_id: str | None = None) -> dict:
    """Store the request's ``file`` on an agreement; return the document row.

    The size limit is enforced by Flask (413) before the view runs.

    :raise InvalidInput: no file was sent, or its type is not allowed.
    """
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("No file was sent.", {"file": [_("Choose a file.")]})
    name = secure_filename(request.form.get("name") or upload.filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = allowed_extensions()
    if extension not in allowed:
        raise InvalidInput(
            f"File type {extension!r} is not allowed.",
            {
                "file": [
                    _("Allowed types: %(types)s.", types=", ".join(sorted(allowed)))
                ]
            },
        )
    engine = get_engine()
    document = store.save_document(
        engine.db,
        Path(current_app.config["UPLOAD_FOLDER"]),
        instance_id,
        name,
        upload.stream,
        content_type=upload.mimetype or "application/octet-stream",
        uploaded_by=g.user.username,
        now=engine.clock.now(),
        task_id=task_id,
    )
    flash(
        _(
            "%(name)s is stored as version %(version)s.",
            name=name,
            version=document["version"],
        )
    )
    return document
