"""What the store writes after each step restores to the same workflow."""

import itertools
from pathlib import Path

import pytest
from support import assert_store_matches_memory

from engine import Actor

DEFS = Path(__file__).parent / "defs"
STAFF = Actor("siti", {"staff", "initiator", "legal", "cooperation", "head"})


@pytest.mark.parametrize(
    "firsts",
    list(itertools.product(["report_opd", "report_partner"], repeat=3)),
    ids=lambda firsts: "-".join(name.split("_")[1] for name in firsts),
)
def test_parallel_rounds_restore_after_every_step(make_engine, firsts):
    # Whichever branch arrives first in each round, the join waits for both
    # (SpiffWorkflow alone stops when the order changes between rounds).
    engine = make_engine()
    engine.deploy([DEFS / "parallel_loop.bpmn"])
    instance_id = engine.start("parallel_loop", actor=STAFF)

    for round_no, first in enumerate(firsts):
        again = "yes" if round_no < len(firsts) - 1 else "no"
        for name in (first, None):
            tasks = engine.list_tasks(instance_id=instance_id)
            assert len(tasks) == (2 if name else 1)
            task = next(t for t in tasks if name in (None, t.spec_name))
            engine.complete_task(task.id, {"again": again}, actor=STAFF)
            assert_store_matches_memory(make_engine, engine, instance_id)

    assert engine.get_instance(instance_id).status == "completed"


@pytest.mark.parametrize("verdicts", [["revise", "ok"], ["ok"]], ids=["revise", "ok"])
def test_lifecycle_restores_after_every_step(make_engine, verdicts):
    engine = make_engine()
    engine.deploy([DEFS / "lifecycle.bpmn"])
    instance_id = engine.start("bench_lifecycle", actor=STAFF)
    answers = {
        "propose": [{"title": "t"}] * 2,
        "review": [{"verdict": v} for v in verdicts],
        "negotiate": [{"rounds": r} for r in (1, 2, 3)],
        "sign": [{"signed": True}],
        "monitor": [{"score": 4}],
    }

    while tasks := engine.list_tasks(instance_id=instance_id):
        engine.complete_task(
            tasks[0].id, answers[tasks[0].spec_name].pop(0), actor=STAFF
        )
        assert_store_matches_memory(make_engine, engine, instance_id)

    assert engine.get_instance(instance_id).status == "completed"
