"""The runtime service: tasks, lanes, claims, cancel, incidents, forms."""

from pathlib import Path

import pytest

from engine import Actor
from engine import Conflict
from engine import InstanceNotActive
from engine import InvalidInput
from engine import PermissionDenied
from engine import ScriptError
from engine import TaskNotOpen

FEE = Path(__file__).parent / "defs" / "fee.bpmn"
STAFF = Actor("siti", {"staff"})
OTHER_STAFF = Actor("budi", {"staff"})
OUTSIDER = Actor("mitra", {"Mitra"})
SUPERVISOR = Actor("kabag", {"supervisor"})


@pytest.fixture
def fee(engine):
    engine.deploy([FEE])
    instance_id = engine.start("fee", actor=STAFF, business_key="FEE-1")
    return instance_id, engine.list_tasks(instance_id=instance_id)[0]


def test_start_indexes_the_first_task_with_its_lane(engine, fee):
    instance_id, task = fee

    assert (task.spec_name, task.title, task.lane, task.state) == (
        "enter_value",
        "Enter value",
        "staff",
        "ready",
    )
    assert [e.name for e in engine.list_events(instance_id)] == ["instance-started"]


def test_list_tasks_for_actor_follows_lanes(engine, fee):
    assert [t.spec_name for t in engine.list_tasks(actor=STAFF)] == ["enter_value"]
    assert engine.list_tasks(actor=OUTSIDER) == []


def test_complete_task_rejects_other_lane(engine, fee):
    instance_id, task = fee

    with pytest.raises(PermissionDenied, match="Only the 'staff' lane"):
        engine.complete_task(task.id, {"value": 1, "divisor": 1}, actor=OUTSIDER)

    assert engine.get_instance(instance_id).lock_version == 0


def test_complete_task_records_who_and_what(engine, fee):
    instance_id, task = fee

    engine.complete_task(task.id, {"value": 10, "divisor": 4}, actor=STAFF)

    done = engine.get_task(task.id)
    assert (done.state, done.completed_by) == ("completed", "siti")
    assert done.data == {"value": 10, "divisor": 4}
    assert engine.instance_data(instance_id)["fee"] == 2.5
    (event,) = [
        e for e in engine.list_events(instance_id) if e.name == "task-completed"
    ]
    assert (event.actor, event.task_id) == ("siti", task.id)


def test_complete_task_twice_is_a_conflict(engine, fee):
    _, task = fee
    engine.complete_task(task.id, {"value": 1, "divisor": 1}, actor=STAFF)

    with pytest.raises(TaskNotOpen, match="already completed by 'siti'"):
        engine.complete_task(task.id, {"value": 2, "divisor": 1}, actor=OTHER_STAFF)
    assert issubclass(TaskNotOpen, Conflict)


def test_claimed_task_belongs_to_its_assignee(engine, fee):
    _, task = fee
    engine.claim_task(task.id, actor=STAFF)

    assert engine.get_task(task.id).state == "claimed"
    assert engine.list_tasks(actor=OTHER_STAFF) == []
    with pytest.raises(PermissionDenied, match="claimed by 'siti'"):
        engine.complete_task(task.id, {"value": 1, "divisor": 1}, actor=OTHER_STAFF)
    with pytest.raises(Conflict, match="already claimed"):
        engine.claim_task(task.id, actor=OTHER_STAFF)


def test_unclaim_by_assignee_or_supervisor_only(engine, fee):
    _, task = fee
    engine.claim_task(task.id, actor=STAFF)

    with pytest.raises(PermissionDenied, match="only they or a supervisor"):
        engine.unclaim_task(task.id, actor=OTHER_STAFF)
    engine.unclaim_task(task.id, actor=SUPERVISOR)

    assert (engine.get_task(task.id).state, engine.get_task(task.id).assignee) == (
        "ready",
        None,
    )


def test_assign_requires_the_assignee_to_hold_the_lane(engine, fee):
    instance_id, task = fee

    with pytest.raises(PermissionDenied, match="does not hold the 'staff' lane"):
        engine.assign_task(task.id, OUTSIDER, actor=SUPERVISOR)
    engine.assign_task(task.id, OTHER_STAFF, actor=SUPERVISOR)

    assert engine.get_task(task.id).assignee == "budi"
    names = [e.name for e in engine.list_events(instance_id)]
    assert names[-1] == "task-assigned"


