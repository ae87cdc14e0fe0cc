"""Task kinds deploy, run to the end and survive a restart of the engine.

Each test restarts the engine (a new Engine on the same database) while the
instance waits, so the rest of the run uses only what the store kept.
"""

import pytest
from bpmn_steps import open_names
from bpmn_steps import restart
from bpmn_steps import status
from bpmn_steps import task_states
from support import BPMN
from support import complete_next

#: The task diagrams; the business rule task needs its decision table.
TASKS = [BPMN / "tasks.bpmn", BPMN / "approval_level.dmn"]


@pytest.fixture(autouse=True)
def echo_calls(services):
    """Register the ``echo`` operation tasks.bpmn names; return its calls."""
    calls = []

    def echo(params, data):
        calls.append(params)
        return {"params": params, "asked_by": data["partner"]}

    services.register("echo", echo)
    return calls


def test_user_and_manual_tasks_survive_restart(engine, make_engine, officer):
    engine.deploy(TASKS)
    instance_id = engine.start("task_user_manual", actor=officer, business_key="PKS-1")
    [draft] = engine.list_tasks(instance_id=instance_id)
    assert (draft.spec_name, draft.title, draft.lane) == (
        "draft",
        "Draft the proposal",
        "initiator",
    )
    complete_next(engine, instance_id, {"title": "Kerja sama air bersih"}, officer)

    engine = restart(engine, make_engine)
    [deliver] = engine.list_tasks(instance_id=instance_id)
    assert (deliver.spec_name, deliver.lane) == ("deliver", "staff")
    complete_next(engine, instance_id, {"copies": 2}, officer)

    assert status(engine, instance_id) == "completed"
    assert task_states(engine, instance_id) == {
        "draft": ["completed"],
        "deliver": ["completed"],
    }
    data = engine.instance_data(instance_id)
    assert (data["title"], data["copies"]) == ("Kerja sama air bersih", 2)


def test_script_task_runs_in_restarted_engine(engine, make_engine, officer):
    engine.deploy(TASKS)
    instance_id = engine.start("task_script", actor=officer)

    engine = restart(engine, make_engine)
    complete_next(engine, instance_id, {"value": 250_000_000}, officer, "enter_value")

    assert open_names(engine, instance_id) == ["check_fee"]
    data = engine.instance_data(instance_id)
    assert (data["fee"], data["fee_label"]) == (5_000_000, "Rp 5000000")
    complete_next(engine, instance_id, {}, officer, "check_fee")
    assert status(engine, instance_id) == "completed"


def test_service_task_calls_operation_after_restart(
    engine, make_engine, echo_calls, officer
):
    engine.deploy(TASKS)
    instance_id = engine.start("task_service", actor=officer)

    engine = restart(engine, make_engine)
    complete_next(engine, instance_id, {"partner": "Kota Bogor"}, officer)

    assert echo_calls == [{"partner": "KOTA BOGOR", "year": 2025}]
    assert engine.instance_data(instance_id)["registry_entry"] == {
        "params": {"partner": "KOTA BOGOR", "year": 2025},
        "asked_by": "Kota Bogor",
    }
    assert open_names(engine, instance_id) == ["confirm_partner"]
    complete_next(engine, instance_id, {}, officer)
    assert status(engine, instance_id) == "completed"


@pytest.mark.parametrize(
    ("value", "approver"),
    [(50_000_000, "head of agency"), (100_000_000, "regent")],
    ids=["below-limit", "at-limit"],
)
def test_business_rule_task_decides_after_restart(
    engine, make_engine, officer, value, approver
):
    engine.deploy(TASKS)
    instance_id = engine.start("task_rule", actor=officer)

    engine = restart(engine, make_engine)
    complete_next(engine, instance_id, {"value": value}, officer, "enter_amount")

    [approve] = engine.list_tasks(instance_id=instance_id)
    assert (approve.spec_name, approve.lane) == ("approve", "head")
    assert engine.instance_data(instance_id)["approver"] == approver
    complete_next(engine, instance_id, {"approved": True}, officer)
    assert status(engine, instance_id) == "completed"
