"""Figures drawn from every instance's history, computed now and then and kept.

The console's time per stage and the median time at each element read every
task any instance ever had: at 100,000 instances, two million rows and
seconds of work. They move slowly, so they are not computed per page. The
scheduler computes them every ``FIGURES_EVERY`` (see
:meth:`engine.supervision.Supervision.refresh_figures`) and keeps them in
the ``figures`` table with the moment they were computed; a page reads them
from there and says how old they are.

Where no scheduler runs, the first reader that finds them missing, or older
than twice ``FIGURES_EVERY``, computes them itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .store import Database
from .store.models import Figure

FIGURES = Figure.__table__


@dataclass(frozen=True)
class Kept:
    """One kept figure and when it was computed."""

    data: dict[str, Any]
    computed_at: datetime

    def stale(self, now: datetime, every: timedelta) -> bool:
        """Whether a reader at ``now`` should compute it again.

        A figure from the future (a clock set back, as tests do) is stale too.
        """
        return not (now - 2 * every <= self.computed_at <= now)


def load(db: Database, name: str) -> Kept | None:
    """The figure kept under ``name``, or None if none is."""
    with db.read() as connection:
        row = connection.execute(
            sa.select(FIGURES.c.data, FIGURES.c.computed_at).where(
                FIGURES.c.name == name
            )
        ).first()
    return None if row is None else Kept(row.data, row.computed_at)


def save(db: Database, name: str, data: dict[str, Any], now: datetime) -> Kept:
    """Keep ``data`` under ``name`` as computed at ``now``.

    When two writers save the same figure at once, the one that finds the
    other's row already written keeps that row: both computed it from the
    same history.
    """
    values = {"data": data, "computed_at": now}
    try:
        with db.write() as connection:
            done = connection.execute(
                sa.update(FIGURES).where(FIGURES.c.name == name).values(**values)
            )
            if not done.rowcount:
                connection.execute(sa.insert(FIGURES).values(name=name, **values))
    except IntegrityError:
        pass
    return Kept(data, now)
