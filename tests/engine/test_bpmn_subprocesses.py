"""Embedded subprocesses and call activities survive a restart mid-way."""

from bpmn_steps import open_names
from bpmn_steps import restart
from bpmn_steps import status
from bpmn_steps import task_states
from support import BPMN
from support import complete_next

SUBPROCESSES = [BPMN / "subprocesses.bpmn", BPMN / "checklist.bpmn"]


def test_embedded_subprocess_survives_restart_inside(engine, make_engine, officer):
    engine.deploy(SUBPROCESSES)
    instance_id = engine.start("subprocess_embedded", actor=officer)
    [draft] = engine.list_tasks(instance_id=instance_id)
    assert (draft.spec_name, draft.lane) == ("draft_text", "legal")
    articles = ["Pasal 1", "Pasal 2", "Pasal 3"]
    complete_next(engine, instance_id, {"articles": articles}, officer)

    engine = restart(engine, make_engine)
    [proofread] = engine.list_tasks(instance_id=instance_id)
    # Tasks inside an embedded subprocess take the subprocess's lane.
    assert (proofread.spec_name, proofread.lane) == ("proofread", "legal")
    complete_next(engine, instance_id, {"typos": 0}, officer)

    assert open_names(engine, instance_id) == ["se_sign"]
    data = engine.instance_data(instance_id)
    assert (data["article_count"], data["typos"]) == (3, 0)
    complete_next(engine, instance_id, {}, officer, "se_sign")
    assert status(engine, instance_id) == "completed"


def test_call_activity_in_same_file_returns_its_data(engine, make_engine, officer):
    engine.deploy(SUBPROCESSES)
    instance_id = engine.start(
        "subprocess_call_local", actor=officer, data={"agreement": "PKS-3"}
    )
    [review] = engine.list_tasks(instance_id=instance_id)
    assert (review.spec_name, review.lane, review.process_id) == (
        "review_terms",
        "legal",
        "subprocess_call_local",
    )

    engine = restart(engine, make_engine)
    complete_next(engine, instance_id, {"remarks": ["a", "b"]}, officer)

    assert open_names(engine, instance_id) == ["cl_sign"]
    data = engine.instance_data(instance_id)
    assert (data["agreement"], data["review_score"]) == ("PKS-3", 2)
    complete_next(engine, instance_id, {}, officer, "cl_sign")
    assert status(engine, instance_id) == "completed"


def test_call_activity_to_process_deployed_before(engine, make_engine, officer):
    engine.deploy([BPMN / "checklist.bpmn"])
    engine.deploy([BPMN / "subprocesses.bpmn"])
    instance_id = engine.start("subprocess_call_shared", actor=officer)
    assert open_names(engine, instance_id) == ["tick_items"]
    complete_next(engine, instance_id, {"ticked": 12}, officer)

    engine = restart(engine, make_engine)
    [countersign] = engine.list_tasks(instance_id=instance_id)
    assert (countersign.spec_name, countersign.lane) == ("countersign", "head")
    complete_next(engine, instance_id, {}, officer)

    assert status(engine, instance_id) == "completed"
    assert engine.instance_data(instance_id)["ticked"] == 12
    assert task_states(engine, instance_id) == {
        "tick_items": ["completed"],
        "countersign": ["completed"],
    }
