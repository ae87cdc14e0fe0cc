"""The engine the app talks to: one per app, built from the app's settings.

When ``SCHEDULER_IN_PROCESS`` is set, the app also runs the scheduler as a
thread on the same engine (see :mod:`engine.scheduler`) and stops it at exit.
"""

from __future__ import annotations

import atexit
import logging

from flask import Flask
from flask import current_app

from engine import Engine
from engine import register
from engine.config import build_engine
from engine.scheduler import start_in_background

EXTENSION = "ekerjasama.engine"
SCHEDULER = "ekerjasama.scheduler"

logger = logging.getLogger(__name__)


def get_engine() -> Engine:
    """Return the current app's engine."""
    return current_app.extensions[EXTENSION]


def refresh_register() -> None:
    """Bring the agreement register up to date after a step the view ran."""
    try:
        register.refresh(get_engine())
    except Exception:
        # The step itself is committed; the next refresh (any later step,
        # the scheduler or the CLI) writes the row instead.
        logger.exception("Register refresh failed")


def init_app(app: Flask) -> None:
    """Build the app's engine, bring its schema up to date, start the scheduler."""
    engine = app.config.get("ENGINE") or build_engine(app.config)
    engine.init_db()
    app.extensions[EXTENSION] = engine
    scheduler = start_in_background(engine, app.config)
    app.extensions[SCHEDULER] = scheduler
    if scheduler is not None:
        atexit.register(scheduler.stop)
