"""Multi-instance activities and loops keep counting across a restart.

A restored instance once stalled here: SpiffWorkflow links an activity to its
instances only when it creates the first one, so a new engine never merged
them (see ``engine.workflow.link_loop_tasks``).
"""

import pytest
from bpmn_steps import open_names
from bpmn_steps import restart
from bpmn_steps import status
from bpmn_steps import task_states
from support import BPMN
from support import complete_next

LOOPS = [BPMN / "loops.bpmn"]


@pytest.fixture
def deployed(engine):
    engine.deploy(LOOPS)
    return engine


def test_parallel_multi_instance_over_collection(deployed, make_engine, officer):
    articles = ["Pasal 1", "Pasal 2", "Pasal 3"]
    instance_id = deployed.start(
        "loop_parallel_collection", actor=officer, data={"articles": articles}
    )
    opinions = deployed.list_tasks(instance_id=instance_id)
    # Each instance is indexed under the element's id, so its form is found.
    assert [(t.spec_name, t.lane, t.form) for t in opinions] == [
        ("give_opinion", "legal", "legal_opinion")
    ] * 3
    deployed.complete_task(opinions[1].id, {"opinion": "ok 2"}, actor=officer)

    engine = restart(deployed, make_engine)
    engine.complete_task(opinions[2].id, {"opinion": "ok 3"}, actor=officer)
    engine.complete_task(opinions[0].id, {"opinion": "ok 1"}, actor=officer)

    assert open_names(engine, instance_id) == ["summarise"]
    # A separate output list fills in the order the instances complete.
    assert engine.instance_data(instance_id)["opinions"] == ["ok 2", "ok 3", "ok 1"]
    complete_next(engine, instance_id, {}, officer, "summarise")
    assert status(engine, instance_id) == "completed"


def test_sequential_multi_instance_with_cardinality(deployed, make_engine, officer):
    instance_id = deployed.start(
        "loop_sequential_cardinality", actor=officer, data={"copies": 3}
    )
    assert open_names(deployed, instance_id) == ["sign_copy"]
    complete_next(deployed, instance_id, {"signature": "copy 1"}, officer)

    engine = restart(deployed, make_engine)
    for copy in (2, 3):
        assert open_names(engine, instance_id) == ["sign_copy"]
        complete_next(engine, instance_id, {"signature": f"copy {copy}"}, officer)

    assert status(engine, instance_id) == "completed"
    assert task_states(engine, instance_id) == {"sign_copy": ["completed"] * 3}
    signed = engine.instance_data(instance_id)["signed"]
    assert signed == ["copy 1", "copy 2", "copy 3"]


def test_standard_loop_repeats_until_condition(deployed, make_engine, officer):
    instance_id = deployed.start("loop_standard", actor=officer)
    complete_next(deployed, instance_id, {"agreed": False}, officer)

    engine = restart(deployed, make_engine)
    complete_next(engine, instance_id, {"agreed": False}, officer)
    assert open_names(engine, instance_id) == ["negotiation_round"]
    complete_next(engine, instance_id, {"agreed": True}, officer)

    assert status(engine, instance_id) == "completed"
    assert task_states(engine, instance_id) == {"negotiation_round": ["completed"] * 3}


def test_standard_loop_stops_at_its_maximum(deployed, make_engine, officer):
    instance_id = deployed.start("loop_standard", actor=officer)

    engine = restart(deployed, make_engine)
    for _ in range(5):
        complete_next(engine, instance_id, {"agreed": False}, officer)

    assert status(engine, instance_id) == "completed"


def test_sequence_flow_loop_back_to_earlier_task(deployed, make_engine, officer):
    instance_id = deployed.start("loop_sequence_flow", actor=officer)
    complete_next(deployed, instance_id, {}, officer, "submit_revision")
    complete_next(
        deployed, instance_id, {"accepted": False}, officer, "assess_revision"
    )

    engine = restart(deployed, make_engine)
    complete_next(engine, instance_id, {}, officer, "submit_revision")
    complete_next(engine, instance_id, {"accepted": False}, officer, "assess_revision")
    engine = restart(engine, make_engine)
    complete_next(engine, instance_id, {}, officer, "submit_revision")
    complete_next(engine, instance_id, {"accepted": True}, officer, "assess_revision")

    assert status(engine, instance_id) == "completed"
    assert engine.instance_data(instance_id)["revisions"] == 3
    assert task_states(engine, instance_id)["submit_revision"] == ["completed"] * 3
