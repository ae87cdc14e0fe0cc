"""Supervisors' repairs: each works, is logged, and is refused without a
reason or by anyone but a supervisor, changing nothing then."""

from datetime import timedelta

import pytest
from console_support import CLERK
from console_support import CONSOLE
from console_support import HUKUM
from console_support import KABAG
from console_support import OPD
from console_support import Services
from console_support import add_user
from console_support import open_task
from console_support import walk_to
from support import assert_waits_current

from engine import Actor
from engine import Conflict
from engine import InstanceNotActive
from engine import InvalidInput
from engine import PermissionDenied
from engine import ScriptError
from engine.scheduler import Scheduler


@pytest.fixture
def scripts():
    return Services()


@pytest.fixture
def console(make_engine, scripts):
    engine = make_engine(functions=scripts.functions())
    engine.deploy([CONSOLE])
    add_user(engine, "siti", {"opd"})
    add_user(engine, "rudi", {"opd"})
    add_user(engine, "hana", {"hukum"})
    add_user(engine, "gone", {"opd"}, active=False)
    return engine


@pytest.fixture
def instance_id(console):
    return console.start("console", actor=OPD, business_key="PKS-1")


def snapshot(engine, instance_id):
    """What a refused repair must leave as it was."""
    info = engine.get_instance(instance_id)
    tasks = sorted(
        (t.id, t.spec_name, t.state, t.lane, t.assignee)
        for t in engine.list_tasks(instance_id=instance_id)
    )
    return (info.status, info.lock_version, info.error, tasks)


def restart(make_engine, scripts):
    return make_engine(functions=scripts.functions())


# -- refusals, for every action ---------------------------------------------

