"""The scheduler fires every kind of timer once, on time, and survives failures.

Most tests move a MovableClock and run one round in the same call
(``Scheduler.run_due``); the background-thread tests wait on an event that
the scheduler sets after a round, never on a fixed sleep.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from bpmn_steps import open_names
from bpmn_steps import status
from bpmn_steps import task_states
from bpmn_steps import timer_rows
from click.testing import CliRunner
from support import POSTGRES_URL

from engine import SYSTEM
from engine import Engine
from engine import SystemClock
from engine.cli import load_commands
from engine.scheduler import Scheduler
from engine.store.models import Event
from engine.store.models import Timer

CLOCK_BPMN = Path(__file__).parent / "defs" / "clock.bpmn"
TIMERS = Timer.__table__
EVENTS = Event.__table__


@pytest.fixture
def deployed(engine):
    engine.deploy([CLOCK_BPMN])
    return engine


@pytest.fixture
def scheduler(deployed):
    return Scheduler(deployed, owner="test")


def names(engine, instance_id):
    return [e.name for e in engine.list_events(instance_id)]


def test_start_timer_on_a_date_fires(deployed, scheduler, clock):
    instance_id = deployed.start("monev_start", actor=SYSTEM)
    assert open_names(deployed, instance_id) == []

    clock.set(datetime(2025, 6, 30, 16, 59, tzinfo=UTC))
    assert scheduler.run_due()["timers"] == 0
    clock.set(datetime(2025, 6, 30, 17, 0, 1, tzinfo=UTC))
    assert scheduler.run_due()["timers"] == 1

    assert open_names(deployed, instance_id) == ["ms_report"]


def test_intermediate_duration_timer_fires(deployed, scheduler, clock):
    instance_id = deployed.start(
        "dprd_wait", actor=SYSTEM, data={"wait": "P45D", "divisor": 1}
    )

    clock.advance(days=45, seconds=1)
    assert scheduler.run_due()["timers"] == 1

    assert status(deployed, instance_id) == "completed"
    assert names(deployed, instance_id).count("timer-fired") == 1


def test_interrupting_deadline_cancels_its_task(deployed, scheduler, clock):
    instance_id = deployed.start("sign_deadline", actor=SYSTEM)

    clock.advance(days=5, seconds=1)
    scheduler.run_due()

    states = task_states(deployed, instance_id)
    assert states["sd_sign"] == ["cancelled"]
    assert states["sd_chase"] == ["ready"]
    assert timer_rows(deployed, instance_id) == []


def test_non_interrupting_cycle_leaves_its_task_and_fires_each_cycle(
    deployed, scheduler, clock
):
    instance_id = deployed.start("sign_deadline", actor=SYSTEM)

    clock.advance(days=3, seconds=1)
    scheduler.run_due()

    states = task_states(deployed, instance_id)
    assert states["sd_sign"] == ["ready"]
    assert states["sd_remind"] == ["ready", "ready", "ready"]
    assert [name for name, _ in timer_rows(deployed, instance_id)] == ["sd_late"]


def test_a_fired_timer_does_not_fire_again_for_a_stale_lease(
    deployed, scheduler, clock
):
    instance_id = deployed.start(
        "dprd_wait", actor=SYSTEM, data={"wait": "PT1H", "divisor": 1}
    )
    clock.advance(hours=1, seconds=1)
    (row,) = _rows(deployed)
    assert scheduler.run_due()["timers"] == 1

    # A scheduler whose lease had expired comes back with the old row.
    from engine import timers

    assert timers.fire_one(deployed, row, clock.now()) is False
    assert names(deployed, instance_id).count("timer-fired") == 1


def test_expired_lease_of_a_crashed_scheduler_is_taken_over(deployed, scheduler, clock):
    instance_id = deployed.start(
        "dprd_wait", actor=SYSTEM, data={"wait": "PT1H", "divisor": 1}
    )
    clock.advance(hours=1, seconds=1)
    with deployed.db.write() as connection:
        connection.execute(
            sa.update(TIMERS).values(
                lock_owner="crashed", lock_expires_at=clock.now() + timedelta(minutes=5)
            )
        )

    assert scheduler.run_due()["timers"] == 0
    clock.advance(minutes=5, seconds=1)
    assert scheduler.run_due()["timers"] == 1
    assert status(deployed, instance_id) == "completed"


def test_failing_timer_is_retried_with_backoff_then_becomes_an_incident(
    deployed, scheduler, clock
):
    instance_id = deployed.start(
        "dprd_wait", actor=SYSTEM, data={"wait": "PT1H", "divisor": 0}
    )
    clock.advance(hours=1, seconds=1)

    for backoff in (1, 2, 4, 8):
        assert scheduler.run_due()["timers"] == 0
        assert deployed.get_instance(instance_id).status == "active"
        clock.advance(minutes=backoff, seconds=1)
    assert scheduler.run_due()["timers"] == 0
    clock.advance(days=1)
    assert scheduler.run_due()["timers"] == 0

    (row,) = _rows(deployed)
    assert (row.attempts, row.lock_owner) == (5, None)
    assert "division by zero" in row.last_error
    error = deployed.get_instance(instance_id).error
    assert "failed 5 times" in error["message"]
    assert names(deployed, instance_id).count("timer-failed") == 5


def test_scheduler_thread_fires_within_two_seconds(make_engine):
    engine = make_engine(clock=SystemClock())
    engine.deploy([CLOCK_BPMN])
    fired = threading.Event()
    scheduler = Scheduler(
        engine,
        owner="thread",
        poll=60,
        after_round=lambda counts: counts["timers"] and fired.set(),
    )
    scheduler.start()
    try:
        # Written after the scheduler went to sleep for the 60 s poll: only
        # the step's wake-up call can make it fire on time.
        instance_id = engine.start(
            "dprd_wait", actor=SYSTEM, data={"wait": "PT1S", "divisor": 1}
        )
        (due,) = [due for _, due in timer_rows(engine, instance_id)]
        assert fired.wait(10)
    finally:
        scheduler.stop()

    (event,) = [e for e in engine.list_events(instance_id) if e.name == "timer-fired"]
    assert timedelta(0) <= event.created_at - due < timedelta(seconds=2)


@pytest.mark.skipif(POSTGRES_URL is None, reason="PostgreSQL is not reachable.")
@pytest.mark.parametrize("backend", ["postgresql"])
def test_notify_wakes_a_scheduler_of_another_engine(backend, make_engine):
    writer = make_engine(clock=SystemClock())
    writer.deploy([CLOCK_BPMN])
    fired = threading.Event()
    scheduler = Scheduler(
        make_engine(clock=SystemClock()),
        owner="listener",
        poll=60,
        after_round=lambda counts: counts["timers"] and fired.set(),
    )
    scheduler.start()
    try:
        # Let the first round finish, so the scheduler sleeps for the poll.
        assert not fired.wait(0.5)
        instance_id = writer.start(
            "dprd_wait", actor=SYSTEM, data={"wait": "PT1S", "divisor": 1}
        )
        (due,) = [due for _, due in timer_rows(writer, instance_id)]
        assert fired.wait(10)
    finally:
        scheduler.stop()

    (event,) = [e for e in writer.list_events(instance_id) if e.name == "timer-fired"]
    assert timedelta(0) <= event.created_at - due < timedelta(seconds=2)


def test_scheduler_command_once_fires_what_is_due(engine, monkeypatch, tmp_path):
    engine.deploy([CLOCK_BPMN])
    engine.clock.set(datetime.now(UTC) - timedelta(hours=2))
    instance_id = engine.start(
        "dprd_wait", actor=SYSTEM, data={"wait": "PT1H", "divisor": 1}
    )
    monkeypatch.setenv("EKERJASAMA_DATABASE_URL", str(engine.db.engine.url))
    monkeypatch.setenv("EKERJASAMA_INSTANCE_PATH", str(tmp_path))

    result = CliRunner().invoke(
        load_commands(), ["scheduler", "--once"], catch_exceptions=False
    )

    assert result.output == "Fired 1 timer(s), 0 escalation(s); sent 0 e-mail(s).\n"
    assert status(engine, instance_id) == "completed"


def _rows(engine: Engine):
    with engine.db.read() as connection:
        return list(connection.execute(sa.select(TIMERS)))


@pytest.mark.slow
@pytest.mark.skipif(POSTGRES_URL is None, reason="PostgreSQL is not reachable.")
@pytest.mark.parametrize("backend", ["postgresql"])
def test_three_scheduler_processes_fire_each_of_1000_timers_once(
    backend, database_url, make_engine, clock, tmp_path
):
    engine = make_engine()
    engine.deploy([CLOCK_BPMN])
    clock.set(datetime.now(UTC) - timedelta(hours=1))
    for _ in range(1000):
        engine.start("dprd_wait", actor=SYSTEM, data={"wait": "PT1M", "divisor": 1})
    env = {
        **os.environ,
        "EKERJASAMA_DATABASE_URL": database_url,
        "EKERJASAMA_INSTANCE_PATH": str(tmp_path),
        "EKERJASAMA_SCHEDULER_POLL": "1",
    }
    command = [sys.executable, "-m", "engine.cli", "scheduler", "--owner"]
    schedulers = [
        subprocess.Popen([*command, f"s{n}"], env=env, stdout=subprocess.DEVNULL)
        for n in range(3)
    ]
    try:
        fired = _wait_for_fired(engine, 1000, within=60)
    finally:
        for process in schedulers:
            process.send_signal(signal.SIGTERM)
        for process in schedulers:
            process.wait(timeout=30)

    assert fired == 1000
    per_instance = (
        sa.select(EVENTS.c.instance_id, sa.func.count())
        .where(EVENTS.c.name == "timer-fired")
        .group_by(EVENTS.c.instance_id)
    )
    with engine.db.read() as connection:
        counts = [n for _, n in connection.execute(per_instance)]
        left = connection.scalar(sa.select(sa.func.count()).select_from(TIMERS))
    assert (len(counts), set(counts), left) == (1000, {1}, 0)
    assert [p.returncode for p in schedulers] == [0, 0, 0]


def _wait_for_fired(engine: Engine, expected: int, within: float) -> int:
    """Return how many timers fired once ``expected`` did, or time ran out."""
    query = (
        sa.select(sa.func.count())
        .select_from(EVENTS)
        .where(EVENTS.c.name == "timer-fired")
    )
    deadline = time.monotonic() + within
    done = threading.Event()
    fired = 0
    while time.monotonic() < deadline:
        with engine.db.read() as connection:
            fired = connection.scalar(query)
        if fired >= expected:
            break
        done.wait(0.2)
    return fired
