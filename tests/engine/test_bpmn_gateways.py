"""Gateways deploy, choose their paths and survive a restart of the engine."""

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

from engine import NotFound

GATEWAYS = [BPMN / "gateways.bpmn"]


@pytest.fixture
def deployed(engine):
    engine.deploy(GATEWAYS)
    return engine


@pytest.mark.parametrize(
    ("verdict", "path"),
    [("approve", "sign"), ("revise", "revise"), ("unsure", "revise")],
    ids=["condition", "default", "default-for-anything-else"],
)
def test_exclusive_gateway_takes_one_path(
    deployed, make_engine, officer, verdict, path
):
    instance_id = deployed.start("gateway_exclusive", actor=officer)

    engine = restart(deployed, make_engine)
    complete_next(engine, instance_id, {"verdict": verdict}, officer, "review")

    assert open_names(engine, instance_id) == [path]
    complete_next(engine, instance_id, {}, officer, path)
    assert status(engine, instance_id) == "completed"


def test_parallel_gateway_joins_branches_across_restart(deployed, make_engine, officer):
    instance_id = deployed.start("gateway_parallel", actor=officer)
    assert open_names(deployed, instance_id) == ["budget_check", "legal_check"]
    complete_next(deployed, instance_id, {"legal_ok": True}, officer, "legal_check")

    engine = restart(deployed, make_engine)
    assert open_names(engine, instance_id) == ["budget_check"]
    complete_next(engine, instance_id, {"budget_ok": True}, officer, "budget_check")

    [sign] = engine.list_tasks(instance_id=instance_id)
    assert (sign.spec_name, sign.lane) == ("pa_sign", "head")
    data = engine.instance_data(instance_id)
    assert (data["legal_ok"], data["budget_ok"]) == (True, True)
    complete_next(engine, instance_id, {}, officer, "pa_sign")
    assert status(engine, instance_id) == "completed"


@pytest.mark.parametrize(
    ("choice", "branches"),
    [
        ({"needs_legal": True, "needs_budget": True}, ["in_budget", "in_legal"]),
        ({"needs_legal": True, "needs_budget": False}, ["in_legal"]),
        ({"needs_legal": False, "needs_budget": False}, []),
    ],
    ids=["both", "one", "default"],
)
def test_inclusive_gateway_waits_for_chosen_branches(
    deployed, make_engine, officer, choice, branches
):
    instance_id = deployed.start("gateway_inclusive", actor=officer)
    complete_next(deployed, instance_id, choice, officer, "pick_reviews")
    assert open_names(deployed, instance_id) == (branches or ["in_sign"])

    engine = restart(deployed, make_engine)
    for name in branches:
        assert "in_sign" not in open_names(engine, instance_id)
        complete_next(engine, instance_id, {}, officer, name)

    assert open_names(engine, instance_id) == ["in_sign"]
    complete_next(engine, instance_id, {}, officer, "in_sign")
    assert status(engine, instance_id) == "completed"
    if not branches:
        # The default flow's script ran instead of any review.
        assert engine.instance_data(instance_id)["reviewed"] is False


def test_event_based_gateway_follows_message(deployed, make_engine, clock, officer):
    instance_id = deployed.start(
        "gateway_event_based", actor=officer, business_key="K-9"
    )
    complete_next(deployed, instance_id, {}, officer, "send_offer")
    # The gateway itself waits, for the message and the timer at once.
    assert timer_rows(deployed, instance_id) == [
        ("gw_reply", datetime(2025, 6, 26, 1, 0, tzinfo=UTC))
    ]

    engine = restart(deployed, make_engine)
    caught = engine.send_message(
        "mitra_setuju",
        actor=officer,
        data={"agreed_on": "2025-06-20"},
        business_key="K-9",
    )

    assert caught == [instance_id]
    assert open_names(engine, instance_id) == ["prepare_signing"]
    assert timer_rows(engine, instance_id) == []
    assert engine.instance_data(instance_id)["agreed_on"] == "2025-06-20"
    clock.advance(days=15)
    assert engine.fire_due_timers() == 0
    complete_next(engine, instance_id, {}, officer, "prepare_signing")
    assert status(engine, instance_id) == "completed"


def test_event_based_gateway_follows_timer(deployed, make_engine, clock, officer):
    instance_id = deployed.start(
        "gateway_event_based", actor=officer, business_key="K-9"
    )
    complete_next(deployed, instance_id, {}, officer, "send_offer")

    engine = restart(deployed, make_engine)
    clock.advance(days=15)
    assert engine.fire_due_timers() == 1

    assert open_names(engine, instance_id) == ["follow_up"]
    with pytest.raises(
        NotFound, match="No instance is waiting for message 'mitra_setuju'"
    ):
        engine.send_message("mitra_setuju", actor=officer, business_key="K-9")
    complete_next(engine, instance_id, {}, officer, "follow_up")
    assert status(engine, instance_id) == "completed"
    assert "prepare_signing" not in task_states(engine, instance_id)


@pytest.mark.parametrize(
    "message",
    [
        "mitra_setuju",
        "mitra_menolak",
    ],
    ids=["first-message", "second-message"],
)
def test_event_based_gateway_between_two_messages(
    deployed, make_engine, officer, message
):
    instance_id = deployed.start("gateway_event_based_replies", actor=officer)

    engine = restart(deployed, make_engine)
    caught = engine.send_message(message, actor=officer, instance_id=instance_id)

    assert caught == [instance_id]
    assert status(engine, instance_id) == "completed"
    delivered = [
        e for e in engine.list_events(instance_id) if e.name == "message-delivered"
    ]
    assert [e.details["message"] for e in delivered] == [message]
