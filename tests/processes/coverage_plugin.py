"""Diagram coverage: which flow nodes and sequence flows of processes/ ran.

Every engine the tests build is closed at the end of its test, the test-run
sandbox's scratch engines too. Just before that, this plugin loads each
instance of a process from ``processes/`` and reads its visits as
:mod:`engine.coverage` defines them: a flow node is visited when a task of
its element completed or is open when the test ends; a sequence flow is
taken when its target was reached from its completed source. The terminal
summary prints, per process, the visited and total counts and what was not
visited. Set ``EKERJASAMA_COVERAGE=off`` to skip the recording.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from engine import Engine
from engine.coverage import Diagram
from engine.coverage import read_folder
from engine.coverage import visits

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


class Coverage:
    """What the tests visited, gathered from instances' task trees."""

    def __init__(self, diagrams: dict[str, Diagram]) -> None:
        self.diagrams = diagrams
        self.nodes: dict[str, set[str]] = defaultdict(set)
        self.flows: dict[str, set[str]] = defaultdict(set)
        self.errors: list[str] = []

    def record_engine(self, engine: Engine) -> None:
        for process_id in self.diagrams:
            for info in engine.list_instances(process_id=process_id):
                self.record_workflow(engine.stepper.load(info.id).workflow)

    def record_workflow(self, workflow) -> None:
        for visit in visits(workflow, self.diagrams):
            if visit.node is not None:
                self.nodes[visit.process_id].add(visit.node)
            if visit.flow is not None:
                self.flows[visit.process_id].add(visit.flow)

    def report(self) -> list[str]:
        lines = []
        for process_id, diagram in self.diagrams.items():
            nodes, flows = self.nodes[process_id], self.flows[process_id]
            lines.append(
                f"{process_id}: flow nodes {len(nodes)}/{len(diagram.nodes)}, "
                f"sequence flows {len(flows)}/{len(diagram.flows)}"
            )
            missed_nodes = sorted(set(diagram.nodes) - nodes)
            missed_flows = sorted(set(diagram.flows.values()) - flows)
            if missed_nodes:
                lines.append(f"  nodes not visited: {', '.join(missed_nodes)}")
            if missed_flows:
                lines.append(f"  flows not taken: {', '.join(missed_flows)}")
        return lines


_coverage: Coverage | None = None
_original_close = Engine.close


def _recording_close(self: Engine) -> None:
    if _coverage is not None:
        try:
            _coverage.record_engine(self)
        except Exception as e:
            # Coverage is a report; it must never fail the test it watches.
            _coverage.errors.append(f"{type(e).__name__}: {e}")
    _original_close(self)


def pytest_configure(config) -> None:
    global _coverage
    if os.environ.get("EKERJASAMA_COVERAGE", "").lower() in ("off", "0"):
        return
    _coverage = Coverage(read_folder(PROCESSES))
    Engine.close = _recording_close


def pytest_unconfigure(config) -> None:
    global _coverage
    Engine.close = _original_close
    _coverage = None


def pytest_terminal_summary(terminalreporter) -> None:
    if _coverage is None or not _coverage.nodes:
        return
    terminalreporter.section("process diagram coverage")
    for line in _coverage.report():
        terminalreporter.write_line(line)
    for error in _coverage.errors[:5]:
        terminalreporter.write_line(f"could not record an engine: {error}")
