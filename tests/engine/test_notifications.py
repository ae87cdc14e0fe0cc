"""In-app notifications, and e-mail sent through the outbox by the scheduler.

The e-mail tests run a local SMTP server (aiosmtpd) on a free port and read
what arrived; with the server down, engine steps still succeed and the mail
waits in the outbox for the next attempt.
"""

import socket
from datetime import UTC
from datetime import datetime
from email import message_from_bytes
from email import policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from engine import Actor
from engine.notifications import OUTBOX
from engine.notifications import Notifier
from engine.notifications import SmtpMailer
from engine.notifications import mapping_address_book
from engine.scheduler import Scheduler

CLOCK_BPMN = Path(__file__).parent / "defs" / "clock.bpmn"
THURSDAY = datetime(2025, 6, 5, 1, 0, tzinfo=UTC)
OVERDUE = datetime(2025, 6, 12, 1, 0, 1, tzinfo=UTC)
SITI = Actor("siti", {"legal"})
KABAG = Actor("kabag", {"head"})
ADDRESSES = {"head": ["kabag@grobogan.example"], "siti": "siti@grobogan.example"}


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def inbox(smtp_port):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def office(make_engine, clock, smtp_port):
    """An engine that mails the head, and a scheduler with a mailer."""
    clock.set(THURSDAY)
    notifier = Notifier(mapping_address_book(ADDRESSES), "https://kerjasama.example")
    engine = make_engine(notifier=notifier)
    engine.deploy([CLOCK_BPMN])
    mailer = SmtpMailer("127.0.0.1", smtp_port, sender="noreply@grobogan.example")
    return engine, Scheduler(engine, owner="test", mailer=mailer)


def write(engine, user=None, role=None, text="Tugas baru."):
    with engine.db.write() as connection:
        engine.notifier.notify(
            connection, text, now=engine.clock.now(), user=user, role=role
        )


def test_notifications_reach_the_user_and_the_roles_holders(engine):
    write(engine, user="siti", text="Untuk Siti.")
    write(engine, role="legal", text="Untuk bagian hukum.")
    write(engine, role="head", text="Untuk kepala.")

    assert [n.text for n in engine.list_notifications(SITI)] == [
        "Untuk bagian hukum.",
        "Untuk Siti.",
    ]
    assert engine.count_unread(SITI) == 2
    assert engine.count_unread(KABAG) == 1


def test_mark_read_one_or_all(engine):
    write(engine, user="siti")
    write(engine, role="legal")
    newest = engine.list_notifications(SITI)[0]

    assert engine.mark_read(SITI, [newest.id]) == 1
    assert engine.count_unread(SITI) == 1
    assert engine.mark_read(KABAG) == 0
    assert engine.mark_read(SITI) == 1
    assert engine.count_unread(SITI) == 0
    assert all(n.read for n in engine.list_notifications(SITI))
    assert engine.list_notifications(SITI, unread_only=True) == []


def test_role_notification_is_read_per_holder(engine):
    """Issue 5: one holder reading a role's notification reads it for them only."""
    other = Actor("rina", {"legal"})
    write(engine, role="legal", text="Untuk bagian hukum.")

    assert engine.mark_read(SITI) == 1
    assert engine.mark_read(SITI) == 0

    assert engine.count_unread(SITI) == 0
    assert engine.count_unread(other) == 1
    (seen,) = engine.list_notifications(SITI)
    (unseen,) = engine.list_notifications(other, unread_only=True)
    assert (seen.read, unseen.read) == (True, False)
    assert seen.read_at == engine.clock.now()
    assert engine.mark_read(other, [unseen.id]) == 1


def test_notify_needs_exactly_one_recipient(engine):
    with pytest.raises(ValueError, match="exactly one of a user or a role"):
        write(engine, user="siti", role="legal")


def test_overdue_task_is_mailed_to_the_supervisor_in_indonesian(office, inbox, clock):
    engine, scheduler = office
    instance_id = engine.start("legal_review", actor=SITI, business_key="PKS/7/2025")
    (task,) = engine.list_tasks(instance_id=instance_id)

    clock.set(OVERDUE)
    counts = scheduler.run_due()

    assert counts["mails"] == 1
    ((recipients, message),) = inbox.messages
    assert recipients == ["kabag@grobogan.example"]
    assert message["From"] == "noreply@grobogan.example"
    assert message["Subject"] == "[e-Kerjasama] Terlambat"
    body = message.get_content()
    assert "tugas \u201cTelaah hukum\u201d (PKS/7/2025) melewati tenggat" in body
    assert f"https://kerjasama.example/tasks/{task.id}" in body


def test_mail_server_down_does_not_stop_steps_and_mail_is_retried(
    office, smtp_port, clock
):
    engine, scheduler = office
    instance_id = engine.start("legal_review", actor=SITI)

    clock.set(OVERDUE)
    counts = scheduler.run_due()

    assert (counts["escalations"], counts["mails"]) == (2, 0)
    assert "task-overdue" in [e.name for e in engine.list_events(instance_id)]
    ((attempts, error),) = _outbox(engine, "attempts", "last_error")
    assert attempts == 1 and error
    (task,) = engine.list_tasks(instance_id=instance_id)
    engine.complete_task(task.id, {}, actor=Actor("budi", {"cooperation"}))

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert scheduler.run_due()["mails"] == 0
        clock.advance(minutes=1, seconds=1)
        assert scheduler.run_due()["mails"] == 1
    finally:
        controller.stop()
    assert [to for to, _ in handler.messages] == [["kabag@grobogan.example"]]
    ((sent_at,),) = _outbox(engine, "sent_at")
    assert sent_at == clock.now()


def _outbox(engine, *columns):
    query = sa.select(*(OUTBOX.c[name] for name in columns)).order_by(OUTBOX.c.id)
    with engine.db.read() as connection:
        return [tuple(row) for row in connection.execute(query)]