def test_script_error_leaves_instance_as_it_was_and_records_incident(make_engine, fee):
    instance_id, task = fee
    engine = make_engine()
    before = engine.get_instance(instance_id)

    with pytest.raises(ScriptError, match="compute_fee") as caught:
        engine.complete_task(task.id, {"value": 1, "divisor": 0}, actor=STAFF)

    assert "division by zero" in caught.value.message
    after = engine.get_instance(instance_id)
    assert after.lock_version == before.lock_version
    assert after.error["element"] == "compute_fee"
    assert engine.get_task(task.id).state == "ready"
    assert engine.list_events(instance_id)[-1].name == "incident-raised"

    engine.complete_task(task.id, {"value": 1, "divisor": 2}, actor=STAFF)
    assert engine.get_instance(instance_id).error is None
    assert [t.spec_name for t in engine.list_tasks(instance_id=instance_id)] == [
        "approve"
    ]


def test_cancel_requires_a_reason_and_closes_tasks(engine, fee):
    instance_id, task = fee

    with pytest.raises(InvalidInput, match="reason"):
        engine.cancel_instance(instance_id, "  ", actor=SUPERVISOR)
    engine.cancel_instance(instance_id, "Mitra withdrew.", actor=SUPERVISOR)

    assert engine.get_instance(instance_id).status == "cancelled"
    assert engine.get_task(task.id).state == "cancelled"
    assert engine.list_events(instance_id)[-1].details == {"reason": "Mitra withdrew."}
    with pytest.raises(InstanceNotActive, match="is cancelled"):
        engine.cancel_instance(instance_id, "again", actor=SUPERVISOR)


def test_form_validator_rejects_input_and_changes_nothing(make_engine, tmp_path):
    source = (
        FEE.read_text()
        .replace(
            '<bpmn:userTask id="enter_value" name="Enter value">',
            '<bpmn:userTask id="enter_value" name="Enter value">'
            "<bpmn:extensionElements><spiffworkflow:properties>"
            '<spiffworkflow:property name="formKey" value="fee-input"/>'
            "</spiffworkflow:properties></bpmn:extensionElements>",
        )
        .replace(
            'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"',
            'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"',
        )
    )
    (tmp_path / "fee.bpmn").write_text(source)
    seen = []

    def validate(form, data):
        seen.append(form)
        if not isinstance(data.get("value"), int):
            raise InvalidInput("Periksa isian.", {"value": ["Wajib diisi angka."]})
        return data

    engine = make_engine(
        form_validator=validate, form_exists={"fee-input"}.__contains__
    )
    engine.deploy([tmp_path / "fee.bpmn"])
    instance_id = engine.start("fee", actor=STAFF)
    task = engine.list_tasks(instance_id=instance_id)[0]

    with pytest.raises(InvalidInput) as caught:
        engine.complete_task(task.id, {"value": "ten"}, actor=STAFF)

    assert caught.value.errors == {"value": ["Wajib diisi angka."]}
    assert seen == ["fee-input"]
    assert task.form == "fee-input"
    assert engine.get_instance(instance_id).lock_version == 0
    assert engine.get_task(task.id).state == "ready"


def test_deploy_rejects_a_missing_form(make_engine, tmp_path):
    from engine import DefinitionError

    source = (
        FEE.read_text()
        .replace(
            '<bpmn:userTask id="approve" name="Approve fee">',
            '<bpmn:userTask id="approve" name="Approve fee"><bpmn:extensionElements>'
            '<spiffworkflow:properties><spiffworkflow:property name="formKey" '
            'value="nowhere"/></spiffworkflow:properties></bpmn:extensionElements>',
        )
        .replace(
            'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"',
            'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"',
        )
    )
    (tmp_path / "fee.bpmn").write_text(source)
    engine = make_engine(form_exists=lambda key: False)

    with pytest.raises(DefinitionError, match="form 'nowhere', which does not exist"):
        engine.deploy([tmp_path / "fee.bpmn"])


def test_dates_and_decimals_in_task_data_survive_a_restart(make_engine, fee):
    from datetime import date
    from decimal import Decimal

    instance_id, task = fee
    make_engine().complete_task(
        task.id,
        {"value": Decimal("10.50"), "divisor": 1, "signed_on": date(2025, 6, 12)},
        actor=STAFF,
    )

    data = make_engine().instance_data(instance_id)
    assert data["signed_on"] == date(2025, 6, 12)
    assert data["fee"] == Decimal("10.50")
