"""The weekly digest e-mail for supervisors.

Once a week (``DIGEST_SCHEDULE``, e.g. ``mon 07:00`` office time) the
scheduler queues, through the outbox, one e-mail to each address of the
users holding ``DIGEST_ROLE`` and of that role itself: how many instances
are in each category of the supervisor console, and the ten tasks that have
been overdue longest. ``ekerjasama digest`` prints it, and with ``--send``
queues it at once.

A week's digest is queued once: the audit trail keeps a ``digest-queued``
event naming the ISO week, which a second scheduler finds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from datetime import time
from typing import TYPE_CHECKING

import sqlalchemy as sa

from .reasons import duration
from .records import OPEN_STATES
from .records import SYSTEM
from .steps import EVENTS
from .steps import INSTANCES
from .steps import event_row
from .store.models import HumanTask
from .store.models import OutboxMail
from .store.models import User

if TYPE_CHECKING:
    from .runtime import Engine

logger = logging.getLogger(__name__)

TASKS = HumanTask.__table__
OUTBOX = OutboxMail.__table__
USERS = User.__table__
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: How many overdue tasks the digest names.
OLDEST = 10
_LABELS = {
    "incident": "Insiden",
    "overdue": "Terlambat",
    "at_risk": "Berisiko",
    "waiting": "Menunggu sesuai rancangan",
    "suspended": "Ditangguhkan",
}


@dataclass(frozen=True)
class DigestSchedule:
    """A weekday and a time of day, in the office's time zone.

    Usage::

        DigestSchedule.parse("mon 07:00")
    """

    weekday: str
    at: time

    @classmethod
    def parse(cls, text: str) -> DigestSchedule | None:
        """Read ``"mon 07:00"``; None for an empty text (no digest).

        :raise ValueError: the text is neither empty nor such a schedule.
        """
        if not text or not text.strip():
            return None
        parts = text.strip().lower().split()
        try:
            day, clock = parts
            hour, minute = (int(p) for p in clock.split(":"))
            at = time(hour, minute)
        except ValueError:
            day = ""
        if day not in WEEKDAYS:
            raise ValueError(
                f"Cannot read the digest schedule {text!r}; write a weekday and "
                "a time, e.g. 'mon 07:00'."
            )
        return cls(day, at)


@dataclass(frozen=True)
class Digest:
    subject: str
    body: str
    counts: dict[str, int]
    #: ``[(title, business key, assignee or lane, due at, late seconds, task id)]``.
    overdue: list[tuple]


def build(engine: Engine, now: datetime | None = None) -> Digest:
    """The digest as of ``now`` (default: the engine's clock)."""
    now = now or engine.clock.now()
    summary = engine.supervision.summary(now=now)
    counts = {**summary["categories"], "suspended": summary["suspended"]}
    overdue = oldest_overdue(engine, now)
    subject = (
        f"Ringkasan mingguan e-Kerjasama: {counts['incident']} insiden, "
        f"{counts['overdue']} terlambat"
    )
    when = engine.notifier.texts.when(now)
    lines = ["Yth. Bapak/Ibu Supervisor,", "", f"Keadaan per {when}:", ""]
    lines += [f"  {_LABELS[k]:<26} {n:>6}" for k, n in counts.items()]
    lines += ["", f"{OLDEST} tugas yang paling lama terlambat:", ""]
    if not overdue:
        lines.append("  Tidak ada tugas yang terlambat.")
    base = engine.notifier.base_url
    for title, key, holder, due, late, task_id in overdue:
        case = f" ({key})" if key else ""
        lines.append(f"  - {title}{case}, {holder}: terlambat {duration(late)}")
        lines.append(f"    tenggat {engine.notifier.texts.when(due)}")
        lines.append(f"    {base}/tasks/{task_id}")
    lines += ["", f"Konsol supervisor: {base}/supervisor", ""]
    lines += ["-- ", "e-Kerjasama Kabupaten Grobogan"]
    return Digest(subject, "\n".join(lines) + "\n", counts, overdue)


def oldest_overdue(engine: Engine, now: datetime, limit: int = OLDEST) -> list:
    """The open tasks past their due date the longest, of running instances."""
    query = (
        sa.select(
            TASKS.c.title,
            INSTANCES.c.business_key,
            sa.func.coalesce(TASKS.c.assignee, TASKS.c.lane, ""),
            TASKS.c.due_at,
            TASKS.c.id,
        )
        .join(INSTANCES, INSTANCES.c.id == TASKS.c.instance_id)
        .where(
            TASKS.c.state.in_(OPEN_STATES),
            TASKS.c.due_at < now,
            INSTANCES.c.status == "active",
        )
        .order_by(TASKS.c.due_at, TASKS.c.id)
        .limit(limit)
    )
    with engine.db.read() as connection:
        rows = connection.execute(query).all()
    return [
        (title, key, holder, due, int((now - due).total_seconds()), task_id)
        for title, key, holder, due, task_id in rows
    ]


def recipients(engine: Engine, role: str) -> list[str]:
    """The addresses of ``role``'s active users and of the role itself."""
    with engine.db.read() as connection:
        users = connection.execute(sa.select(USERS.c.username, USERS.c.roles)).all()
    book = engine.notifier.address_book
    found = list(book(None, role))
    for username, roles in users:
        if role in (roles or []):
            found += book(username, None)
    return list(dict.fromkeys(found))


def queue(
    engine: Engine,
    role: str = "supervisor",
    now: datetime | None = None,
    *,
    force=False,
) -> int:
    """Queue this week's digest for ``role``; return how many e-mails.

    Unless ``force``, nothing is queued when this ISO week's digest was.
    """
    now = now or engine.clock.now()
    week = "{}-W{:02d}".format(*now.isocalendar()[:2])
    addresses = recipients(engine, role)
    digest = build(engine, now)
    with engine.db.write() as connection:
        if not force and _queued(connection, week, role):
            return 0
        if addresses:
            connection.execute(
                sa.insert(OUTBOX),
                [
                    {
                        "recipient": address,
                        "subject": digest.subject,
                        "body": digest.body,
                        "created_at": now,
                        "due_at": now,
                        "attempts": 0,
                    }
                    for address in addresses
                ],
            )
        details = {"week": week, "role": role, "recipients": len(addresses)}
        connection.execute(
            sa.insert(EVENTS),
            event_row(None, None, "digest-queued", SYSTEM, now, details),
        )
    logger.info("Digest queued: %s to %s address(es)", week, len(addresses))
    return len(addresses)


def _queued(connection, week: str, role: str) -> bool:
    rows = connection.scalars(
        sa.select(EVENTS.c.details).where(
            EVENTS.c.name == "digest-queued", EVENTS.c.instance_id.is_(None)
        )
    )
    return any(d.get("week") == week and d.get("role") == role for d in rows)
