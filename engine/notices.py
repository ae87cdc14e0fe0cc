"""Notices: the reminders and copies that diagrams send (``notify.send``).

A service task calls ``notify.send`` with ``kepada`` (who: one or more
names separated by ``;``) and ``pesan`` (what). The operation writes
nothing itself: it returns the notice, which the step keeps in the task's
result variable, and asks for it to be delivered once the step commits
(:func:`engine.steps.after_commit`). Delivery writes an in-app
notification, and queues e-mail, for every name that is a lane of the
instance's process; a failed delivery is logged and never rolls back the
step. Partners and bodies outside the regency (the Mitra lane, a partner
institution, the Governor) get no in-app notice: a notification to the Mitra
lane would reach every partner.
"""

from __future__ import annotations

import logging
from typing import Any

from .clock import current_time
from .steps import after_commit

logger = logging.getLogger(__name__)


def send(params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Return the notice ``{kepada, pesan, waktu}`` for the step to keep."""
    notice = {
        "kepada": str(params.get("kepada") or ""),
        "pesan": str(params.get("pesan") or ""),
        "waktu": current_time().isoformat(),
    }
    logger.info("Notice: to %s", notice["kepada"])
    after_commit({"notice": notice})
    return notice


def recipients(kepada: str, lanes) -> list[str]:
    """The lanes among the ``;``-separated names a notice is addressed to."""
    names = [name.strip() for name in kepada.split(";")]
    return [name for name in names if name in lanes and name != "Mitra"]


def deliver(engine, loaded, items, now) -> None:
    """Commit hook: write the notices a step sent as notifications."""
    notices = [item["notice"] for item in items if "notice" in item]
    if not notices:
        return
    lanes = engine.versions.get(loaded.version_id).lanes
    with engine.db.write() as connection:
        for notice in notices:
            for role in recipients(notice["kepada"], lanes):
                engine.notifier.notify(
                    connection,
                    notice["pesan"],
                    None,
                    now,
                    role=role,
                    instance_id=loaded.id,
                )


def setup(options, config) -> None:
    """Register the ``notify.send`` service operation and its delivery."""
    options.services.register("notify.send", send)
    options.commit_hooks.append(deliver)
