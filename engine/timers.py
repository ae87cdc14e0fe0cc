"""Firing due timers, once each, however many schedulers ask.

A timer row is leased (``lock_owner``, ``lock_expires_at``) before its instance
is stepped; the step's own transaction then deletes or moves the row. A
scheduler that dies mid-fire leaves a lease that expires, and another takes
the timer over. A timer whose step fails is retried with backoff, and after
the last attempt it stays as an incident on the instance.
"""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from .errors import Conflict
from .errors import EngineError
from .errors import InstanceNotActive
from .errors import ScriptError
from .records import SYSTEM
from .store.models import Timer

if TYPE_CHECKING:
    from .runtime import Engine
    from .runtime import Loaded

logger = logging.getLogger(__name__)

TIMERS = Timer.__table__

#: Attempts before a failing timer is left as an incident.
MAX_ATTEMPTS = 5
#: Backoff after the n-th failure: 1 min, 2 min, 4 min, ...
BACKOFF = timedelta(minutes=1)
#: A hair past the due time: SpiffWorkflow fires timers strictly after it.
_EPSILON = timedelta(microseconds=1)


def due_timers(engine: Engine, now: datetime, limit: int) -> list:
    with engine.db.read() as connection:
        return list(
            connection.execute(
                select(TIMERS)
                .where(
                    TIMERS.c.due_at <= now,
                    TIMERS.c.attempts < MAX_ATTEMPTS,
                    or_(TIMERS.c.lock_owner.is_(None), TIMERS.c.lock_expires_at < now),
                )
                .order_by(TIMERS.c.due_at)
                .limit(limit)
            )
        )


def lease(engine: Engine, timer, owner: str, now: datetime, span) -> bool:
    """Take the lease on ``timer``; False if another scheduler holds it."""
    with engine.db.write() as connection:
        result = connection.execute(
            update(TIMERS)
            .where(
                TIMERS.c.id == timer.id,
                or_(TIMERS.c.lock_owner.is_(None), TIMERS.c.lock_expires_at < now),
            )
            .values(lock_owner=owner, lock_expires_at=now + span)
        )
        return result.rowcount == 1


def release(engine: Engine, timer, error: str | None, now: datetime) -> None:
    values: dict = {"lock_owner": None, "lock_expires_at": None}
    if error is not None:
        attempts = timer.attempts + 1
        values.update(
            attempts=attempts,
            last_error=error,
            due_at=now + BACKOFF * 2 ** (attempts - 1),
        )
    with engine.db.write() as connection:
        connection.execute(
            update(TIMERS).where(TIMERS.c.id == timer.id).values(**values)
        )


def fire_due(engine: Engine, now: datetime, owner: str, limit: int, span) -> int:
    fired = 0
    for timer in due_timers(engine, now, limit):
        if not lease(engine, timer, owner, now, span):
            continue
        if fire_one(engine, timer, now):
            fired += 1
    return fired


def fire_one(engine: Engine, timer, now: datetime) -> bool:
    """Step the timer's instance at ``now``; return True if it fired."""

    def fire(loaded: Loaded, completed: dict) -> dict:
        workflow = loaded.workflow
        workflow.refresh_timers()
        workflow.do_engine_steps()
        return {"element": timer.element, "due_at": timer.due_at.isoformat()}

    at = max(now, timer.due_at + _EPSILON)
    try:
        engine.run_step(
            timer.instance_id, fire, SYSTEM, "timer-fired", at=at, timer_id=timer.id
        )
    except Conflict:
        release(engine, timer, None, now)
        return False
    except InstanceNotActive:
        release(engine, timer, None, now)
        return False
    except ScriptError as e:
        release(engine, timer, str(e), now)
        return False
    except EngineError as e:
        logger.warning(
            "Timer %s of instance %s failed: %s", timer.id, timer.instance_id, e
        )
        release(engine, timer, str(e), now)
        return False
    logger.info("Timer fired: %s in %s", timer.element, timer.instance_id)
    return True
