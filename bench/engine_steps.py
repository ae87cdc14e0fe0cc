#!/usr/bin/env python3
"""Engine step cost against plain SpiffWorkflow, and its growth with history.

Runs ``lifecycle.bpmn`` from the shared benchmark folder three ways in one
process:

1. raw: the shared ``raw_spiff.py`` ruler (restore from JSON, step, write
   JSON back, for every step);
2. engine: the same instances and answers through ``Engine.start``,
   ``list_tasks`` and ``complete_task`` on a SQLite file;
3. growth: one instance kept in the negotiation loop for 200+ rounds, timing
   the step at round 5 and at round 200.

usage: engine_steps.py [INSTANCES] [--raw-dir DIR]
The last line holds the figures as key=value pairs.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import Actor  # noqa: E402
from engine import Engine  # noqa: E402

DEFAULT_RAW_DIR = Path(__file__).resolve().parents[2] / "shared" / "bench"
USER = Actor("bench", {"initiator", "legal", "cooperation", "head"})


def load_raw(raw_dir: Path):
    spec = importlib.util.spec_from_file_location("raw_spiff", raw_dir / "raw_spiff.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_engine(engine: Engine, answers: dict, instances: int) -> tuple[int, float]:
    steps = 0
    start = time.perf_counter()
    for _ in range(instances):
        instance_id = engine.start("bench_lifecycle", actor=USER)
        seen = dict.fromkeys(answers, 0)
        while True:
            tasks = engine.list_tasks(instance_id=instance_id)
            if not tasks:
                break
            task = tasks[0]
            answer = answers[task.spec_name][seen[task.spec_name]]
            seen[task.spec_name] += 1
            engine.complete_task(task.id, answer, actor=USER)
            steps += 1
    return steps, time.perf_counter() - start


def _enter_loop(engine: Engine) -> int:
    instance_id = engine.start("bench_lifecycle", actor=USER)
    for answer in ({"title": "t"}, {"verdict": "ok"}):
        task = engine.list_tasks(instance_id=instance_id)[0]
        engine.complete_task(task.id, answer, actor=USER)
    return instance_id


def _loop_step(engine: Engine, instance_id: int) -> float:
    task = engine.list_tasks(instance_id=instance_id)[0]
    began = time.perf_counter()
    engine.complete_task(task.id, {"rounds": 0}, actor=USER)
    return 1000 * (time.perf_counter() - began)


def run_growth(engine: Engine, rounds: int, pairs: int = 5) -> tuple[float, float]:
    """Return the median ms of a loop step at round 5 and at round ``rounds``.

    Each pair is a fresh instance and one already ``rounds - 3`` rounds deep;
    their steps alternate, so both depths are timed under the same conditions.
    """
    early, late = [], []
    for _ in range(pairs):
        deep = _enter_loop(engine)
        for _ in range(rounds - 3):
            _loop_step(engine, deep)
        fresh = _enter_loop(engine)
        for _ in range(2):
            _loop_step(engine, fresh)
        for _ in range(5):  # fresh: rounds 3-7; deep: rounds-2 .. rounds+2
            early.append(_loop_step(engine, fresh))
            late.append(_loop_step(engine, deep))
    return statistics.median(early), statistics.median(late)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="?", type=int, default=200)
    parser.add_argument("--raw-dir", type=Path, default=DEFAULT_RAW_DIR)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--batches", type=int, default=40)
    args = parser.parse_args()
    logging.disable(logging.INFO)

    raw = load_raw(args.raw_dir)
    # The machine's speed drifts; alternate the two in small batches and
    # compare medians so both see the same conditions.
    batch = max(1, args.instances // args.batches)
    raw_times, engine_times, raw_steps, steps = [], [], 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(f"sqlite:///{tmp}/bench.sqlite")
        engine.init_db()
        engine.deploy([args.raw_dir / "lifecycle.bpmn"])
        run_engine(engine, raw.ANSWERS, 2)
        for _ in range(args.batches):
            n, elapsed, _ = raw.run(batch, persist=True)
            raw_steps += n
            raw_times.append(1000 * elapsed / n)
            n, elapsed = run_engine(engine, raw.ANSWERS, batch)
            steps += n
            engine_times.append(1000 * elapsed / n)
        step5, step200 = run_growth(engine, args.rounds)
        engine.close()
    raw_ms = statistics.median(raw_times)
    engine_ms = statistics.median(engine_times)
    # Each batch pairs the two under the same conditions; the median of the
    # paired ratios is steadier than the ratio of the medians.
    ratio = statistics.median(
        e / r for e, r in zip(engine_times, raw_times, strict=True)
    )

    print(
        f"raw: {raw_steps} steps, engine: {steps} steps in {args.batches} "
        f"alternating batches; growth: one instance, {args.rounds} loop rounds"
    )
    print(
        f"engine_ms={engine_ms:.3f} raw_ms={raw_ms:.3f} "
        f"ratio={ratio:.3f} step5_ms={step5:.3f} "
        f"step200_ms={step200:.3f} growth={step200 / step5:.3f}"
    )


if __name__ == "__main__":
    main()
