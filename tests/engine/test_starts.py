"""Processes with a timer start event start their own instances (issue 5).

The clock is a MovableClock set to 12 June 2025, 01:00 UTC; each test moves
it and runs one scheduler round in the same call.
"""

import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from bpmn_steps import open_names
from bpmn_steps import timer_rows

from engine import starts
from engine.scheduler import Scheduler

STARTS_BPMN = Path(__file__).parent / "defs" / "start_timers.bpmn"
START_TIMERS = starts.START_TIMERS


def start_rows(engine):
    query = sa.select(
        START_TIMERS.c.process_id, START_TIMERS.c.due_at, START_TIMERS.c.cycles
    ).order_by(START_TIMERS.c.process_id)
    with engine.db.read() as connection:
        return [tuple(row) for row in connection.execute(query)]


def instances(engine, process_id):
    return sorted(i.id for i in engine.list_instances(process_id=process_id))


def test_cycle_starts_one_instance_an_hour_three_times(engine, clock):
    engine.deploy([STARTS_BPMN])
    scheduler = Scheduler(engine, owner="test")

    clock.advance(minutes=59)
    assert scheduler.run_due()["starts"] == 0
    for hour in (1, 2, 3):
        clock.advance(hours=1)
        assert scheduler.run_due()["starts"] == 1
        assert len(instances(engine, "monev_hourly")) == hour
    clock.advance(days=2)

    assert scheduler.run_due()["starts"] == 0
    started = instances(engine, "monev_hourly")
    assert len(started) == 3
    for instance_id in started:
        assert open_names(engine, instance_id) == ["mh_report"]
        assert timer_rows(engine, instance_id) == []
        (event,) = engine.list_events(instance_id)[:1]
        assert (event.name, event.actor) == ("instance-started", "system")
        assert event.details["trigger"] == "timer"
    assert [p for p, _, _ in start_rows(engine)] == ["monev_once"]


def test_time_date_starts_one_instance(engine, clock):
    engine.deploy([STARTS_BPMN])
    scheduler = Scheduler(engine, owner="test")
    due = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
    assert ("monev_once", due, None) in start_rows(engine)

    clock.set(due - timedelta(seconds=1))
    scheduler.run_due()
    assert instances(engine, "monev_once") == []
    clock.set(due)
    scheduler.run_due()
    clock.advance(days=30)
    scheduler.run_due()

    (instance_id,) = instances(engine, "monev_once")
    assert open_names(engine, instance_id) == ["mo_report"]


def test_two_schedulers_racing_start_each_instance_once(engine, clock):
    engine.deploy([STARTS_BPMN])
    clock.advance(hours=3)
    schedulers = [Scheduler(engine, owner=f"s{n}", batch=1) for n in range(2)]
    go = threading.Barrier(2)

    def run(scheduler):
        go.wait()
        scheduler.run_due()

    threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(instances(engine, "monev_hourly")) == 3
    assert [p for p, _, _ in start_rows(engine)] == ["monev_once"]


def test_a_scheduler_with_an_expired_lease_starts_nothing(engine, clock):
    engine.deploy([STARTS_BPMN])
    clock.advance(hours=1)
    span = timedelta(minutes=5)
    (stale,) = starts.leases.claim(engine.db, START_TIMERS, clock.now(), "a", 1, span)

    clock.advance(minutes=6)
    assert starts.fire_due(engine, clock.now(), "b", 10, span) == 1
    assert starts.fire_one(engine, stale, clock.now()) is False

    assert len(instances(engine, "monev_hourly")) == 1


def test_a_newer_deploy_replaces_the_schedule(engine, clock, tmp_path):
    engine.deploy([STARTS_BPMN])
    daily = tmp_path / "start_timers.bpmn"
    daily.write_text(STARTS_BPMN.read_text().replace('"R3/PT1H"', '"R/P1D"'))

    clock.advance(minutes=30)
    engine.deploy([daily])

    rows = start_rows(engine)
    assert rows[0] == ("monev_hourly", clock.now() + timedelta(days=1), -1)
    (version,) = [p for p in engine.list_processes() if p.process_id == "monev_hourly"]
    assert version.version == 2
