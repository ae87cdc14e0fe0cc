"""Moving running instances between versions of a process."""

import pytest
from sqlalchemy import select

from engine import Actor
from engine import InvalidInput
from engine import PermissionDenied
from engine.operations import OPERATIONS

DESIGNER = Actor("dina", {"designer", "staff"})
OFFICER = Actor("odi", {"staff"})

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="defs" targetNamespace="http://example.org/migrate">
  <bpmn:process id="review" name="Review" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_staff" name="staff">{refs}</bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"/>
"""
TAIL = """    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def diagram(*steps: str) -> dict[str, str]:
    """A process whose user tasks ``steps`` run one after another."""
    refs = "".join(f"<bpmn:flowNodeRef>{s}</bpmn:flowNodeRef>" for s in steps)
    body = [HEAD.format(refs=refs)]
    body += [f'    <bpmn:userTask id="{s}" name="{s.title()}"/>\n' for s in steps]
    chain = ["start", *steps, "end"]
    body += [
        f'    <bpmn:sequenceFlow id="f_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>\n'
        for a, b in zip(chain, chain[1:], strict=False)
    ]
    return {"review.bpmn": "".join(body) + TAIL}


@pytest.fixture
def versions(engine):
    """Version 1 (draft, check) and version 2 (draft, approve): check is gone."""
    engine.deploy_files(diagram("draft", "check"), DESIGNER)
    return engine


def open_task(engine, instance_id):
    (task,) = engine.list_tasks(instance_id=instance_id)
    return task


def start_at(engine, element: str) -> int:
    instance_id = engine.start("review", actor=OFFICER)
    while open_task(engine, instance_id).spec_name != element:
        engine.complete_task(open_task(engine, instance_id).id, {}, actor=OFFICER)
    return instance_id


def test_plan_says_which_instances_can_move_and_why_not(versions):
    engine = versions
    at_draft = start_at(engine, "draft")
    at_check = start_at(engine, "check")
    engine.deploy_files(diagram("draft", "approve"), DESIGNER)

    checks = {c.instance_id: c for c in engine.plan_migration("review", 1, 2)}

    assert checks[at_draft].can_move
    assert checks[at_draft].elements == ["draft"]
    assert checks[at_draft].reasons == []
    assert not checks[at_check].can_move
    assert "'check'" in checks[at_check].reasons[0]
    assert "version 2 does not have" in checks[at_check].reasons[0]
    assert engine.get_instance(at_draft).version == 1


def test_plan_filters_by_instance_and_business_key(versions):
    engine = versions
    engine.start("review", actor=OFFICER, business_key="PKS-1")
    other = engine.start("review", actor=OFFICER, business_key="PKS-2")
    engine.deploy_files(diagram("draft", "approve"), DESIGNER)

    by_key = engine.plan_migration("review", 1, 2, business_key="PKS-2")
    by_id = engine.plan_migration("review", 1, 2, instance_ids=[other])

    assert [c.instance_id for c in by_key] == [other]
    assert [c.business_key for c in by_id] == ["PKS-2"]


def test_migrated_instance_continues_on_the_new_path(versions):
    engine = versions
    moved = start_at(engine, "draft")
    kept = start_at(engine, "draft")
    engine.deploy_files(diagram("draft", "approve"), DESIGNER)

    (result,) = engine.migrate_instances(
        "review", 1, 2, instance_ids=[moved], reason="New approval rule", actor=DESIGNER
    )

    assert result.moved and result.reason_not_moved is None
    assert engine.get_instance(moved).version == 2
    assert engine.get_instance(kept).version == 1
    engine.complete_task(open_task(engine, moved).id, {}, actor=OFFICER)
    assert open_task(engine, moved).spec_name == "approve"
    engine.complete_task(open_task(engine, moved).id, {}, actor=OFFICER)
    assert engine.get_instance(moved).status == "completed"
    engine.complete_task(open_task(engine, kept).id, {}, actor=OFFICER)
    assert open_task(engine, kept).spec_name == "check"


def test_migration_survives_a_restart(versions, make_engine):
    engine = versions
    moved = start_at(engine, "draft")
    engine.deploy_files(diagram("draft", "approve"), DESIGNER)
    engine.migrate_instances(
        "review", 1, 2, instance_ids=[moved], reason="New rule", actor=DESIGNER
    )

    restarted = make_engine()
    restarted.complete_task(open_task(restarted, moved).id, {}, actor=OFFICER)

    assert open_task(restarted, moved).spec_name == "approve"


def test_migration_refuses_an_instance_at_a_removed_task(versions):
    engine = versions
    at_check = start_at(engine, "check")
    engine.deploy_files(diagram("draft", "approve"), DESIGNER)

    (result,) = engine.migrate_instances(
        "review", 1, 2, instance_ids=[at_check], reason="New rule", actor=DESIGNER
    )

    assert not result.moved
    assert "'check'" in result.reason_not_moved
    assert engine.get_instance(at_check).version == 1
    engine.complete_task(open_task(engine, at_check).id, {}, actor=OFFICER)
    assert engine.get_instance(at_check).status == "completed"


