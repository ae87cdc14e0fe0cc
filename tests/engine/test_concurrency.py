"""Concurrent writers: exactly one wins, the others get a conflict.

Two OS processes with ten threads each try to complete the same 100 tasks
at once, on SQLite and on PostgreSQL.
"""

import multiprocessing
import random
import threading
from collections import Counter
from pathlib import Path

import pytest

from engine import Actor
from engine import Conflict
from engine import Engine

ONE_TASK = Path(__file__).parent / "defs" / "one_task.bpmn"
PROCESSES = 2
THREADS = 10
TASKS = 100


def _complete_all(url: str, task_ids: list[str], go, results) -> None:
    """One OS process: THREADS threads each try every task once."""
    engine = Engine(url)
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def run(seed: int) -> None:
        order = list(task_ids)
        random.Random(seed).shuffle(order)
        actor = Actor(f"user{seed}", {"staff"})
        barrier.wait()
        for task_id in order:
            try:
                engine.complete_task(task_id, {"by": actor.name}, actor=actor)
                outcome = "won"
            except Conflict:
                outcome = "conflict"
            except Exception as e:  # noqa: BLE001 - reported to the test
                outcome = f"error: {type(e).__name__}: {e}"
            with lock:
                counts[outcome] += 1

    go.wait()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.close()
    results.put(dict(counts))


@pytest.mark.slow
def test_race_on_the_same_tasks_has_exactly_one_winner_each(engine, database_url):
    engine.deploy([ONE_TASK])
    starter = Actor("starter", {"staff"})
    ids = [engine.start("one_task", actor=starter) for _ in range(TASKS)]
    task_ids = [engine.list_tasks(instance_id=i)[0].id for i in ids]
    engine.close()

    context = multiprocessing.get_context("spawn")
    go, results = context.Event(), context.Queue()
    workers = [
        context.Process(
            target=_complete_all, args=(database_url, task_ids, go, results)
        )
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    go.set()
    totals: Counter[str] = Counter()
    for _ in workers:
        totals.update(results.get(timeout=300))
    for worker in workers:
        worker.join(timeout=60)

    attempts = PROCESSES * THREADS * TASKS
    assert totals == {"won": TASKS, "conflict": attempts - TASKS}
    checker = Engine(database_url)
    done = checker.list_tasks(states=("completed",))
    assert len(done) == TASKS
    assert {i.status for i in checker.list_instances()} == {"completed"}
    completions = [e for e in checker.list_events() if e.name == "task-completed"]
    assert len(completions) == TASKS
    checker.close()
