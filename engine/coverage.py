"""Which flow nodes and sequence flows of a diagram an instance visited.

The test-run sandbox, saved scenarios and the process tests' coverage report
all read visits the same way, from an instance's SpiffWorkflow task trees
(its own and those of the processes it called):

* a flow node is *visited* when a task of its element completed, or is open
  (ready or started);
* a sequence flow is *taken* when a visited task's nearest ancestor that is
  a diagram element completed, is the flow's source, and the task is its
  target. A parallel join's branch that arrived first is cancelled when the
  last one arrives, and still counts as taken.

Boundary events and the catch events of an event-based gateway count only
when they fired: the others end cancelled.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
#: Elements that are not flow nodes (containers, data, decoration).
NOT_NODES = frozenset(
    {
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
        "property",
        "dataInputAssociation",
        "dataOutputAssociation",
    }
)
OPEN = TaskState.READY | TaskState.STARTED


class Diagram:
    """The flow nodes and sequence flows of one process, subprocesses included."""

    def __init__(self, process: ET.Element) -> None:
        self.id = process.get("id")
        #: ``{element id: BPMN tag}``, in document order.
        self.nodes: dict[str, str] = {}
        #: ``{(source id, target id): flow id}``.
        self.flows: dict[tuple[str, str], str] = {}
        #: Ids of the embedded subprocesses, which SpiffWorkflow runs as
        #: workflows of their own.
        self.subprocesses: set[str] = set()
        self._read(process)

    def __repr__(self) -> str:
        return f"<Diagram {self.id!r}: {len(self.nodes)} nodes>"

    def _read(self, container: ET.Element) -> None:
        for element in container:
            tag = element.tag.replace(BPMN, "")
            if tag == "sequenceFlow":
                pair = (element.get("sourceRef"), element.get("targetRef"))
                self.flows[pair] = element.get("id")
            elif tag not in NOT_NODES and element.tag.startswith(BPMN):
                self.nodes[element.get("id")] = tag
                if tag in ("subProcess", "transaction", "adHocSubProcess"):
                    self.subprocesses.add(element.get("id"))
                    self._read(element)


def read_diagrams(files: dict[str, str]) -> dict[str, Diagram]:
    """Every process of the .bpmn texts in ``files``, by process id.

    :raise xml.etree.ElementTree.ParseError: a file is not XML.
    """
    diagrams = {}
    for name in sorted(files):
        if not name.endswith(".bpmn"):
            continue
        root = ET.fromstring(files[name])
        for process in root.iter(BPMN + "process"):
            diagrams[process.get("id")] = Diagram(process)
    return diagrams


def read_folder(folder: str | Path) -> dict[str, Diagram]:
    """Every process of the .bpmn files in ``folder``, by process id."""
    paths = sorted(Path(folder).glob("*.bpmn"))
    return read_diagrams({p.name: p.read_text(encoding="utf-8") for p in paths})


@dataclass(frozen=True)
class Visit:
    """One task's visit: of a flow node, of the flow into it, or both."""

    task_id: str
    process_id: str
    node: str | None
    flow: str | None
    #: When the task last changed state (SpiffWorkflow's clock).
    at: float


def visits(workflow, diagrams: dict[str, Diagram]) -> Iterator[Visit]:
    """The visits in ``workflow`` and every workflow it runs, unordered."""
    owners = _owners(diagrams)
    # The top workflow's task list reaches into the workflows it runs, so a
    # task can turn up twice; it counts once.
    seen: set[str] = set()
    for part in [workflow, *workflow.subprocesses.values()]:
        diagram = owners.get(part.spec.name)
        if diagram is None:
            continue
        for visit in _part_visits(part, diagram):
            if visit.task_id not in seen:
                seen.add(visit.task_id)
                yield visit


def _owners(diagrams: dict[str, Diagram]) -> dict[str, Diagram]:
    owners = {}
    for diagram in diagrams.values():
        owners[diagram.id] = diagram
        owners.update(dict.fromkeys(diagram.subprocesses, diagram))
    return owners


def _part_visits(workflow, diagram: Diagram) -> Iterator[Visit]:
    for task in workflow.get_tasks():
        name = task.task_spec.name
        if name not in diagram.nodes:
            continue
        reached = task.has_state(TaskState.COMPLETED | OPEN)
        joined = isinstance(task.task_spec, Join) and task.has_state(
            TaskState.CANCELLED
        )
        flow = None
        source = _diagram_ancestor(task, diagram)
        if (reached or joined) and source is not None:
            if source.has_state(TaskState.COMPLETED):
                flow = diagram.flows.get((source.task_spec.name, name))
        if reached or flow is not None:
            node = name if reached else None
            yield Visit(str(task.id), diagram.id, node, flow, task.last_state_change)


def _diagram_ancestor(task, diagram: Diagram):
    parent = task.parent
    while parent is not None and parent.task_spec.name not in diagram.nodes:
        parent = parent.parent
    return parent


def ordered(found) -> list[Visit]:
    """``found`` visits in the order they happened (flow before its node)."""
    return sorted(found, key=lambda v: v.at)


def percent(part: int, whole: int) -> float:
    """``part`` of ``whole`` in percent, one decimal; 100 for an empty whole."""
    return round(100.0 * part / whole, 1) if whole else 100.0
