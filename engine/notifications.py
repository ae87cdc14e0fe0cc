"""Telling people: in-app notifications and e-mail through an outbox.

A notification goes to one user or to everyone holding a role. It is written
in the same transaction as whatever caused it, together with one outbox row
per e-mail address the address book has for the recipient. Sending happens
later, in a scheduler job (:func:`send_outbox`): a mail server that is down
delays the mail, retried with backoff, and never fails or rolls back an
engine step.

Who gets mail is data: the address book maps a user or role name to
addresses (the ``NOTIFY_EMAILS`` setting, or a callable the web app gives,
reading its users table).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from . import leases
from .records import Actor
from .store.models import Notification
from .store.models import NotificationRead
from .store.models import OutboxMail

if TYPE_CHECKING:
    from .runtime import Engine

logger = logging.getLogger(__name__)

NOTIFICATIONS = Notification.__table__
READS = NotificationRead.__table__
OUTBOX = OutboxMail.__table__

#: Attempts before an e-mail is given up on: about a day of backoff.
MAIL_ATTEMPTS = 10
MAIL_BACKOFF = timedelta(minutes=1)

#: ``(user, role) -> addresses``; exactly one of the two is given.
AddressBook = Callable[[str | None, str | None], list[str]]


@dataclass(frozen=True)
class NotificationInfo:
    id: int
    recipient_user: str | None
    recipient_role: str | None
    text: str
    link: str | None
    instance_id: int | None
    task_id: str | None
    created_at: datetime
    #: When the user asking read it; None while unread.
    read_at: datetime | None

    @property
    def read(self) -> bool:
        return self.read_at is not None


def mapping_address_book(mapping: Mapping[str, list[str] | str]) -> AddressBook:
    """An address book from ``{user or role name: address or addresses}``."""

    def lookup(user: str | None, role: str | None) -> list[str]:
        found = mapping.get(user or role or "", [])
        return [found] if isinstance(found, str) else list(found)

    return lookup


class Texts:
    """The Indonesian wording of the messages the engine sends."""

    def __init__(self, timezone: str = "Asia/Jakarta") -> None:
        self.timezone = ZoneInfo(timezone)

    def when(self, at: datetime | None) -> str:
        if at is None:
            return "-"
        local = at.astimezone(self.timezone)
        return f"{local:%d-%m-%Y %H:%M} {local.tzname()}"

    def reminder(self, task, due: datetime | None) -> str:
        return (
            f"Pengingat: tugas \u201c{task.title}\u201d{_case(task)} jatuh tempo "
            f"pada {self.when(due)}."
        )

    def overdue(self, task, due: datetime | None) -> str:
        return (
            f"Terlambat: tugas \u201c{task.title}\u201d{_case(task)} melewati "
            f"tenggat {self.when(due)} dan belum diselesaikan."
        )

    def reassigned(self, task, role: str) -> str:
        return (
            f"Tugas \u201c{task.title}\u201d{_case(task)} dialihkan ke {role} "
            "karena melewati tenggat."
        )


def _case(task) -> str:
    key = getattr(task, "business_key", None)
    return f" ({key})" if key else ""


class Notifier:
    """Writes notifications and queues their e-mail.

    :param address_book: e-mail addresses of a user or role.
    :param base_url: where the web app runs, for links in e-mail.
    :param timezone: the zone dates in messages are shown in.
    """

    def __init__(
        self,
        address_book: AddressBook | None = None,
        base_url: str = "http://localhost:5000",
        timezone: str = "Asia/Jakarta",
    ) -> None:
        self.address_book = address_book or mapping_address_book({})
        self.base_url = base_url.rstrip("/")
        self.texts = Texts(timezone)

    def __repr__(self) -> str:
        return f"<Notifier {self.base_url}>"

    def notify(
        self,
        connection: sa.Connection,
        text: str,
        task=None,
        now: datetime | None = None,
        *,
        user: str | None = None,
        role: str | None = None,
        instance_id: int | None = None,
    ) -> None:
        """Write a notification for ``user`` or ``role`` in the caller's transaction.

        ``task`` (a task index row) gives the link and the instance;
        ``instance_id`` names the instance of a notice that has no task.
        """
        if (user is None) == (role is None):
            raise ValueError("Notify exactly one of a user or a role.")
        link = f"/tasks/{task.id}" if task is not None else None
        connection.execute(
            sa.insert(NOTIFICATIONS).values(
                recipient_user=user,
                recipient_role=role,
                text=text,
                link=link,
                instance_id=getattr(task, "instance_id", instance_id),
                task_id=getattr(task, "id", None),
                created_at=now,
            )
        )
        mails = [
            {
                "recipient": address,
                "subject": _subject(text),
                "body": self._body(text, link),
                "created_at": now,
                "due_at": now,
                "attempts": 0,
            }
            for address in self.address_book(user, role)
        ]
        if mails:
            connection.execute(sa.insert(OUTBOX), mails)

    def _body(self, text: str, link: str | None) -> str:
        lines = ["Yth. Bapak/Ibu,", "", text]
        if link:
            lines += ["", f"Buka tugas: {self.base_url}{link}"]
        lines += ["", "-- ", "e-Kerjasama Kabupaten Grobogan"]
        return "\n".join(lines) + "\n"


def _subject(text: str) -> str:
    first = text.split(":", 1)[0] if ":" in text[:20] else "Pemberitahuan"
    return f"[e-Kerjasama] {first}"


def _for(actor: Actor):
    return sa.or_(
        NOTIFICATIONS.c.recipient_user == actor.name,
        NOTIFICATIONS.c.recipient_role.in_(sorted(actor.roles)),
    )


def _with_reads(actor: Actor):
    """Notifications joined to the actor's own reads of them."""
    mine = sa.and_(
        READS.c.notification_id == NOTIFICATIONS.c.id,
        READS.c.username == actor.name,
    )
    return NOTIFICATIONS.outerjoin(READS, mine)


