"""Timer events fire from the store, after a restart, when the clock says so.

The clock starts at 2025-06-12 01:00 UTC; a test moves it, then asks the
engine to fire what became due, as the scheduler would.
"""

from datetime import UTC
from datetime import datetime

import pytest
from bpmn_steps import open_names
from bpmn_steps import restart
from bpmn_steps import status
from bpmn_steps import task_states
from bpmn_steps import timer_rows
from support import BPMN
from support import complete_next

from engine import Actor

TIMERS = [BPMN / "timers.bpmn"]
#: Only supervisors cancel instances.
SUPERVISOR = Actor("kabag", {"supervisor"})


@pytest.fixture
def deployed(engine):
    engine.deploy(TIMERS)
    return engine


def test_interrupting_boundary_timer_cancels_task(
    deployed, make_engine, clock, officer
):
    instance_id = deployed.start("timer_deadline", actor=officer)
    assert timer_rows(deployed, instance_id) == [
        ("review_overdue", datetime(2025, 6, 15, 1, 0, tzinfo=UTC))
    ]

    engine = restart(deployed, make_engine)
    clock.advance(days=2)
    assert engine.fire_due_timers() == 0
    assert open_names(engine, instance_id) == ["review_draft"]
    clock.advance(days=1, seconds=1)
    assert engine.fire_due_timers() == 1

    assert open_names(engine, instance_id) == ["take_over_review"]
    assert task_states(engine, instance_id)["review_draft"] == ["cancelled"]
    assert timer_rows(engine, instance_id) == []
    assert "timer-fired" in [e.name for e in engine.list_events(instance_id)]
    complete_next(engine, instance_id, {}, officer, "take_over_review")
    assert status(engine, instance_id) == "completed"


def test_boundary_timer_is_dropped_when_task_completes(
    deployed, make_engine, clock, officer
):
    instance_id = deployed.start("timer_deadline", actor=officer)

    engine = restart(deployed, make_engine)
    complete_next(engine, instance_id, {}, officer, "review_draft")

    assert status(engine, instance_id) == "completed"
    assert timer_rows(engine, instance_id) == []
    clock.advance(days=3, seconds=1)
    assert engine.fire_due_timers() == 0


def test_cancelled_instance_drops_its_timers(deployed, make_engine, clock, officer):
    instance_id = deployed.start("timer_deadline", actor=officer)

    engine = restart(deployed, make_engine)
    engine.cancel_instance(instance_id, "Partner withdrew.", actor=SUPERVISOR)

    assert status(engine, instance_id) == "cancelled"
    assert timer_rows(engine, instance_id) == []
    assert task_states(engine, instance_id) == {"review_draft": ["cancelled"]}
    clock.advance(days=4)
    assert engine.fire_due_timers() == 0


def test_non_interrupting_cycle_timer_leaves_task_open(
    deployed, make_engine, clock, officer
):
    instance_id = deployed.start("timer_reminder", actor=officer)
    assert timer_rows(deployed, instance_id) == [
        ("sign_reminder", datetime(2025, 6, 12, 2, 0, tzinfo=UTC))
    ]

    clock.advance(hours=1, seconds=1)
    assert deployed.fire_due_timers() == 1
    assert open_names(deployed, instance_id) == ["remind_head", "sign"]

    engine = restart(deployed, make_engine)
    assert timer_rows(engine, instance_id) == [
        ("sign_reminder", datetime(2025, 6, 12, 3, 0, tzinfo=UTC))
    ]
    clock.advance(hours=1)
    assert engine.fire_due_timers() == 1
    clock.advance(days=3)
    assert engine.fire_due_timers() == 0

    assert open_names(engine, instance_id) == ["remind_head", "remind_head", "sign"]
    assert timer_rows(engine, instance_id) == []
    for name in ("remind_head", "remind_head", "sign"):
        complete_next(engine, instance_id, {}, officer, name)
    assert status(engine, instance_id) == "completed"


def test_intermediate_date_timer_waits_for_its_date(
    deployed, make_engine, clock, officer
):
    instance_id = deployed.start("timer_date", actor=officer)
    complete_next(deployed, instance_id, {}, officer, "publish")
    effective = datetime(2025, 7, 1, tzinfo=UTC)
    assert timer_rows(deployed, instance_id) == [("effective_date", effective)]

    engine = restart(deployed, make_engine)
    clock.set(datetime(2025, 6, 30, 23, 59, tzinfo=UTC))
    assert engine.fire_due_timers() == 0
    clock.set(datetime(2025, 7, 1, 0, 0, 1, tzinfo=UTC))
    assert engine.fire_due_timers() == 1

    assert open_names(engine, instance_id) == ["start_monitoring"]
    complete_next(engine, instance_id, {}, officer, "start_monitoring")
    assert status(engine, instance_id) == "completed"
