"""Connecting to the database and running migrations.

SQLite is the embedded default (WAL mode, one writer at a time). Writes on
SQLite start with ``BEGIN IMMEDIATE`` so that two writers queue on the busy
timeout instead of failing when a reader tries to become a writer.
PostgreSQL is reached through psycopg 3.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from .fast import Driver

MIGRATIONS = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> str:
    """Return ``url`` with the psycopg 3 driver named for PostgreSQL."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _setup_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):  # noqa: ANN001
        # Take transaction control from the sqlite3 module so that the
        # "begin" hook below decides how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Checkpoint the WAL every ~40 MB rather than every 4 MB: pages that
        # steps rewrite again and again (instance rows, index pages) are then
        # copied to the database file, and synced, ten times less often.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.execute("PRAGMA journal_size_limit=67108864")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        write = conn.get_execution_options().get("ekerjasama_write", False)
        # Straight to the driver: this runs before every statement batch.
        conn.connection.dbapi_connection.execute(
            "BEGIN IMMEDIATE" if write else "BEGIN"
        )


class Database:
    """A SQLAlchemy engine with a read session and a write session."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        options = {}
        if self.is_sqlite:
            options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            options["pool_pre_ping"] = True
        self.engine = sa.create_engine(self.url, **options)
        if self.is_sqlite:
            _setup_sqlite(self.engine)
        self._writer = self.engine.execution_options(ekerjasama_write=True)
        #: Plain DB-API access for the statements every step runs.
        self.driver = Driver(self.engine.dialect.name)

    @contextlib.contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A connection for queries; it never commits."""
        with self.engine.connect() as connection:
            yield connection

    @contextlib.contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A connection whose work commits as one transaction, or not at all."""
        with self._writer.begin() as connection:
            yield connection

    @contextlib.contextmanager
    def raw_read(self) -> Iterator[Any]:
        """A pooled DB-API connection for the step path's queries."""
        connection = self.engine.raw_connection()
        try:
            yield connection
        finally:
            connection.close()

    @contextlib.contextmanager
    def raw_write(self) -> Iterator[Any]:
        """A pooled DB-API connection whose work commits as one transaction."""
        connection = self.engine.raw_connection()
        try:
            if self.is_sqlite:
                connection.driver_connection.execute("BEGIN IMMEDIATE")
            yield connection
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()

    def upgrade(self) -> None:
        """Bring the schema to the newest migration."""
        # Alembic takes a third of a second to import; only upgrades need it.
        from alembic import command

        config = alembic_config()
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"<Database {self.engine.url.render_as_string(hide_password=True)}>"


def alembic_config():
    """Alembic's configuration for the engine's migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config
