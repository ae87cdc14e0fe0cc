"""Notices: the reminders and copies that diagrams send (``notify.send``).

A service task calls ``notify.send`` with ``kepada`` (who) and ``pesan``
(what). The operation does no I/O: it returns the notice, the step keeps it
in the task's result variable, and the audit trail records the step. The
web app delivers notices (in-app, e-mail, WhatsApp) from there, so a failed
delivery never rolls back an instance.
"""

from __future__ import annotations

import logging
from typing import Any

from .clock import current_time

logger = logging.getLogger(__name__)


def send(params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Return the notice ``{kepada, pesan, waktu}`` for the step to keep."""
    notice = {
        "kepada": str(params.get("kepada") or ""),
        "pesan": str(params.get("pesan") or ""),
        "waktu": current_time().isoformat(),
    }
    logger.info("Notice: to %s", notice["kepada"])
    return notice


def setup(options, config) -> None:
    """Register the ``notify.send`` service operation."""
    options.services.register("notify.send", send)