def test_each_move_is_logged_with_its_reason(versions):
    engine = versions
    moved = start_at(engine, "draft")
    engine.deploy_files(diagram("draft", "approve"), DESIGNER)

    engine.migrate_instances(
        "review", 1, 2, instance_ids=[moved], reason=" New rule ", actor=DESIGNER
    )

    with engine.db.read() as connection:
        (row,) = connection.execute(select(OPERATIONS)).all()
    assert (row.instance_id, row.action, row.actor) == (moved, "migrate", "dina")
    assert (row.old, row.new, row.reason) == (
        {"version": 1},
        {"version": 2},
        "New rule",
    )
    events = [e.name for e in engine.list_events(moved)]
    assert events[-1] == "instance-migrated"


def test_migration_needs_a_designer_and_a_reason(versions):
    engine = versions
    moved = start_at(engine, "draft")
    engine.deploy_files(diagram("draft", "approve"), DESIGNER)

    with pytest.raises(PermissionDenied, match="designer"):
        engine.migrate_instances(
            "review", 1, 2, instance_ids=[moved], reason="x", actor=OFFICER
        )
    with pytest.raises(InvalidInput) as caught:
        engine.migrate_instances(
            "review", 1, 2, instance_ids=[], reason=" ", actor=DESIGNER
        )

    assert set(caught.value.errors) == {"reason", "instance_ids"}
    assert engine.get_instance(moved).version == 1


def test_migration_reports_instances_not_on_the_old_version(versions):
    engine = versions
    engine.deploy_files(diagram("draft", "approve"), DESIGNER)
    on_new = engine.start("review", actor=OFFICER)

    (result,) = engine.migrate_instances(
        "review", 1, 2, instance_ids=[on_new], reason="New rule", actor=DESIGNER
    )

    assert not result.moved
    assert "not a running instance" in result.reason_not_moved


def called(*after_call: str) -> dict[str, str]:
    """``outer`` calls ``inner`` (one user task), then runs ``after_call``."""
    inner = (
        diagram("work")["review.bpmn"]
        .replace('id="review" name="Review"', 'id="inner" name="Inner"')
        .replace('id="lanes"', 'id="inner_lanes"')
        .replace('id="lane_staff"', 'id="inner_staff"')
    )
    outer = diagram(*after_call)["review.bpmn"].replace(
        '<bpmn:startEvent id="start"/>',
        '<bpmn:startEvent id="start"/>'
        '<bpmn:callActivity id="call" name="Call" calledElement="inner"/>',
    )
    chain = ["start", "call", *after_call, "end"]
    outer = outer.split("<bpmn:sequenceFlow")[0] + "".join(
        f'<bpmn:sequenceFlow id="f_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>'
        for a, b in zip(chain, chain[1:], strict=False)
    )
    outer = outer.replace('id="review"', 'id="outer"') + TAIL
    return {"outer.bpmn": outer, "inner.bpmn": inner}


def test_instance_inside_a_called_process_moves(engine):
    engine.deploy_files(called(), DESIGNER)
    instance_id = engine.start("outer", actor=OFFICER)
    engine.deploy_files(called("after"), DESIGNER)

    (check,) = engine.plan_migration("outer", 1, 2)
    (result,) = engine.migrate_instances(
        "outer", 1, 2, instance_ids=[instance_id], reason="Add a step", actor=DESIGNER
    )
    engine.complete_task(open_task(engine, instance_id).id, {}, actor=OFFICER)

    assert check.can_move and "work" in check.elements
    assert result.moved
    assert open_task(engine, instance_id).spec_name == "after"


def test_waiting_timer_keeps_its_due_date_and_takes_the_new_path(engine, clock):
    v1 = diagram().copy()
    v1["review.bpmn"] = v1["review.bpmn"].replace(
        '<bpmn:sequenceFlow id="f_start_end" sourceRef="start" targetRef="end"/>',
        '<bpmn:intermediateCatchEvent id="pause" name="Pause">'
        '<bpmn:timerEventDefinition id="t"><bpmn:timeDuration>"P1D"'
        "</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pause"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="pause" targetRef="end"/>',
    )
    v2 = {
        "review.bpmn": v1["review.bpmn"]
        .replace(
            '<bpmn:sequenceFlow id="f2" sourceRef="pause" targetRef="end"/>',
            '<bpmn:userTask id="after" name="After"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="pause" targetRef="after"/>'
            '<bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end"/>',
        )
        .replace(
            '<bpmn:lane id="lane_staff" name="staff">',
            '<bpmn:lane id="lane_staff" name="staff">'
            "<bpmn:flowNodeRef>after</bpmn:flowNodeRef>",
        )
    }
    engine.deploy_files(v1, DESIGNER)
    instance_id = engine.start("review", actor=OFFICER)
    clock.advance(hours=12)
    engine.deploy_files(v2, DESIGNER)

    (result,) = engine.migrate_instances(
        "review", 1, 2, instance_ids=[instance_id], reason="Add a step", actor=DESIGNER
    )
    early = engine.fire_due_timers(clock.advance(hours=11))
    late = engine.fire_due_timers(clock.advance(hours=2))

    assert result.moved
    assert (early, late) == (0, 1)
    assert open_task(engine, instance_id).spec_name == "after"
