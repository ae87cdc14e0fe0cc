"""Diagram coverage: which flow nodes and sequence flows of processes/ ran.

Every engine the tests build is closed at the end of its test. Just before
that, this plugin loads each instance of a process from ``processes/`` and
walks its SpiffWorkflow task trees (the instance's own and those of the
processes it called):

* a flow node is *visited* when a task of its element completed, or is
  open (ready or started) when the test ends;
* a sequence flow is *taken* when a visited task's nearest ancestor that
  is a diagram element is the flow's source and the task is its target.
  A parallel join's branch that arrived first is cancelled when the last
  one arrives, and still counts as taken.

Boundary events and the catch events of an event-based gateway count only
when they fired. The terminal summary prints, per process, the visited and
total counts and what was not visited. Set ``EKERJASAMA_COVERAGE=off`` to
skip the recording.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

from engine import Engine

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
#: Elements that are not flow nodes (containers, data, decoration).
NOT_NODES = {
    "laneSet",
    "extensionElements",
    "documentation",
    "textAnnotation",
    "association",
    "sequenceFlow",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "ioSpecification",
}
OPEN = TaskState.READY | TaskState.STARTED


class Diagram:
    """The flow nodes and sequence flows of one process."""

    def __init__(self, process: ET.Element) -> None:
        self.id = process.get("id")
        self.nodes: dict[str, str] = {}
        self.flows: dict[tuple[str, str], str] = {}
        self._read(process)

    def _read(self, container: ET.Element) -> None:
        for element in container:
            tag = element.tag.replace(BPMN, "")
            if tag == "sequenceFlow":
                pair = (element.get("sourceRef"), element.get("targetRef"))
                self.flows[pair] = element.get("id")
            elif tag not in NOT_NODES:
                self.nodes[element.get("id")] = tag
                if tag in ("subProcess", "transaction"):
                    self._read(element)


def read_diagrams(folder: Path = PROCESSES) -> dict[str, Diagram]:
    """Every process of the .bpmn files in ``folder``, by process id."""
    diagrams = {}
    for path in sorted(folder.glob("*.bpmn")):
        for process in ET.parse(path).getroot().iter(BPMN + "process"):
            diagrams[process.get("id")] = Diagram(process)
    return diagrams


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
                loaded = engine.stepper.load(info.id)
                workflow = loaded.workflow
                for part in [workflow, *workflow.subprocesses.values()]:
                    self.record_workflow(part)

    def record_workflow(self, workflow) -> None:
        diagram = self.diagrams.get(workflow.spec.name)
        if diagram is None:
            return
        for task in workflow.get_tasks():
            name = task.task_spec.name
            if name not in diagram.nodes:
                continue
            reached = task.has_state(TaskState.COMPLETED | OPEN)
            if reached:
                self.nodes[diagram.id].add(name)
            joined = isinstance(task.task_spec, Join) and task.has_state(
                TaskState.CANCELLED
            )
            source = _diagram_ancestor(task, diagram)
            if (reached or joined) and source is not None:
                flow = diagram.flows.get((source.task_spec.name, name))
                if flow is not None and source.has_state(TaskState.COMPLETED):
                    self.flows[diagram.id].add(flow)

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


def _diagram_ancestor(task, diagram: Diagram):
    parent = task.parent
    while parent is not None and parent.task_spec.name not in diagram.nodes:
        parent = parent.parent
    return parent


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
    _coverage = Coverage(read_diagrams())
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