def list_notifications(
    engine: Engine, actor: Actor, *, unread_only: bool = False, limit: int = 50
) -> list[NotificationInfo]:
    """The actor's notifications and those of their roles, newest first."""
    query = (
        sa.select(NOTIFICATIONS, READS.c.read_at)
        .select_from(_with_reads(actor))
        .where(_for(actor))
    )
    if unread_only:
        query = query.where(READS.c.read_at.is_(None))
    query = query.order_by(NOTIFICATIONS.c.id.desc()).limit(limit)
    with engine.db.read() as connection:
        return [NotificationInfo(**row._mapping) for row in connection.execute(query)]


def count_unread(engine: Engine, actor: Actor) -> int:
    """How many of the actor's notifications they have not read (for the bell)."""
    query = (
        sa.select(sa.func.count())
        .select_from(_with_reads(actor))
        .where(_for(actor), READS.c.read_at.is_(None))
    )
    with engine.db.read() as connection:
        return connection.scalar(query) or 0


def mark_read(engine: Engine, actor: Actor, ids=None) -> int:
    """Mark the actor's notifications ``ids`` (default: all) read; return how many.

    Reads are kept per user: another holder of the same role still sees a
    role's notification unread.
    """
    unread = (
        sa.select(
            NOTIFICATIONS.c.id,
            sa.literal(actor.name, READS.c.username.type),
            sa.literal(engine.clock.now(), READS.c.read_at.type),
        )
        .select_from(_with_reads(actor))
        .where(_for(actor), READS.c.read_at.is_(None))
    )
    if ids is not None:
        unread = unread.where(NOTIFICATIONS.c.id.in_(list(ids)))
    insert = postgresql.insert if not engine.db.is_sqlite else sqlite.insert
    statement = (
        insert(READS)
        .from_select(["notification_id", "username", "read_at"], unread)
        # A second click racing the first must not fail on the key.
        .on_conflict_do_nothing()
        .returning(READS.c.notification_id)
    )
    with engine.db.write() as connection:
        return len(connection.execute(statement).all())


class SmtpMailer:
    """Sends one e-mail at a time over SMTP.

    :param tls: ``none``, ``starttls`` or ``ssl``.
    """

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        tls: str = "none",
        sender: str = "e-kerjasama@localhost",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10,
    ) -> None:
        if tls not in ("none", "starttls", "ssl"):
            raise ValueError(
                f"SMTP_TLS must be 'none', 'starttls' or 'ssl', got {tls!r}."
            )
        self.host, self.port, self.tls = host, port, tls
        self.sender, self.timeout = sender, timeout
        self.username, self.password = username, password

    def __repr__(self) -> str:
        return f"<SmtpMailer {self.host}:{self.port} tls={self.tls}>"

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Send one message; raise ``OSError`` or ``smtplib.SMTPException``."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient
        message["Subject"] = subject
        message.set_content(body)
        if self.tls == "ssl":
            context = ssl.create_default_context()
            client = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


def send_outbox(
    engine: Engine, mailer, now: datetime, owner: str, limit: int = 50, span=None
) -> int:
    """Send the e-mail due at ``now``; return how many went out."""
    span = span or timedelta(minutes=5)
    sent = 0
    for mail in leases.claim(
        engine.db, OUTBOX, now, owner, limit, span, max_attempts=MAIL_ATTEMPTS
    ):
        try:
            mailer.send(mail.recipient, mail.subject, mail.body)
        except (OSError, smtplib.SMTPException) as e:
            attempts = leases.fail(
                engine.db, OUTBOX, mail, str(e) or type(e).__name__, now, MAIL_BACKOFF
            )
            logger.warning(
                "Mail %s to %s failed (attempt %s): %s",
                mail.id,
                mail.recipient,
                attempts,
                e,
            )
            continue
        with engine.db.write() as connection:
            connection.execute(
                sa.update(OUTBOX)
                .where(OUTBOX.c.id == mail.id)
                .values(sent_at=now, due_at=None, lock_owner=None, lock_expires_at=None)
            )
        sent += 1
        logger.info("Mail sent: %s to %s", mail.id, mail.recipient)
    return sent
