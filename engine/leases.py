"""Leasing due rows so that each is worked on by one scheduler at a time.

Timers, escalation steps and outgoing mail share one shape: a ``due_at``, a
lease (``lock_owner``, ``lock_expires_at``), ``attempts`` and ``last_error``.
:func:`claim` leases a batch of due rows in one statement. On PostgreSQL the
rows are picked with ``FOR UPDATE SKIP LOCKED``, so schedulers running at the
same moment take different rows instead of queueing on the same ones; SQLite
has one writer at a time, which serialises the claims anyway. A lease that
expires (its scheduler died) makes the row claimable again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from .store import Database

#: The PostgreSQL channel a writer notifies when it adds a due row.
CHANNEL = "ekerjasama_due"
#: Attempts before a failing row is given up on.
MAX_ATTEMPTS = 5
#: Backoff after the n-th failure: 1 min, 2 min, 4 min, ...
BACKOFF = timedelta(minutes=1)


def _free(table: sa.Table, now: datetime):
    return sa.or_(table.c.lock_owner.is_(None), table.c.lock_expires_at < now)


def claim(
    db: Database,
    table: sa.Table,
    now: datetime,
    owner: str,
    limit: int,
    span: timedelta,
    max_attempts: int = MAX_ATTEMPTS,
) -> list:
    """Lease up to ``limit`` rows due at ``now`` to ``owner``; return them."""
    pick = (
        sa.select(table.c.id)
        .where(
            table.c.due_at <= now,
            table.c.attempts < max_attempts,
            _free(table, now),
        )
        .order_by(table.c.due_at)
        .limit(limit)
    )
    if not db.is_sqlite:
        pick = pick.with_for_update(skip_locked=True)
    statement = (
        sa.update(table)
        .where(table.c.id.in_(pick.scalar_subquery()))
        .values(lock_owner=owner, lock_expires_at=now + span)
        .returning(*table.c)
    )
    with db.write() as connection:
        rows = list(connection.execute(statement))
    rows.sort(key=lambda row: row.due_at)
    return rows


def release(
    db: Database, table: sa.Table, row_id: int, owner: str | None = None
) -> None:
    """Give a lease back without counting an attempt.

    With ``owner``, only while that owner still holds it: suspending an
    instance parks its timers under another owner (see :mod:`engine.repair`).
    """
    statement = sa.update(table).where(table.c.id == row_id)
    if owner is not None:
        statement = statement.where(table.c.lock_owner == owner)
    with db.write() as connection:
        connection.execute(statement.values(lock_owner=None, lock_expires_at=None))


def fail(
    db: Database,
    table: sa.Table,
    row,
    error: str,
    now: datetime,
    backoff: timedelta = BACKOFF,
    record: Callable[[sa.Connection, int], None] | None = None,
) -> int:
    """Count a failed attempt, retry after a backoff; return the attempts.

    :param record: called with the connection and the attempts in the same
        transaction, so what it writes (an event, an incident) commits with
        the count.
    """
    attempts = row.attempts + 1
    with db.write() as connection:
        connection.execute(
            sa.update(table)
            .where(table.c.id == row.id)
            .values(
                lock_owner=None,
                lock_expires_at=None,
                attempts=attempts,
                last_error=error,
                due_at=now + backoff * 2 ** (attempts - 1),
            )
        )
        if record is not None:
            record(connection, attempts)
    return attempts


def next_due(
    db: Database, tables: list[sa.Table], max_attempts: int = MAX_ATTEMPTS
) -> datetime | None:
    """When the earliest row of ``tables`` becomes claimable, if any is."""
    firsts = []
    for table in tables:
        waiting = sa.select(sa.func.min(table.c.due_at)).where(
            table.c.lock_owner.is_(None), table.c.attempts < max_attempts
        )
        leased = sa.select(sa.func.min(table.c.lock_expires_at)).where(
            table.c.lock_owner.is_not(None)
        )
        firsts += [waiting.scalar_subquery(), leased.scalar_subquery()]
    with db.read() as connection:
        found = connection.execute(sa.select(*firsts)).one()
    return min((t for t in found if t is not None), default=None)
