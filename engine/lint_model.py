"""The BPMN the lint rules read: element kinds, names and one file's flows.

Rules register themselves with :func:`rule`; :mod:`engine.lint_rules` runs
them. A rule gets a :class:`Diagram` and yields ``(element, message)`` pairs,
each message naming the element with :func:`describe`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterator

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"

TASKS = frozenset(
    {
        "task",
        "userTask",
        "manualTask",
        "scriptTask",
        "serviceTask",
        "sendTask",
        "receiveTask",
        "businessRuleTask",
    }
)
SUB_PROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
ACTIVITIES = TASKS | SUB_PROCESSES | {"callActivity"}
CATCH_EVENTS = frozenset({"startEvent", "intermediateCatchEvent", "boundaryEvent"})
THROW_EVENTS = frozenset({"endEvent", "intermediateThrowEvent", "implicitThrowEvent"})
EVENTS = CATCH_EVENTS | THROW_EVENTS
GATEWAYS = frozenset(
    {
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "complexGateway",
        "eventBasedGateway",
    }
)
FLOW_NODES = ACTIVITIES | EVENTS | GATEWAYS
CONTAINERS = SUB_PROCESSES | {"process"}

#: bpmnlint's ``recommended`` configuration: rule name -> severity.
_LABELS = {
    "process": "Process",
    "subProcess": "Sub process",
    "transaction": "Transaction",
    "adHocSubProcess": "Ad hoc sub process",
    "callActivity": "Call activity",
    "sequenceFlow": "Sequence flow",
    "messageFlow": "Message flow",
    "participant": "Participant",
    "lane": "Lane",
}


def local(node) -> str:
    """The tag of ``node`` without its namespace."""
    return str(node.tag).rpartition("}")[2]


def describe(node) -> str:
    """Name an element for a message: its kind, id and name."""
    kind = local(node)
    label = _LABELS.get(kind) or _split_words(kind)
    text = f"{label} {node.get('id')!r}"
    name = " ".join((node.get("name") or "").split())
    return f"{text} ({name!r})" if name else text


def _split_words(kind: str) -> str:
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in kind)
    return words[0].upper() + words[1:]


class Diagram:
    """One BPMN file with the lookups the rules share."""

    def __init__(self, file: str, root) -> None:
        self.file = file
        self.root = root
        self.by_id = {n.get("id"): n for n in root.iter() if n.get("id")}
        self.incoming: dict[str, list] = defaultdict(list)
        self.outgoing: dict[str, list] = defaultdict(list)
        for flow in self.all("sequenceFlow"):
            self.outgoing[flow.get("sourceRef")].append(flow)
            self.incoming[flow.get("targetRef")].append(flow)

    def all(self, *kinds: str) -> Iterator:
        return self.root.iter(*(f"{{{BPMN_NS}}}{k}" for k in kinds))

    def nodes(self, kinds=FLOW_NODES) -> Iterator:
        return self.all(*sorted(kinds))

    def children(self, container, kinds=FLOW_NODES) -> list:
        return [c for c in container if isinstance(c.tag, str) and local(c) in kinds]

    def ins(self, node) -> list:
        return self.incoming.get(node.get("id"), [])

    def outs(self, node) -> list:
        return self.outgoing.get(node.get("id"), [])


def event_definitions(node) -> list[str]:
    return [
        local(c)
        for c in node
        if isinstance(c.tag, str) and local(c).endswith("EventDefinition")
    ]


def has_condition(flow) -> bool:
    return flow.find(f"{{{BPMN_NS}}}conditionExpression") is not None


def is_default(node, flow) -> bool:
    return bool(node.get("default")) and node.get("default") == flow.get("id")


def triggered(node) -> bool:
    return node.get("triggeredByEvent") == "true"


def in_ad_hoc(node) -> bool:
    parent = node.getparent()
    return parent is not None and local(parent) == "adHocSubProcess"


Finding = tuple[object, str]
Check = Callable[[Diagram], Iterator[Finding]]
CHECKS: dict[str, Check] = {}


def rule(name: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        CHECKS[name] = check
        return check

    return register
