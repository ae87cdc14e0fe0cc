"""Drafts: designers' unsaved work on processes and forms.

A process draft holds the ``{file name: text}`` of a process as the modeler
saved it last, with who saved it and the deployed version it started from. A
form draft holds a form-js schema. Drafts live in their own tables: saving one
never changes a deployed version or a file in ``forms/``. Deploying a process
(:meth:`engine.runtime.Engine.deploy_files`) and :meth:`Drafts.publish_form`
are the only ways a draft reaches officers.

A process draft may be broken (lint shows what to fix); a form draft must be
a form the engine can check answers with, since the test-run sandbox uses it.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from marshmallow import Schema
from sqlalchemy.exc import IntegrityError

from .errors import Conflict
from .errors import InvalidInput
from .errors import NotFound
from .forms import DISPLAY_TYPES
from .forms import SUFFIX
from .forms import build_field
from .forms import build_schema
from .records import Actor
from .store.models import FormDraft
from .store.models import ProcessDraft
from .store.models import ProcessVersion

logger = logging.getLogger(__name__)

PROCESS_DRAFTS = ProcessDraft.__table__
FORM_DRAFTS = FormDraft.__table__
VERSIONS = ProcessVersion.__table__
#: A process id as BPMN allows it (an XML name without a colon).
PROCESS_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,199}")
#: A form key is also its file name in the forms folder.
FORM_KEY = re.compile(r"[A-Za-z0-9_-]{1,200}")
FILE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,200}\.(bpmn|dmn)")
CHOICE_TYPES = ("select", "radio", "checklist")


@dataclass(frozen=True)
class DraftInfo:
    """One draft: of a process (``files``) or of a form (``schema``)."""

    #: ``"process"`` or ``"form"``.
    kind: str
    #: The process id, or the form key.
    key: str
    #: ``{file name: text}`` of a process draft; empty for a form.
    files: dict[str, str] = field(default_factory=dict)
    #: The form-js schema of a form draft; None for a process.
    schema: dict[str, Any] | None = None
    #: The deployed version a process draft started from (None: a new process).
    base_version: int | None = None
    created_by: str = ""
    created_at: datetime | None = None
    saved_by: str = ""
    saved_at: datetime | None = None


class Drafts:
    """Process and form drafts, one per process id and per form key.

    :param db: the engine's :class:`~engine.store.Database`.
    :param clock: the engine's clock.
    :param check_designer: ``(actor, what)``; raises PermissionDenied when
        the actor may not change drafts.
    """

    def __init__(self, db, clock, check_designer: Callable[[Actor, str], None]) -> None:
        self.db = db
        self.clock = clock
        self.check_designer = check_designer

    def __repr__(self) -> str:
        return f"<Drafts {self.db!r}>"

    # -- processes -------------------------------------------------------

    def save_process(
        self,
        process_id: str,
        files: dict[str, str],
        *,
        actor: Actor,
        base_version: int | None = None,
    ) -> DraftInfo:
        """Keep ``files`` as the draft of ``process_id``, replacing an older one.

        ``base_version`` defaults to the older draft's, or else to the newest
        deployed version of the process.

        :raise PermissionDenied: the actor is neither designer nor admin.
        :raise InvalidInput: the id or a file name is not acceptable.
        """
        self.check_designer(actor, "save a process draft")
        _check_process_id(process_id)
        _check_files(files)
        now = self.clock.now()
        try:
            with self.db.write() as connection:
                old = connection.execute(
                    sa.select(PROCESS_DRAFTS).where(
                        PROCESS_DRAFTS.c.process_id == process_id
                    )
                ).first()
                if base_version is None and old is not None:
                    base_version = old.base_version
                elif base_version is None:
                    base_version = connection.scalar(
                        sa.select(sa.func.max(VERSIONS.c.version)).where(
                            VERSIONS.c.process_id == process_id
                        )
                    )
                values = {
                    "files": dict(files),
                    "base_version": base_version,
                    "saved_by": actor.name,
                    "saved_at": now,
                }
                _upsert(
                    connection, PROCESS_DRAFTS, "process_id", process_id, old, values
                )
        except IntegrityError:
            raise _race() from None
        logger.info("Process draft saved: %s by %s", process_id, actor.name)
        return self.get_process(process_id)

    def get_process(self, process_id: str) -> DraftInfo | None:
        """The draft of ``process_id``, or None."""
        found = self._read(PROCESS_DRAFTS, PROCESS_DRAFTS.c.process_id == process_id)
        return found[0] if found else None

    def list_processes(self) -> list[DraftInfo]:
        """Every process draft, by process id."""
        return self._read(PROCESS_DRAFTS)

    def discard_process(self, process_id: str, actor: Actor) -> None:
        """Drop the draft of ``process_id``.

        :raise NotFound: there is no such draft.
        """
        self.check_designer(actor, "discard a process draft")
        self._delete(PROCESS_DRAFTS.c.process_id, process_id, "process")
        logger.info("Process draft discarded: %s by %s", process_id, actor.name)

    # -- forms -----------------------------------------------------------

    def save_form(self, key: str, schema: dict[str, Any], *, actor: Actor) -> DraftInfo:
        """Keep ``schema`` as the draft of form ``key`` once it passes the checks.

        :raise PermissionDenied: the actor is neither designer nor admin.
        :raise InvalidInput: the key or the form definition is not
            acceptable; ``errors["schema"]`` says what to fix.
        """
        self.check_designer(actor, "save a form draft")
        _check_form_key(key)
        check_form_definition(key, schema)
        now = self.clock.now()
        try:
            with self.db.write() as connection:
                old = connection.execute(
                    sa.select(FORM_DRAFTS.c.key).where(FORM_DRAFTS.c.key == key)
                ).first()
                values = {"definition": schema, "saved_by": actor.name, "saved_at": now}
                _upsert(connection, FORM_DRAFTS, "key", key, old, values)
        except IntegrityError:
            raise _race() from None
        logger.info("Form draft saved: %s by %s", key, actor.name)
        return self.get_form(key)

    def get_form(self, key: str) -> DraftInfo | None:
        """The draft of form ``key``, or None."""
        found = self._read(FORM_DRAFTS, FORM_DRAFTS.c.key == key)
        return found[0] if found else None

    def list_forms(self) -> list[DraftInfo]:
        """Every form draft, by key."""
        return self._read(FORM_DRAFTS)

    def form_schemas(self) -> dict[str, dict[str, Any]]:
        """``{key: form-js schema}`` of every form draft, for a test run."""
        return {draft.key: draft.schema for draft in self.list_forms()}

    def discard_form(self, key: str, actor: Actor) -> None:
        """Drop the draft of form ``key``.

        :raise NotFound: there is no such draft.
        """
        self.check_designer(actor, "discard a form draft")
        self._delete(FORM_DRAFTS.c.key, key, "form")
        logger.info("Form draft discarded: %s by %s", key, actor.name)

    def publish_form(self, key: str, forms_path: str | Path, *, actor: Actor) -> Path:
        """Write the draft of ``key`` to ``<forms_path>/<key>.form``; drop it.

        :return: the path written.
        :raise PermissionDenied: the actor is neither designer nor admin.
        :raise NotFound: there is no such draft.
        """
        self.check_designer(actor, "publish a form")
        draft = self.get_form(key)
        if draft is None:
            raise _no_draft("form", key)
        path = Path(forms_path) / f"{key}{SUFFIX}"
        text = json.dumps(draft.schema, indent=2, ensure_ascii=False) + "\n"
        # Write beside the target and rename, so the web app never reads a
        # half-written form.
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
        self._delete(FORM_DRAFTS.c.key, key, "form")
        logger.info("Form published: %s by %s", key, actor.name)
        return path

    # -- helpers ---------------------------------------------------------

    def _read(self, table: sa.Table, where=None) -> list[DraftInfo]:
        query = sa.select(table).order_by(*table.primary_key.columns)
        if where is not None:
            query = query.where(where)
        with self.db.read() as connection:
            return [_info(row) for row in connection.execute(query)]

    def _delete(self, column: sa.Column, key: str, kind: str) -> None:
        with self.db.write() as connection:
            deleted = connection.execute(sa.delete(column.table).where(column == key))
        if deleted.rowcount != 1:
            raise _no_draft(kind, key)


def _race() -> Conflict:
    return Conflict("Someone else saved the same draft at the same time. Save again.")


def _upsert(connection, table, key_column: str, key: str, old, values) -> None:
    if old is None:
        values = {
            key_column: key,
            "created_by": values["saved_by"],
            "created_at": values["saved_at"],
            **values,
        }
        connection.execute(sa.insert(table).values(**values))
    else:
        column = table.c[key_column]
        connection.execute(sa.update(table).where(column == key).values(**values))


def _info(row) -> DraftInfo:
    form = "definition" in row._fields
    return DraftInfo(
        kind="form" if form else "process",
        key=row.key if form else row.process_id,
        files={} if form else dict(row.files),
        schema=row.definition if form else None,
        base_version=None if form else row.base_version,
        created_by=row.created_by,
        created_at=row.created_at,
        saved_by=row.saved_by,
        saved_at=row.saved_at,
    )


def _no_draft(kind: str, key: str) -> NotFound:
    return NotFound(f"There is no draft of the {kind} {key!r}.")


def _check_process_id(process_id: Any) -> None:
    if not isinstance(process_id, str) or not PROCESS_ID.fullmatch(process_id):
        message = (
            f"{process_id!r} is not a process id. Start with a letter and use "
            "letters, digits, '_', '-' or '.'."
        )
        raise InvalidInput(message, {"process_id": [message]})


def _check_files(files: Any) -> None:
    if not isinstance(files, dict) or not files:
        message = "Give the draft's files as {file name: text}, at least one."
        raise InvalidInput(message, {"files": [message]})
    for name, text in files.items():
        if not isinstance(name, str) or not FILE_NAME.fullmatch(name):
            message = (
                f"{name!r} is not a file name for a draft. Use a plain name "
                "ending in .bpmn or .dmn."
            )
            raise InvalidInput(message, {"files": [message]})
        if not isinstance(text, str):
            message = f"The content of {name!r} must be text."
            raise InvalidInput(message, {"files": [message]})


def _check_form_key(key: Any) -> None:
    if not isinstance(key, str) or not FORM_KEY.fullmatch(key):
        message = (
            f"{key!r} is not a form key. Use letters, digits, '_' or '-' "
            "(it becomes the file name)."
        )
        raise InvalidInput(message, {"key": [message]})


def check_form_definition(key: str, definition: Any) -> Schema:
    """Return the answer schema of a form-js ``definition``.

    :raise InvalidInput: the engine could not check answers with it;
        ``errors["schema"]`` lists what to fix, one sentence per component.
    """
    components = definition.get("components") if isinstance(definition, dict) else None
    if not isinstance(components, list):
        message = (
            f"Form {key!r} is not a form-js definition: it needs a list of components."
        )
        raise InvalidInput(message, {"schema": [message]})
    problems: list[str] = []
    _check_components(components, problems, set())
    if problems:
        raise InvalidInput(
            f"Form {key!r} cannot check answers: {problems[0]}", {"schema": problems}
        )
    return build_schema(key, definition)


def _check_components(components: list, problems: list[str], keys: set[str]) -> None:
    for component in components:
        if not isinstance(component, dict):
            problems.append(f"{component!r} is not a form component.")
            continue
        kind = component.get("type")
        name = component.get("label") or component.get("id") or kind
        if component.get("components"):
            _check_components(component["components"], problems, keys)
            continue
        if kind in DISPLAY_TYPES:
            continue
        key = component.get("key")
        if not key:
            problems.append(
                f"Component {name!r} ({kind}) has no key. Give it the name of "
                "the variable it fills."
            )
            continue
        if key in keys:
            problems.append(
                f"Two components fill {key!r}. Give each component its own key."
            )
        keys.add(key)
        if kind in CHOICE_TYPES and not component.get("values"):
            problems.append(
                f"Component {name!r} has no values to choose from. Add at least one."
            )
            continue
        try:
            build_field(component)
        except (ValueError, TypeError, KeyError, re.error) as e:
            problems.append(f"Component {name!r}: {e}")
