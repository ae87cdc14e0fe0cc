"""Message events deliver to the right instance, from the store, after a restart."""

import pytest
from bpmn_steps import open_names
from bpmn_steps import restart
from bpmn_steps import status
from bpmn_steps import task_states
from support import BPMN
from support import complete_next

from engine import NotFound

MESSAGES = [BPMN / "messages.bpmn"]


@pytest.fixture
def deployed(engine):
    engine.deploy(MESSAGES)
    return engine


def test_message_catch_event_continues_after_restart(deployed, make_engine, officer):
    waiting = {}
    for key in ("PKS-7", "PKS-8"):
        waiting[key] = deployed.start("message_catch", actor=officer, business_key=key)
        complete_next(deployed, waiting[key], {}, officer, "send_draft")

    engine = restart(deployed, make_engine)
    caught = engine.send_message(
        "mitra_setuju",
        actor=officer,
        data={"signed_by": "Wali Kota"},
        business_key="PKS-7",
    )

    instance_id = waiting["PKS-7"]
    assert caught == [instance_id]
    assert open_names(engine, instance_id) == ["archive"]
    assert open_names(engine, waiting["PKS-8"]) == []
    assert engine.instance_data(instance_id)["signed_by"] == "Wali Kota"
    assert "message-delivered" in [e.name for e in engine.list_events(instance_id)]
    complete_next(engine, instance_id, {}, officer, "archive")
    assert status(engine, instance_id) == "completed"
    assert status(engine, waiting["PKS-8"]) == "active"


def test_message_catch_event_rejects_unknown_business_key(deployed, officer):
    instance_id = deployed.start("message_catch", actor=officer, business_key="PKS-7")
    complete_next(deployed, instance_id, {}, officer, "send_draft")

    with pytest.raises(NotFound, match="business key 'PKS-99'"):
        deployed.send_message("mitra_setuju", actor=officer, business_key="PKS-99")
    assert status(deployed, instance_id) == "active"


def test_receive_task_keeps_message_in_its_variable(deployed, make_engine, officer):
    instance_id = deployed.start("message_receive", actor=officer)
    assert open_names(deployed, instance_id) == []

    engine = restart(deployed, make_engine)
    engine.send_message(
        "mitra_membalas",
        actor=officer,
        data={"answer": "setuju"},
        instance_id=instance_id,
    )

    data = engine.instance_data(instance_id)
    assert data["reply"] == {"answer": "setuju"}
    assert "answer" not in data
    complete_next(engine, instance_id, {}, officer, "record_reply")
    assert status(engine, instance_id) == "completed"


def test_interrupting_boundary_message_cancels_task(deployed, make_engine, officer):
    instance_id = deployed.start("message_boundary", actor=officer, business_key="K-1")

    engine = restart(deployed, make_engine)
    engine.send_message("mitra_mundur", actor=officer, business_key="K-1")

    assert open_names(engine, instance_id) == ["close_file"]
    assert task_states(engine, instance_id)["negotiate"] == ["cancelled"]
    with pytest.raises(NotFound, match="mitra_bertanya"):
        engine.send_message("mitra_bertanya", actor=officer, business_key="K-1")
    complete_next(engine, instance_id, {}, officer, "close_file")
    assert status(engine, instance_id) == "completed"


def test_non_interrupting_boundary_message_leaves_task_open(
    deployed, make_engine, officer
):
    instance_id = deployed.start("message_boundary", actor=officer, business_key="K-1")

    engine = restart(deployed, make_engine)
    engine.send_message(
        "mitra_bertanya",
        actor=officer,
        data={"question": "Pasal 3?"},
        business_key="K-1",
    )

    assert open_names(engine, instance_id) == ["answer_question", "negotiate"]
    assert engine.instance_data(instance_id)["question"] == "Pasal 3?"
    complete_next(engine, instance_id, {}, officer, "answer_question")
    assert open_names(engine, instance_id) == ["negotiate"]
    complete_next(engine, instance_id, {}, officer, "negotiate")
    assert status(engine, instance_id) == "completed"
    assert task_states(engine, instance_id)["negotiate"] == ["completed"]


def test_message_thrown_inside_instance_reaches_catch_event(
    deployed, make_engine, officer
):
    instance_id = deployed.start("message_throw", actor=officer)
    assert open_names(deployed, instance_id) == ["clear_budget"]

    engine = restart(deployed, make_engine)
    complete_next(
        engine, instance_id, {"budget_line": "5.2.02"}, officer, "clear_budget"
    )

    assert open_names(engine, instance_id) == ["prepare_signing"]
    assert engine.instance_data(instance_id)["budget"] == {"budget_line": "5.2.02"}
    complete_next(engine, instance_id, {}, officer, "prepare_signing")
    assert status(engine, instance_id) == "completed"
