"""Task due dates, overdue tasks, and the reminders and escalations after them."""

from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from support import assert_waits_current

from engine import SYSTEM
from engine import Actor
from engine import DefinitionError
from engine.notifications import Notifier
from engine.scheduler import Scheduler

CLOCK_BPMN = Path(__file__).parent / "defs" / "clock.bpmn"
#: Thursday 5 June 2025, 08:00 WIB; Friday is Idul Adha, Monday cuti bersama.
THURSDAY = datetime(2025, 6, 5, 1, 0, tzinfo=UTC)
#: Three working days later.
DUE = datetime(2025, 6, 12, 1, 0, tzinfo=UTC)
#: Just past the reminder, one day before the due date.
REMINDER = datetime(2025, 6, 11, 1, 0, 1, tzinfo=UTC)
SITI = Actor("siti", {"legal"})
KABAG = Actor("kabag", {"head"})
BUDI = Actor("budi", {"cooperation"})


@pytest.fixture
def review(engine, clock):
    clock.set(THURSDAY)
    engine.deploy([CLOCK_BPMN])
    instance_id = engine.start("legal_review", actor=SITI, business_key="PKS/7/2025")
    (task,) = engine.list_tasks(instance_id=instance_id)
    return engine, Scheduler(engine, owner="test"), task


def events(engine, task):
    return [e for e in engine.list_events(task.instance_id) if e.task_id == task.id]


def test_due_in_working_days_is_indexed(review):
    engine, _, task = review

    assert task.due_at == DUE


def test_boundary_timer_gives_the_task_its_due_date(engine, clock):
    engine.deploy([CLOCK_BPMN])
    instance_id = engine.start("sign_deadline", actor=SYSTEM)

    (task,) = engine.list_tasks(instance_id=instance_id)
    assert task.due_at == datetime(2025, 6, 17, 1, 0, tzinfo=UTC)


def test_overdue_tasks_are_listed_for_their_lane(review, clock):
    engine, _, task = review
    assert engine.list_overdue_tasks() == []

    clock.set(DUE.replace(second=1))

    assert [t.id for t in engine.list_overdue_tasks()] == [task.id]
    assert [t.id for t in engine.list_overdue_tasks(actor=SITI)] == [task.id]
    assert engine.list_overdue_tasks(actor=BUDI) == []


def test_reminder_before_due_goes_to_the_lane_then_to_the_assignee(make_engine, clock):
    engine = make_engine()
    clock.set(THURSDAY)
    engine.deploy([CLOCK_BPMN])
    scheduler = Scheduler(engine, owner="test")
    first = engine.start("legal_review", actor=SITI)
    second = engine.start("legal_review", actor=SITI)
    (claimed,) = engine.list_tasks(instance_id=second)
    engine.claim_task(claimed.id, actor=SITI)

    clock.set(datetime(2025, 6, 11, 0, 59, tzinfo=UTC))
    assert scheduler.run_due()["escalations"] == 0
    clock.set(datetime(2025, 6, 11, 1, 0, 1, tzinfo=UTC))
    assert scheduler.run_due()["escalations"] == 2

    recipients = {
        (n.instance_id, n.recipient_user, n.recipient_role)
        for n in engine.list_notifications(SITI)
    }
    assert recipients == {(first, None, "legal"), (second, "siti", None)}
    reminded = [e for e in engine.list_events(first) if e.name == "task-reminded"]
    assert reminded[0].details["role"] == "legal"


def test_overdue_task_tells_the_supervisor_and_moves_to_the_reassign_role(
    review, clock
):
    engine, scheduler, task = review
    clock.set(DUE.replace(second=1))

    assert scheduler.run_due()["escalations"] == 2

    assert [e.name for e in events(engine, task)] == [
        "task-reminded",
        "task-overdue",
        "task-reassigned",
    ]
    moved = engine.get_task(task.id)
    assert (moved.lane, moved.assignee, moved.state) == ("cooperation", None, "ready")
    assert_waits_current(engine)
    (told,) = engine.list_notifications(KABAG)
    assert told.text.startswith(
        "Terlambat: tugas \u201cTelaah hukum\u201d (PKS/7/2025)"
    )
    assert "12-06-2025 08:00 WIB" in told.text
    assert told.link == f"/tasks/{task.id}"
    engine.complete_task(task.id, {}, actor=BUDI)
    assert engine.get_instance(task.instance_id).status == "completed"


def test_escalation_runs_once(review, clock):
    engine, scheduler, task = review
    clock.set(DUE.replace(second=1))
    scheduler.run_due()

    clock.advance(days=30)
    assert scheduler.run_due()["escalations"] == 0
    assert len(events(engine, task)) == 3


def test_completed_task_is_not_escalated(review, clock):
    engine, scheduler, task = review
    engine.complete_task(task.id, {}, actor=SITI)

    clock.set(DUE.replace(second=1))

    assert scheduler.run_due()["escalations"] == 0
    assert engine.list_notifications(KABAG) == []


class BrokenNotifier(Notifier):
    def notify(self, connection, text, task=None, now=None, **recipient):
        raise RuntimeError("The address book is unreachable.")


def test_failing_escalation_is_retried_then_becomes_an_incident(make_engine, clock):
    """Issue 5: the last failed attempt raises an incident on the instance."""
    clock.set(THURSDAY)
    engine = make_engine(notifier=BrokenNotifier())
    engine.deploy([CLOCK_BPMN])
    scheduler = Scheduler(engine, owner="test")
    instance_id = engine.start("legal_review", actor=SITI)
    clock.set(REMINDER)

    for backoff in (1, 2, 4, 8):
        assert scheduler.run_due()["escalations"] == 0
        assert engine.get_instance(instance_id).error is None
        clock.advance(minutes=backoff, seconds=1)
    assert scheduler.run_due()["escalations"] == 0
    clock.advance(hours=1)
    assert scheduler.run_due()["escalations"] == 0

    error = engine.get_instance(instance_id).error
    assert error["element"] == "lr_review"
    assert error["message"] == (
        "The reminder escalation failed 5 times: The address book is unreachable."
    )
    names = [e.name for e in engine.list_events(instance_id)]
    assert names.count("escalation-failed") == 5
    assert names.count("incident-raised") == 1


BAD_DUE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="d" targetNamespace="x">
  <bpmn:process id="bad_due" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="t">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="dueIn" value="{due}"/>
        <spiffworkflow:property name="dueCalendar" value="{kind}"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.mark.parametrize(
    ("due", "kind", "message"),
    [
        ("3 hari", "working", "not an ISO-8601 duration"),
        ("P1M", "working", "no fixed number of working days"),
        ("P3D", "weekly", "set it to 'working' or 'calendar'"),
    ],
    ids=["not-iso", "months-in-working-days", "unknown-calendar"],
)
def test_deploy_rejects_a_bad_due_date(engine, tmp_path, due, kind, message):
    path = tmp_path / "bad_due.bpmn"
    path.write_text(BAD_DUE.format(due=due, kind=kind))

    with pytest.raises(DefinitionError) as caught:
        engine.deploy([path])

    assert message in str(caught.value.problems[0])
