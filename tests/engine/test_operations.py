"""The operation log: written with the change it records, read newest first."""

from datetime import UTC
from datetime import datetime

import pytest
from console_support import CONSOLE
from console_support import OPD

from engine import operations

AT = datetime(2025, 6, 12, 1, 0, tzinfo=UTC)


@pytest.fixture
def instance_id(engine):
    engine.deploy([CONSOLE])
    return engine.start("console", actor=OPD)


def record(connection, instance_id, **values):
    values = {
        "instance_id": instance_id,
        "action": "task-reassigned",
        "actor": "kabag",
        "reason": "On leave.",
        "at": AT,
        **values,
    }
    operations.record(connection, **values)


def test_record_keeps_who_what_old_new_and_why(engine, instance_id):
    with engine.db.write() as connection:
        record(
            connection,
            instance_id,
            task_id="t-1",
            old={"assignee": "budi"},
            new={"assignee": "siti"},
            reason="  Budi is on leave.  ",
        )

    (entry,) = engine.list_operations(instance_id)
    assert (entry.instance_id, entry.task_id, entry.action, entry.actor) == (
        instance_id,
        "t-1",
        "task-reassigned",
        "kabag",
    )
    assert (entry.old, entry.new) == ({"assignee": "budi"}, {"assignee": "siti"})
    assert (entry.reason, entry.created_at) == ("Budi is on leave.", AT)


def test_record_on_a_raw_connection_reads_the_same(engine, instance_id):
    with engine.db.raw_write() as connection:
        operations.record(
            connection,
            instance_id=instance_id,
            action="token-moved",
            actor="kabag",
            reason="Back to drafting.",
            at=AT,
            old={"element": "review"},
            new={"element": "draft"},
            driver=engine.db.driver,
        )

    (entry,) = engine.list_operations(instance_id)
    assert (entry.action, entry.old, entry.new, entry.created_at) == (
        "token-moved",
        {"element": "review"},
        {"element": "draft"},
        AT,
    )


def test_entry_rolls_back_with_the_change(engine, instance_id):
    with pytest.raises(RuntimeError), engine.db.write() as connection:
        record(connection, instance_id)
        raise RuntimeError("the change failed")

    assert engine.list_operations(instance_id) == []


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_record_refuses_an_entry_without_a_reason(engine, instance_id, reason):
    with pytest.raises(ValueError, match="needs a reason"):
        with engine.db.write() as connection:
            record(connection, instance_id, reason=reason)

    assert engine.list_operations() == []


def test_list_is_newest_first_per_instance_and_limited(engine, instance_id):
    other = engine.start("console", actor=OPD)
    with engine.db.write() as connection:
        for n in range(3):
            record(connection, instance_id, reason=f"reason {n}")
        record(connection, other, reason="other")

    assert [e.reason for e in engine.list_operations(instance_id)] == [
        "reason 2",
        "reason 1",
        "reason 0",
    ]
    assert [e.reason for e in engine.list_operations(limit=2)] == [
        "other",
        "reason 2",
    ]
