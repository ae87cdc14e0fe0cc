"""The web app's own records: comments, documents and task drafts.

Document bytes live in the instance folder under their sha256, so a file
uploaded twice is stored once; the table keeps every version by name, so
each negotiation round's draft stays available.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import IO
from typing import Any

import sqlalchemy as sa

from engine import InvalidInput
from engine import NotFound
from engine.store import Database
from engine.store.models import Comment
from engine.store.models import Document
from engine.store.models import TaskDraft

COMMENTS = Comment.__table__
DOCUMENTS = Document.__table__
DRAFTS = TaskDraft.__table__
MAX_COMMENT = 5000

logger = logging.getLogger(__name__)


def add_comment(
    db: Database,
    instance_id: int,
    author: str,
    body: str,
    *,
    now: datetime,
    task_id: str | None = None,
) -> int:
    """Add a comment and return its id.

    :raise InvalidInput: the comment is empty or too long.
    """
    body = (body or "").strip()
    if not body:
        raise InvalidInput("The comment is empty.", {"body": ["Write a comment."]})
    if len(body) > MAX_COMMENT:
        raise InvalidInput(
            "The comment is too long.",
            {"body": [f"Use at most {MAX_COMMENT} characters."]},
        )
    with db.write() as connection:
        return connection.execute(
            sa.insert(COMMENTS).values(
                instance_id=instance_id,
                task_id=task_id,
                author=author,
                body=body,
                created_at=now,
            )
        ).inserted_primary_key[0]


def list_comments(db: Database, instance_id: int) -> list[dict[str, Any]]:
    with db.read() as connection:
        rows = connection.execute(
            sa.select(COMMENTS)
            .where(COMMENTS.c.instance_id == instance_id)
            .order_by(COMMENTS.c.id)
        )
        return [dict(row._mapping) for row in rows]


def save_document(
    db: Database,
    folder: Path,
    instance_id: int,
    name: str,
    stream: IO[bytes],
    *,
    content_type: str,
    uploaded_by: str,
    now: datetime,
    task_id: str | None = None,
) -> dict[str, Any]:
    """Store an uploaded file as the next version of ``name``; return its row."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as temporary:
        for chunk in iter(lambda: stream.read(65536), b""):
            digest.update(chunk)
            temporary.write(chunk)
            size += len(chunk)
    sha256 = digest.hexdigest()
    target = folder / sha256
    if target.exists():
        os.unlink(temporary.name)
    else:
        os.replace(temporary.name, target)
    with db.write() as connection:
        latest = connection.scalar(
            sa.select(sa.func.max(DOCUMENTS.c.version)).where(
                DOCUMENTS.c.instance_id == instance_id, DOCUMENTS.c.name == name
            )
        )
        values = dict(
            instance_id=instance_id,
            task_id=task_id,
            name=name,
            version=(latest or 0) + 1,
            sha256=sha256,
            size=size,
            content_type=content_type,
            uploaded_by=uploaded_by,
            uploaded_at=now,
        )
        values["id"] = connection.execute(
            sa.insert(DOCUMENTS).values(**values)
        ).inserted_primary_key[0]
    logger.info("Document stored: %s v%s on %s", name, values["version"], instance_id)
    return values


def list_documents(db: Database, instance_id: int) -> list[dict[str, Any]]:
    """Every version of every document of an agreement, by name then version."""
    with db.read() as connection:
        rows = connection.execute(
            sa.select(DOCUMENTS)
            .where(DOCUMENTS.c.instance_id == instance_id)
            .order_by(DOCUMENTS.c.name, DOCUMENTS.c.version.desc())
        )
        return [dict(row._mapping) for row in rows]


def get_document(db: Database, document_id: int) -> dict[str, Any]:
    """:raise NotFound: there is no such document."""
    with db.read() as connection:
        row = connection.execute(
            sa.select(DOCUMENTS).where(DOCUMENTS.c.id == document_id)
        ).first()
    if row is None:
        raise NotFound(f"There is no document {document_id}.")
    return dict(row._mapping)


def save_draft(
    db: Database,
    task_id: str,
    data: dict[str, Any],
    *,
    saved_by: str,
    now: datetime,
) -> None:
    """Keep a task's unfinished answers, replacing the previous draft."""
    with db.write() as connection:
        connection.execute(sa.delete(DRAFTS).where(DRAFTS.c.task_id == task_id))
        connection.execute(
            sa.insert(DRAFTS).values(
                task_id=task_id, data=data, saved_by=saved_by, saved_at=now
            )
        )


def get_draft(db: Database, task_id: str) -> dict[str, Any] | None:
    with db.read() as connection:
        row = connection.execute(
            sa.select(DRAFTS).where(DRAFTS.c.task_id == task_id)
        ).first()
    return None if row is None else dict(row._mapping)


def delete_draft(db: Database, task_id: str) -> None:
    with db.write() as connection:
        connection.execute(sa.delete(DRAFTS).where(DRAFTS.c.task_id == task_id))
