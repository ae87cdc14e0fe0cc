"""bpmnlint's rules on the drawing: every element drawn, none overlapping.

They read the diagram interchange (``bpmndi``) part of a file, which the
engine itself never needs, so they live apart from the rules on the flow.
"""

from __future__ import annotations

from collections.abc import Iterator

from .lint_model import BPMN_NS
from .lint_model import DC_NS
from .lint_model import DI_NS
from .lint_model import FLOW_NODES
from .lint_model import SUB_PROCESSES
from .lint_model import Diagram
from .lint_model import Finding
from .lint_model import describe
from .lint_model import local
from .lint_model import rule


@rule("no-bpmndi")
def _no_bpmndi(d: Diagram) -> Iterator[Finding]:
    drawn = {n.get("bpmnElement") for n in d.root.iter(f"{{{DI_NS}}}*")}
    for node in _drawable(d):
        if node.get("id") not in drawn:
            message = (
                f"{describe(node)} is not drawn: the file has no diagram shape "
                "for it. Open and save the file in the modeler."
            )
            yield node, message


def _drawable(d: Diagram) -> Iterator:
    wanted = FLOW_NODES | {
        "sequenceFlow",
        "dataObjectReference",
        "dataStoreReference",
        "participant",
        "textAnnotation",
        "association",
        "group",
        "lane",
        "messageFlow",
    }
    for top in d.root:
        if not isinstance(top.tag, str) or local(top) not in {
            "process",
            "collaboration",
        }:
            continue
        for node in top.iter():
            if isinstance(node.tag, str) and node.tag.startswith(f"{{{BPMN_NS}}}"):
                if local(node) in wanted and node.get("id"):
                    yield node


@rule("no-overlapping-elements")
def _no_overlapping(d: Diagram) -> Iterator[Finding]:
    shapes = {}
    for shape in d.root.iter(f"{{{DI_NS}}}BPMNShape"):
        bounds = shape.find(f"{{{DC_NS}}}Bounds")
        box = _box(bounds)
        if box is not None:
            shapes[shape.get("bpmnElement")] = (box, shape.get("isExpanded") == "true")
    overlapping: list = []
    outside: list = []
    frames: dict[str, tuple] = {}
    for participant in d.all("participant"):
        if participant.get("id") in shapes and participant.get("processRef"):
            frames[participant.get("processRef")] = shapes[participant.get("id")][0]
    participants = list(d.all("participant"))
    overlapping += _collisions(participants, shapes)
    for process in d.all("process"):
        _walk(d, process, frames.get(process.get("id")), shapes, overlapping, outside)
    for node in overlapping:
        yield node, f"{describe(node)} overlaps another element. Move it apart."
    for node in outside:
        yield (
            node,
            (f"{describe(node)} lies outside its parent's boundary. Move it inside."),
        )


def _box(bounds) -> tuple[float, float, float, float] | None:
    if bounds is None:
        return None
    try:
        x, y = float(bounds.get("x")), float(bounds.get("y"))
        w, h = float(bounds.get("width")), float(bounds.get("height"))
    except (TypeError, ValueError):
        return None
    return (x, y, x + w, y + h)


def _collisions(nodes: list, shapes: dict) -> list:
    found = set()
    drawn = [n for n in nodes if n.get("id") in shapes]
    for i, first in enumerate(drawn):
        a = shapes[first.get("id")][0]
        for second in drawn[i + 1 :]:
            b = shapes[second.get("id")][0]
            if not (a[2] >= b[0] and b[2] >= a[0] and a[3] >= b[1] and b[3] >= a[1]):
                continue
            if second.get("id") == first.get("attachedToRef") or first.get(
                "id"
            ) == second.get("attachedToRef"):
                continue
            found.update((first, second))
    return [n for n in drawn if n in found]


def _walk(d: Diagram, container, frame, shapes, overlapping, outside) -> None:
    kinds = FLOW_NODES | {"dataObjectReference", "dataStoreReference"}
    elements = [c for c in d.children(container, kinds) if c.get("id") in shapes]
    overlapping += _collisions(elements, shapes)
    for node in elements:
        box = shapes[node.get("id")][0]
        if frame is not None and local(node) != "dataStoreReference":
            inside = (
                box[0] >= frame[0]
                and box[1] >= frame[1]
                and box[2] <= frame[2]
                and box[3] <= frame[3]
            )
            if not inside:
                outside.append(node)
    for sub in d.children(container, SUB_PROCESSES):
        box, expanded = shapes.get(sub.get("id"), (None, False))
        _walk(d, sub, box if expanded else None, shapes, overlapping, outside)
