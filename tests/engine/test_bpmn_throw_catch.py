"""Signal, error and escalation events thrown and caught inside an instance.

The engine has no call to send these from outside, so each diagram throws
them itself; the restart happens while the catching side waits.
"""

import pytest
from bpmn_steps import open_names
from bpmn_steps import restart
from bpmn_steps import status
from bpmn_steps import task_states
from support import BPMN
from support import complete_next

SIGNALS = [BPMN / "signals.bpmn"]
ERRORS = [BPMN / "errors.bpmn"]


def finish(engine, instance_id, officer) -> None:
    """Complete open tasks until the instance ends."""
    while engine.list_tasks(instance_id=instance_id):
        complete_next(engine, instance_id, {}, officer)
    assert status(engine, instance_id) == "completed"


def test_intermediate_signal_reaches_waiting_branch(engine, make_engine, officer):
    engine.deploy(SIGNALS)
    instance_id = engine.start("signal_intermediate", actor=officer)
    assert open_names(engine, instance_id) == ["approve_budget"]

    engine = restart(engine, make_engine)
    complete_next(engine, instance_id, {"amount": 75}, officer, "approve_budget")

    [letter] = engine.list_tasks(instance_id=instance_id)
    assert (letter.spec_name, letter.lane) == ("issue_letter", "staff")
    complete_next(engine, instance_id, {}, officer, "issue_letter")
    assert status(engine, instance_id) == "completed"


@pytest.mark.parametrize(
    ("decision", "negotiate", "opened"),
    [
        ("halt", ["cancelled"], ["report_halt"]),
        ("change_policy", ["ready"], ["negotiate", "read_policy"]),
    ],
    ids=["interrupting", "non-interrupting"],
)
def test_boundary_signal_on_user_task(
    engine, make_engine, officer, decision, negotiate, opened
):
    engine.deploy(SIGNALS)
    instance_id = engine.start("signal_boundary", actor=officer)
    assert open_names(engine, instance_id) == ["decide", "negotiate"]

    engine = restart(engine, make_engine)
    complete_next(engine, instance_id, {"decision": decision}, officer, "decide")

    assert open_names(engine, instance_id) == opened
    assert task_states(engine, instance_id)["negotiate"] == negotiate
    finish(engine, instance_id, officer)


@pytest.mark.parametrize(
    ("complete", "next_task"),
    [(True, "sign"), (False, "request_documents")],
    ids=["no-error", "error-end-event"],
)
def test_error_boundary_event_on_subprocess(
    engine, make_engine, officer, complete, next_task
):
    engine.deploy(ERRORS)
    instance_id = engine.start("error_boundary", actor=officer)
    [check] = engine.list_tasks(instance_id=instance_id)
    assert (check.spec_name, check.lane) == ("check_documents", "legal")

    engine = restart(engine, make_engine)
    answer = {"documents_complete": complete}
    complete_next(engine, instance_id, answer, officer, "check_documents")

    assert open_names(engine, instance_id) == [next_task]
    finish(engine, instance_id, officer)
    assert next_task in task_states(engine, instance_id)


@pytest.mark.parametrize(
    ("outcome", "opened"),
    [
        ("agreed", []),
        ("ask_head", ["brief_head", "finish_terms"]),
        ("deadlock", ["mediate"]),
    ],
    ids=["none", "non-interrupting-throw", "interrupting-end-event"],
)
def test_escalation_boundary_event_on_subprocess(
    engine, make_engine, officer, outcome, opened
):
    engine.deploy(ERRORS)
    instance_id = engine.start("escalation_boundary", actor=officer)
    assert open_names(engine, instance_id) == ["negotiate_terms"]

    engine = restart(engine, make_engine)
    answer = {"outcome": outcome}
    complete_next(engine, instance_id, answer, officer, "negotiate_terms")

    assert open_names(engine, instance_id) == opened
    finish(engine, instance_id, officer)
