#!/usr/bin/env python3
"""Timer throughput and lateness of the scheduler, on a SQLite file.

1. drain: INSTANCES instances each wait on a timer that is already due; a
   scheduler started afresh on the real clock fires them all, each in its
   own engine step. ``drain_s`` is the time until the last one fired. To
   keep the set-up short, one instance is started an hour ago (by a moved
   clock) and its rows are copied in SQL to make the others.
2. lateness: SPREAD instances wait on timers due at times spread over the
   next minute; the scheduler, running in the background, fires each one.
   The lateness of a timer is when its ``timer-fired`` event was written
   less when it was due.

usage: timers.py [INSTANCES] [--spread N] [--window SECONDS]
The last line holds the figures as key=value pairs.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from engine import SYSTEM  # noqa: E402
from engine import Engine  # noqa: E402
from engine import MovableClock  # noqa: E402
from engine.scheduler import Scheduler  # noqa: E402
from engine.store.models import Event  # noqa: E402

EVENTS = Event.__table__
DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  id="bench_timer_defs" targetNamespace="http://ekerjasama.example/bench">
  <bpmn:process id="bench_timer" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDate>when</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


class Counter:
    """Counts fired timers across scheduler rounds and says when enough did."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.fired = 0
        self.done = threading.Event()

    def __call__(self, counts: dict[str, int]) -> None:
        self.fired += counts.get("timers", 0)
        if self.fired >= self.target:
            self.done.set()


#: Copies of the seed instance's rows, ids shifted by ``:shift + n``.
_COPIES = [
    "INSERT INTO instances (id, process_id, version_id, business_key, status, "
    "state, lock_version, created_by, created_at, updated_at) "
    "SELECT :shift + n.i, process_id, version_id, business_key, status, state, "
    "lock_version, created_by, created_at, updated_at FROM instances, n "
    "WHERE id = :seed",
    "INSERT INTO instance_tasks (instance_id, task_id, workflow_key, seq, body) "
    "SELECT :shift + n.i, task_id, workflow_key, seq, body FROM instance_tasks, n "
    "WHERE instance_id = :seed",
    "INSERT INTO timers (instance_id, task_id, element, due_at, attempts) "
    "SELECT :shift + n.i, task_id, element, due_at, 0 FROM timers, n "
    "WHERE instance_id = :seed",
]
_SERIES = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :copies) "
)


def copy_instance(engine: Engine, seed: int, copies: int) -> None:
    params = {"seed": seed, "shift": seed, "copies": copies}
    with engine.db.write() as connection:
        for statement in _COPIES:
            connection.execute(sa.text(_SERIES + statement), params)


def start_waiting(engine: Engine, dues: list[datetime]) -> None:
    for due in dues:
        engine.start("bench_timer", actor=SYSTEM, data={"when": due.isoformat()})


def drain(url: str, instances: int) -> float:
    past = datetime.now(UTC) - timedelta(hours=1)
    setup = Engine(url, clock=MovableClock(past))
    setup.init_db()
    seed = setup.start(
        "bench_timer",
        actor=SYSTEM,
        data={"when": (past + timedelta(minutes=1)).isoformat()},
    )
    copy_instance(setup, seed, instances - 1)
    setup.close()

    engine = Engine(url)
    counter = Counter(instances)
    scheduler = Scheduler(engine, owner="drain", batch=500, after_round=counter)
    t0 = time.perf_counter()
    scheduler.start()
    counter.done.wait(600)
    elapsed = time.perf_counter() - t0
    scheduler.stop()
    engine.close()
    return elapsed


def lateness(url: str, spread: int, window: float) -> list[float]:
    engine = Engine(url)
    counter = Counter(spread)
    scheduler = Scheduler(engine, owner="late", poll=30, after_round=counter)
    scheduler.start()
    begin = datetime.now(UTC) + timedelta(seconds=3)
    step = window / spread
    dues = [begin + timedelta(seconds=i * step) for i in range(spread)]
    start_waiting(engine, dues)
    counter.done.wait(window + 60)
    scheduler.stop()
    with engine.db.read() as connection:
        rows = connection.execute(
            sa.select(EVENTS.c.created_at, EVENTS.c.details).where(
                EVENTS.c.name == "timer-fired", EVENTS.c.created_at >= begin
            )
        ).all()
    engine.close()
    return [
        (created - datetime.fromisoformat(details["due_at"])).total_seconds()
        for created, details in rows
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("instances", type=int, nargs="?", default=10_000)
    parser.add_argument("--spread", type=int, default=300)
    parser.add_argument("--window", type=float, default=60.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        engine = Engine(url)
        engine.init_db()
        diagram = Path(folder) / "bench_timer.bpmn"
        diagram.write_text(DIAGRAM)
        engine.deploy([diagram])
        engine.close()

        drain_s = drain(url, args.instances)
        print(f"drained {args.instances} due timers in {drain_s:.1f} s")
        late = lateness(url, args.spread, args.window)

    late.sort()
    p95 = late[max(0, int(len(late) * 0.95) - 1)] if late else float("nan")
    if late:
        median = statistics.median(late)
        print(
            f"{len(late)} timers over {args.window:.0f} s: median {median:.3f} s late"
        )
    print(
        f"drain_s={drain_s:.1f} late_p95_s={p95:.3f} "
        f"late_max_s={max(late, default=float('nan')):.3f}"
    )


if __name__ == "__main__":
    main()