ACTIONS = {
    "reassign": lambda e, i, **kw: e.reassign_task(
        open_task(e, i).id, user="rudi", **kw
    ),
    "retry": lambda e, i, **kw: e.retry_instance(i, **kw),
    "move": lambda e, i, **kw: e.move_token(i, to_element="sign", **kw),
    "suspend": lambda e, i, **kw: e.suspend_instance(i, **kw),
    "resume": lambda e, i, **kw: e.resume_instance(i, **kw),
    "cancel": lambda e, i, reason, actor: e.cancel_instance(i, reason, actor=actor),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_repair_without_a_reason_is_refused(console, instance_id, action, reason):
    before = snapshot(console, instance_id)

    with pytest.raises(InvalidInput) as refused:
        ACTIONS[action](console, instance_id, reason=reason, actor=KABAG)

    assert refused.value.errors == {"reason": ["A reason is required."]}
    assert snapshot(console, instance_id) == before
    assert console.list_operations(instance_id) == []


@pytest.mark.parametrize("action", list(ACTIONS))
def test_repair_by_a_non_supervisor_is_refused(console, instance_id, action):
    before = snapshot(console, instance_id)

    with pytest.raises(PermissionDenied, match="Only a supervisor"):
        ACTIONS[action](console, instance_id, reason="Because.", actor=OPD)

    assert snapshot(console, instance_id) == before
    assert console.list_operations(instance_id) == []


# -- reassign ------------------------------------------------------------------


def test_reassign_to_a_user_puts_the_task_in_their_inbox(console, instance_id):
    task = open_task(console, instance_id)

    console.reassign_task(task.id, user="rudi", reason="Siti is on leave.", actor=KABAG)

    rudi = Actor("rudi", {"opd"})
    assert [t.id for t in console.list_tasks(actor=rudi)] == [task.id]
    moved = console.get_task(task.id)
    assert (moved.state, moved.assignee, moved.lane) == ("claimed", "rudi", "opd")
    assert_waits_current(console)
    (entry,) = console.list_operations(instance_id)
    assert (entry.action, entry.task_id, entry.actor, entry.reason) == (
        "task-reassigned",
        task.id,
        "kabag",
        "Siti is on leave.",
    )
    assert (entry.old, entry.new) == (
        {"lane": "opd", "assignee": None},
        {"lane": "opd", "assignee": "rudi"},
    )
    assert console.list_events(instance_id)[-1].name == "task-reassigned"
    (note,) = console.list_notifications(rudi)
    assert "Siti is on leave." in note.text


def test_reassign_to_a_role_moves_the_task_to_its_lane(console, instance_id):
    task = open_task(console, instance_id)
    console.claim_task(task.id, actor=OPD)

    console.reassign_task(task.id, role="hukum", reason="Legal drafts it.", actor=KABAG)

    moved = console.get_task(task.id)
    assert (moved.state, moved.assignee, moved.lane) == ("ready", None, "hukum")
    assert_waits_current(console)
    assert [t.id for t in console.list_tasks(actor=HUKUM)] == [task.id]
    console.complete_task(task.id, {}, actor=HUKUM)
    assert open_task(console, instance_id).spec_name == "review"


@pytest.mark.parametrize(
    ("target", "field", "message"),
    [
        ({"user": "nobody"}, "user", "no active user 'nobody'"),
        ({"user": "gone"}, "user", "no active user 'gone'"),
        ({"user": "hana"}, "user", "does not hold the 'opd' role"),
        ({"role": "keuangan"}, "role", "no user holds that role"),
        ({"user": "siti", "role": "hukum"}, "user", "does not hold the 'hukum'"),
        ({}, "user", "Choose the user or the role"),
        ({"role": "opd"}, "user", "already with 'opd'"),
    ],
    ids=["unknown", "inactive", "wrong-lane", "unknown-role", "both", "none", "same"],
)
def test_reassign_refuses_a_target_that_cannot_take_it(
    console, instance_id, target, field, message
):
    task = open_task(console, instance_id)
    before = snapshot(console, instance_id)

    with pytest.raises(InvalidInput, match=message) as refused:
        console.reassign_task(task.id, reason="Leave.", actor=KABAG, **target)

    assert field in refused.value.errors
    assert snapshot(console, instance_id) == before
    assert console.list_operations(instance_id) == []


def test_reassign_a_closed_task_is_refused(console, instance_id):
    task = open_task(console, instance_id)
    console.complete_task(task.id, {}, actor=OPD)

    with pytest.raises(Conflict, match="completed"):
        console.reassign_task(task.id, user="rudi", reason="Leave.", actor=KABAG)


# -- retry -----------------------------------------------------------------------


def test_retry_closes_the_incident_of_a_failed_step(console, scripts, instance_id):
    task = open_task(console, instance_id)
    scripts.failing.add("check_fee")
    with pytest.raises(ScriptError):
        console.complete_task(task.id, {}, actor=OPD)
    scripts.failing.clear()

    console.retry_instance(instance_id, reason="Fee service is back.", actor=KABAG)

    assert console.get_instance(instance_id).error is None
    (entry,) = console.list_operations(instance_id)
    assert entry.action == "instance-retried"
    assert entry.old["error"]["element"] == "check"
    assert entry.new == {"error": None, "timers": [], "escalations": []}
    console.complete_task(task.id, {}, actor=OPD)
    assert open_task(console, instance_id).spec_name == "review"
    assert_waits_current(console)


def test_retry_that_fails_again_keeps_the_incident_and_logs_nothing(
    console, scripts, instance_id, clock
):
    walk_to(console, instance_id, "cool")
    scripts.failing.add("settle_terms")
    clock.advance(days=2, seconds=1)
    Scheduler(console, owner="test").run_due()
    before = snapshot(console, instance_id)

    with pytest.raises(ScriptError, match="settlement service is down"):
        console.retry_instance(instance_id, reason="Try once more.", actor=KABAG)

    assert snapshot(console, instance_id)[:2] == before[:2]
    assert console.get_instance(instance_id).error["element"] == "settle"
    assert console.list_operations(instance_id) == []


def test_retry_refires_a_timer_that_used_up_its_attempts(
    make_engine, console, scripts, instance_id, clock
):
    walk_to(console, instance_id, "cool")
    scripts.failing.add("settle_terms")
    scheduler = Scheduler(console, owner="test")
    clock.advance(days=2, seconds=1)
    for _ in range(6):
        scheduler.run_due()
        clock.advance(hours=1)
    assert console.get_instance(instance_id).error["element"] == "cool"
    scripts.failing.clear()

    engine = restart(make_engine, scripts)
    engine.retry_instance(instance_id, reason="Settlement is back.", actor=KABAG)

    assert engine.get_instance(instance_id).error is None
    assert open_task(engine, instance_id).spec_name == "sign"
    assert Scheduler(engine, owner="test").run_due()["timers"] == 0
    (entry,) = console.list_operations(instance_id)
    assert entry.new == {"error": None, "timers": ["cool"], "escalations": []}
    assert_waits_current(engine)


def test_retry_without_an_incident_is_refused(console, instance_id):
    with pytest.raises(Conflict, match="no incident"):
        console.retry_instance(instance_id, reason="Just in case.", actor=KABAG)

    assert console.list_operations(instance_id) == []


# -- move the token ----------------------------------------------------------------


def test_move_back_reopens_an_earlier_task(make_engine, scripts, console, instance_id):
    walk_to(console, instance_id, "review")
    review = open_task(console, instance_id)

    assert console.movable_elements(instance_id) == [
        ("check", "Check the fee"),
        ("draft", "Draft the proposal"),
        ("reply", "Partner replies"),
        ("cool", "Cooling-off period"),
        ("settle", "Settle the terms"),
        ("sign", "Sign"),
        ("c_end", "c_end"),
    ]
    console.move_token(
        instance_id, to_element="draft", reason="Wrong fee table.", actor=KABAG
    )

    assert console.get_task(review.id).state == "cancelled"
    assert_waits_current(console)
    draft = open_task(console, instance_id)
    assert (draft.spec_name, draft.state) == ("draft", "ready")
    (entry,) = console.list_operations(instance_id)
    assert (entry.action, entry.old, entry.new, entry.task_id) == (
        "token-moved",
        {"element": "review"},
        {"element": "draft"},
        review.id,
    )
    engine = restart(make_engine, scripts)
    engine.complete_task(draft.id, {}, actor=OPD)
    assert open_task(engine, instance_id).spec_name == "review"


def test_move_forward_skips_to_a_later_element(
    make_engine, scripts, console, instance_id
):
    console.move_token(
        instance_id, to_element="sign", reason="Signed on paper.", actor=KABAG
    )

    sign = open_task(console, instance_id)
    assert sign.spec_name == "sign"
    assert_waits_current(console)
    engine = restart(make_engine, scripts)
    engine.complete_task(sign.id, {}, actor=OPD)
    assert engine.get_instance(instance_id).status == "completed"


def test_move_off_a_message_drops_the_subscription(console, instance_id):
    walk_to(console, instance_id, "reply")

    console.move_token(instance_id, to_element="review", reason="Redo.", actor=KABAG)

    assert open_task(console, instance_id).spec_name == "review"
    assert_waits_current(console)
    with pytest.raises(Exception, match="No instance is waiting"):
        console.send_message("partner_reply", actor=CLERK, instance_id=instance_id)


@pytest.mark.parametrize(
    ("to_element", "message"),
    [
        ("draft", "already at 'draft'"),
        ("c_start", "cannot move from 'draft' to 'c_start'"),
        ("nowhere", "cannot move from 'draft' to 'nowhere'"),
        ("", "Choose the element"),
    ],
    ids=["same", "start-event", "unknown", "empty"],
)
def test_move_to_an_element_it_cannot_reach_is_refused(
    console, instance_id, to_element, message
):
    before = snapshot(console, instance_id)

    with pytest.raises(InvalidInput, match=message):
        console.move_token(
            instance_id, to_element=to_element, reason="Try.", actor=KABAG
        )

    assert snapshot(console, instance_id) == before
    assert console.list_operations(instance_id) == []


def test_move_into_a_failing_script_changes_nothing(console, scripts, instance_id):
    scripts.failing.add("check_fee")
    before = snapshot(console, instance_id)

    with pytest.raises(InvalidInput, match="failed at 'check'"):
        console.move_token(instance_id, to_element="check", reason="Try.", actor=KABAG)

    assert snapshot(console, instance_id) == before
    assert console.list_operations(instance_id) == []


# -- suspend and resume ------------------------------------------------------------


def test_suspended_instance_takes_no_step_until_resumed(console, instance_id):
    task = open_task(console, instance_id)

    console.suspend_instance(instance_id, reason="Court case.", actor=KABAG)

    assert console.get_instance(instance_id).status == "suspended"
    with pytest.raises(InstanceNotActive, match="suspended. Ask a supervisor"):
        console.complete_task(task.id, {}, actor=OPD)
    with pytest.raises(InstanceNotActive, match="already suspended|only an active"):
        console.suspend_instance(instance_id, reason="Again.", actor=KABAG)
    console.resume_instance(instance_id, reason="Case closed.", actor=KABAG)
    console.complete_task(task.id, {}, actor=OPD)
    assert [e.action for e in console.list_operations(instance_id)] == [
        "instance-resumed",
        "instance-suspended",
    ]


def test_suspended_instance_refuses_messages(console, instance_id):
    walk_to(console, instance_id, "reply")
    console.suspend_instance(instance_id, reason="Court case.", actor=KABAG)

    with pytest.raises(InstanceNotActive, match="Send it again once"):
        console.send_message("partner_reply", actor=CLERK, instance_id=instance_id)

    console.resume_instance(instance_id, reason="Case closed.", actor=KABAG)
    console.send_message("partner_reply", actor=CLERK, instance_id=instance_id)


def test_timer_of_a_suspended_instance_fires_after_resume(console, instance_id, clock):
    walk_to(console, instance_id, "cool")
    console.suspend_instance(instance_id, reason="Court case.", actor=KABAG)
    clock.advance(days=3)

    assert console.fire_due_timers() == 0
    console.resume_instance(instance_id, reason="Case closed.", actor=KABAG)
    assert console.fire_due_timers() == 1
    assert open_task(console, instance_id).spec_name == "sign"


def test_resume_an_active_instance_is_refused(console, instance_id):
    with pytest.raises(InstanceNotActive, match="only a suspended instance"):
        console.resume_instance(instance_id, reason="Go.", actor=KABAG)


# -- cancel ------------------------------------------------------------------------


@pytest.mark.parametrize("suspended", [False, True], ids=["active", "suspended"])
def test_cancel_is_logged(console, instance_id, suspended, clock):
    if suspended:
        console.suspend_instance(instance_id, reason="Hold.", actor=KABAG)
    clock.advance(minutes=5)

    console.cancel_instance(instance_id, "Partner withdrew.", actor=KABAG)

    assert console.get_instance(instance_id).status == "cancelled"
    entry = console.list_operations(instance_id)[0]
    assert (entry.action, entry.reason, entry.new) == (
        "instance-cancelled",
        "Partner withdrew.",
        {"status": "cancelled"},
    )
    assert entry.old == {"status": "suspended" if suspended else "active"}
    assert console.list_tasks(instance_id=instance_id) == []
    assert console.supervision.findings() == []
    assert_waits_current(console)


def test_clock_moves_are_recorded_in_the_log(console, instance_id, clock):
    clock.advance(hours=2)
    console.suspend_instance(instance_id, reason="Hold.", actor=KABAG)

    (entry,) = console.list_operations(instance_id)
    assert entry.created_at == clock.now()
    assert entry.created_at - console.get_instance(instance_id).created_at == (
        timedelta(hours=2)
    )
