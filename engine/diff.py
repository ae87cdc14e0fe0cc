"""What changed between two versions of a process.

A designer deciding whether to deploy, or whether running instances can
move, needs to see the diagram's elements side by side: which were added,
which were removed and which kept their id but changed something the
engine reads (name, type, flows, conditions, scripts, form, timers, service
operator, called process, lane). Elements are matched by their BPMN id, the
same rule :mod:`engine.migrate` uses to move instances. Only the process
itself is compared, with its embedded sub processes; a called process has
versions of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from lxml import etree

from .definitions import BPMN_NS
from .definitions import FORM_PROPERTY
from .definitions import SPIFF_NS
from .errors import DefinitionError
from .errors import Problem
from .lint_model import FLOW_NODES
from .lint_model import local


@dataclass(frozen=True)
class ElementInfo:
    """One element of a diagram: its BPMN id, tag name and label."""

    id: str
    type: str
    name: str


@dataclass(frozen=True)
class ElementChange:
    """An element present in both versions whose ``fields`` differ.

    ``fields`` maps a field name to ``(old value, new value)``.
    """

    id: str
    type: str
    name: str
    fields: dict[str, tuple[Any, Any]]


@dataclass(frozen=True)
class VersionDiff:
    added: list[ElementInfo] = field(default_factory=list)
    removed: list[ElementInfo] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_files(
    old: dict[str, str], new: dict[str, str], process_id: str
) -> VersionDiff:
    """Compare the elements of process ``process_id`` in two sets of files.

    :raise DefinitionError: a file does not parse as XML, or neither set
        defines the process.
    """
    before = elements(old, process_id)
    after = elements(new, process_id)
    if before is None and after is None:
        raise DefinitionError(
            [
                Problem(
                    f"Neither version defines process {process_id!r}.",
                    rule="process-id",
                )
            ]
        )
    before, after = before or {}, after or {}
    added = [after[i][0] for i in after if i not in before]
    removed = [before[i][0] for i in before if i not in after]
    changed = []
    for element_id, (info, fields) in after.items():
        if element_id not in before:
            continue
        old_info, old_fields = before[element_id]
        delta = {
            key: (old_fields.get(key), fields.get(key))
            for key in sorted(old_fields.keys() | fields.keys())
            if old_fields.get(key) != fields.get(key)
        }
        if delta:
            changed.append(ElementChange(info.id, info.type, info.name, delta))
    return VersionDiff(added, removed, changed)


def elements(
    files: dict[str, str], process_id: str
) -> dict[str, tuple[ElementInfo, dict[str, Any]]] | None:
    """Each element of ``process_id`` with the fields the engine reads.

    :return: ``{id: (info, fields)}``, or None when no file defines it.
    :raise DefinitionError: a file does not parse as XML.
    """
    for name, text in files.items():
        if not name.endswith(".bpmn"):
            continue
        try:
            root = etree.fromstring(text.encode("utf-8"))
        except etree.XMLSyntaxError as e:
            raise DefinitionError(
                [
                    Problem(
                        f"The XML does not parse: {e.msg}.",
                        file=name,
                        line=e.lineno,
                        rule="xml",
                    )
                ]
            ) from None
        for process in root.iter(_b("process")):
            if process.get("id") == process_id:
                return _describe_process(process)
    return None


def _b(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def _s(tag: str) -> str:
    return f"{{{SPIFF_NS}}}{tag}"


def _describe_process(process) -> dict[str, tuple[ElementInfo, dict[str, Any]]]:
    lanes = {}
    for lane in process.iter(_b("lane")):
        for ref in lane.iter(_b("flowNodeRef")):
            lanes[(ref.text or "").strip()] = lane.get("name") or lane.get("id")
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for flow in process.iter(_b("sequenceFlow")):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow.get("id"))
        incoming.setdefault(flow.get("targetRef"), []).append(flow.get("id"))
    found = {}
    for node in process.iter():
        if not isinstance(node.tag, str) or not node.get("id"):
            continue
        kind = local(node)
        if kind in FLOW_NODES:
            fields = _node_fields(node, kind)
            fields["lane"] = lanes.get(node.get("id"))
            fields["incoming"] = sorted(incoming.get(node.get("id"), []))
            fields["outgoing"] = sorted(outgoing.get(node.get("id"), []))
        elif kind == "sequenceFlow":
            fields = {
                "source": node.get("sourceRef"),
                "target": node.get("targetRef"),
                "condition": _text(node.find(_b("conditionExpression"))),
            }
        elif kind == "lane":
            fields = {}
        else:
            continue
        fields["type"] = kind
        fields["name"] = " ".join((node.get("name") or "").split()) or None
        info = ElementInfo(node.get("id"), kind, fields["name"] or "")
        found[node.get("id")] = (info, _compact(fields))
    return found


def _node_fields(node, kind: str) -> dict[str, Any]:
    properties = {
        p.get("name"): p.get("value")
        for p in _own(node, _s("property"))
        if p.get("name")
    }
    operator = next(_own(node, _s("serviceTaskOperator")), None)
    loop = next(_own(node, _b("multiInstanceLoopCharacteristics")), None)
    definitions = [local(c) for c in node if local(c).endswith("EventDefinition")]
    return {
        "form": properties.pop(FORM_PROPERTY, None),
        "properties": properties or None,
        "script": _text(node.find(_b("script"))),
        "pre_script": _text(next(_own(node, _s("preScript")), None)),
        "post_script": _text(next(_own(node, _s("postScript")), None)),
        "default": node.get("default"),
        "events": definitions or None,
        "timer": _timer(node),
        "message": _message(node),
        "operator": None if operator is None else _operator(operator),
        "called_element": node.get("calledElement"),
        "decision": _text(next(_own(node, _s("calledDecisionId")), None)),
        "attached_to": node.get("attachedToRef"),
        "interrupting": node.get("cancelActivity") if kind == "boundaryEvent" else None,
        "multi_instance": None if loop is None else _loop(loop),
    }


def _own(node, tag: str) -> Iterator:
    """Descendants of ``node`` with ``tag`` that are not inside a child element
    with an id of its own (an embedded sub process's tasks are theirs)."""
    for found in node.iter(tag):
        holder = found.getparent()
        while holder is not None and holder is not node and not holder.get("id"):
            holder = holder.getparent()
        if holder is node or (
            holder is not None and local(holder).endswith("EventDefinition")
        ):
            yield found


def _text(node) -> str | None:
    if node is None:
        return None
    return (node.text or "").strip() or None


def _timer(node) -> str | None:
    for definition in node.findall(_b("timerEventDefinition")):
        for kind in ("timeDuration", "timeDate", "timeCycle"):
            value = _text(definition.find(_b(kind)))
            if value:
                return f"{kind}: {value}"
    return None


def _message(node) -> str | None:
    if node.get("messageRef"):
        return node.get("messageRef")
    definition = node.find(_b("messageEventDefinition"))
    return None if definition is None else definition.get("messageRef")


def _operator(operator) -> str:
    parameters = ", ".join(
        f"{p.get('id')}={p.get('value')}" for p in operator.iter(_s("parameter"))
    )
    return f"{operator.get('id')}({parameters})"


def _loop(loop) -> str:
    parts = ["sequential" if loop.get("isSequential") == "true" else "parallel"]
    for tag in ("loopCardinality", "loopDataInputRef", "completionCondition"):
        value = _text(loop.find(_b(tag)))
        if value:
            parts.append(f"{tag}: {value}")
    return "; ".join(parts)


def _compact(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v not in (None, [], {})}
