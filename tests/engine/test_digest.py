"""The supervisors' weekly digest: counts per category, the oldest overdue."""

from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from console_support import CONSOLE
from console_support import KABAG
from console_support import OPD
from console_support import add_user

from engine import digest
from engine.cli import load_commands
from engine.config import figures_every
from engine.digest import DigestSchedule
from engine.notifications import Notifier
from engine.notifications import mapping_address_book
from engine.scheduler import Scheduler
from engine.scheduler import scheduler_from_config
from engine.store.models import OutboxMail

#: Monday 23 June 2025, 07:00 WIB.
MONDAY = datetime(2025, 6, 23, 0, 0, tzinfo=UTC)
BOOK = {
    "kabag": "kabag@grobogan.go.id",
    "sekda": ["sekda@grobogan.go.id", "kabag@grobogan.go.id"],
    "supervisor": "pemerintahan@grobogan.go.id",
    "siti": "siti@grobogan.go.id",
}


@pytest.fixture
def console(make_engine, clock):
    notifier = Notifier(mapping_address_book(BOOK), "https://kerjasama.example")
    engine = make_engine(notifier=notifier)
    engine.deploy([CONSOLE])
    add_user(engine, "kabag", {"supervisor"})
    add_user(engine, "sekda", {"supervisor", "admin"})
    add_user(engine, "siti", {"opd"})
    for days in range(12):
        clock.set(MONDAY - timedelta(days=6 + days, hours=days))
        engine.start("console", actor=OPD, business_key=f"PKS-{days}")
    clock.set(MONDAY - timedelta(hours=1))
    engine.start("console", actor=OPD, business_key="FRESH")
    clock.set(MONDAY)
    return engine


def outbox(engine):
    with engine.db.read() as connection:
        return connection.execute(sa.select(OutboxMail.__table__).order_by("id")).all()


def test_digest_counts_categories_and_names_the_oldest_overdue(console):
    built = digest.build(console)

    assert built.counts == {
        "incident": 0,
        "overdue": 12,
        "at_risk": 0,
        "waiting": 1,
        "suspended": 0,
    }
    assert len(built.overdue) == 10
    assert [row[1] for row in built.overdue] == [f"PKS-{n}" for n in range(11, 1, -1)]
    assert built.subject == "Ringkasan mingguan e-Kerjasama: 0 insiden, 12 terlambat"
    assert "Terlambat                      12" in built.body
    assert "Draft the proposal (PKS-11), opd: terlambat 12 hari 11 jam" in built.body
    assert "https://kerjasama.example/tasks/" in built.body


def test_digest_leaves_out_suspended_instances(console):
    (first,) = console.list_instances(business_key="PKS-11")
    console.suspend_instance(first.id, reason="Court case.", actor=KABAG)

    built = digest.build(console)

    assert (built.counts["overdue"], built.counts["suspended"]) == (11, 1)
    assert built.overdue[0][1] == "PKS-10"


def test_queue_mails_each_supervisor_address_once_a_week(console, clock):
    assert digest.queue(console) == 3

    mails = outbox(console)
    assert sorted(m.recipient for m in mails) == [
        "kabag@grobogan.go.id",
        "pemerintahan@grobogan.go.id",
        "sekda@grobogan.go.id",
    ]
    assert {m.subject for m in mails} == {digest.build(console).subject}
    clock.advance(days=2)
    assert digest.queue(console) == 0
    assert digest.queue(console, force=True) == 3
    clock.advance(days=5)
    assert digest.queue(console) == 3


def test_scheduler_job_queues_the_digest(console):
    scheduler = Scheduler(
        console, owner="test", digest=DigestSchedule.parse("mon 07:00")
    )

    assert scheduler.send_digest() == 3
    assert scheduler.send_digest() == 0


def test_scheduler_adds_a_weekly_job_at_the_set_time(console):
    scheduler = Scheduler(
        console, owner="test", poll=3600, digest=DigestSchedule.parse("fri 16:30")
    )
    scheduler.start()
    try:
        job = scheduler._aps.get_job("digest")
        trigger = str(job.trigger)
    finally:
        scheduler.stop()

    assert "day_of_week='fri'" in trigger
    assert "hour='16'" in trigger and "minute='30'" in trigger


def test_scheduler_keeps_the_console_figures_on_their_interval(console, clock):
    scheduler = scheduler_from_config(console, {"FIGURES_EVERY": "PT20M"})
    scheduler.start()
    try:
        trigger = str(scheduler._aps.get_job("figures").trigger)
    finally:
        scheduler.stop()
    scheduler.refresh_figures()

    assert scheduler.figures_every == timedelta(minutes=20)
    assert trigger == "interval[0:20:00]"
    assert console.supervision.history().computed_at == clock.now()


@pytest.mark.parametrize("text", ["P0D", "next week", "P1M"])
def test_figures_every_must_be_a_positive_duration(text):
    with pytest.raises(ValueError, match="FIGURES_EVERY"):
        figures_every({"FIGURES_EVERY": text})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon 07:00", DigestSchedule("mon", time(7, 0))),
        (" Fri 16:30 ", DigestSchedule("fri", time(16, 30))),
        ("", None),
    ],
    ids=["monday", "friday", "off"],
)
def test_schedule_is_read(text, expected):
    assert DigestSchedule.parse(text) == expected


@pytest.mark.parametrize("text", ["monday", "mon 7", "xyz 07:00", "mon 25:00"])
def test_unreadable_schedule_is_refused(text):
    with pytest.raises(ValueError, match="e.g. 'mon 07:00'"):
        DigestSchedule.parse(text)


@pytest.fixture
def run(database_url, monkeypatch, tmp_path, console):
    monkeypatch.setenv("EKERJASAMA_DATABASE_URL", database_url)
    monkeypatch.setenv("EKERJASAMA_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("EKERJASAMA_NOTIFY_EMAILS", '{"supervisor": "p@example.id"}')
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(load_commands(), list(args), catch_exceptions=False)

    return invoke


def test_cli_prints_the_digest_and_queues_it_with_send(run, console):
    printed = run("digest")

    assert printed.exit_code == 0
    assert printed.output.startswith("Subject: Ringkasan mingguan e-Kerjasama:")
    assert outbox(console) == []
    sent = run("digest", "--send")
    assert sent.output == "Queued the digest for 1 address(es) in the outbox.\n"
    assert [m.recipient for m in outbox(console)] == ["p@example.id"]


def test_cli_send_without_addresses_says_what_to_set(run, monkeypatch):
    monkeypatch.setenv("EKERJASAMA_NOTIFY_EMAILS", "{}")

    result = run("digest", "--send", "--role", "nobody")

    assert result.exit_code == 1
    assert "EKERJASAMA_NOTIFY_EMAILS" in result.output
