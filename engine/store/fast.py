"""Plain DB-API statements for the few queries every step runs.

SQLAlchemy Core costs about 60 µs a statement and 100 µs a transaction here,
more than the statements themselves; a step runs about ten, which alone
would be most of a step's budget. The step path therefore takes a DB-API
connection from SQLAlchemy's pool (see ``Database.raw_read`` and
``raw_write``) and this module converts values the same way SQLAlchemy's
column types do, so rows written either way read the same. Everything else
in the engine uses SQLAlchemy.
"""

from __future__ import annotations

import json
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID


def plain_json(value: Any) -> Any:
    """Encode the values task data may hold that JSON has no type for."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"Cannot store a {type(value).__name__} as JSON.")


class Driver:
    """Value conversion and SQL text for one database dialect."""

    def __init__(self, dialect_name: str) -> None:
        self.sqlite = dialect_name == "sqlite"
        self._texts: dict[str, str] = {}

    def sql(self, text: str) -> str:
        """Return ``text`` with ``?`` placeholders in the driver's style."""
        if self.sqlite:
            return text
        converted = self._texts.get(text)
        if converted is None:
            converted = self._texts[text] = text.replace("%", "%%").replace("?", "%s")
        return converted

    def dt(self, value: datetime | None) -> Any:
        if value is None:
            return None
        naive = value.astimezone(UTC).replace(tzinfo=None)
        if self.sqlite:
            return naive.strftime("%Y-%m-%d %H:%M:%S.%f")
        return naive

    def read_dt(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)

    def json(self, value: Any) -> Any:
        if value is None:
            return None
        return json.dumps(value, default=plain_json)

    def read_json(self, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value)
        return value

    def execute(self, connection, text: str, params=()) -> Any:
        """Run ``text`` on a DB-API ``connection``; return the cursor."""
        cursor = connection.cursor()
        cursor.execute(self.sql(text), params)
        return cursor

    def executemany(self, connection, text: str, rows: list) -> None:
        if rows:
            cursor = connection.cursor()
            cursor.executemany(self.sql(text), rows)

    def insert_returning_id(self, connection, text: str, params) -> int:
        """Run an INSERT and return the new row's integer id."""
        cursor = connection.cursor()
        if self.sqlite:
            cursor.execute(text, params)
            return cursor.lastrowid
        cursor.execute(self.sql(text) + " RETURNING id", params)
        return cursor.fetchone()[0]
