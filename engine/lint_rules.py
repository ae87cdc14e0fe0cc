"""bpmnlint's recommended rules, in Python, for the deploy gate.

The modeler lints the canvas with bpmnlint in the browser. The server cannot
trust the browser, and ``ekerjasama lint`` has no browser, so the same rules
run here over the XML with the severities of bpmnlint's ``recommended``
configuration (``"warn"`` is spelled ``"warning"``, as in
:class:`~engine.errors.Problem`). Each rule follows the published rule of the
same name; the one difference is that incoming and outgoing flows are read
from the sequence flows' ``sourceRef``/``targetRef``, not from the optional
``<incoming>``/``<outgoing>`` elements, so hand-written files lint the same
as files the modeler saved.

:mod:`engine.lint_model` holds what the rules share and
:mod:`engine.lint_drawing` the two rules on the drawing; the rules on the
flow are here. :data:`RULES` maps a rule name to its default severity. A
:class:`RuleSet` may change severities or turn rules off (``"off"``) with the
same names and values a ``.bpmnlintrc`` uses, so the canvas and the server
can share one configuration (see :func:`load_config`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from collections.abc import Mapping
from pathlib import Path

from . import lint_drawing  # noqa: F401  (registers the drawing rules)
from .errors import Problem
from .lint_model import ACTIVITIES
from .lint_model import BPMN_NS
from .lint_model import CATCH_EVENTS
from .lint_model import CHECKS
from .lint_model import CONTAINERS
from .lint_model import EVENTS
from .lint_model import FLOW_NODES
from .lint_model import GATEWAYS
from .lint_model import SUB_PROCESSES
from .lint_model import TASKS
from .lint_model import THROW_EVENTS
from .lint_model import Check
from .lint_model import Diagram
from .lint_model import Finding
from .lint_model import describe
from .lint_model import event_definitions
from .lint_model import has_condition
from .lint_model import in_ad_hoc
from .lint_model import is_default
from .lint_model import local
from .lint_model import rule
from .lint_model import triggered

#: bpmnlint's ``recommended`` configuration: rule name -> severity.
RULES: dict[str, str] = {
    "ad-hoc-sub-process": "error",
    "conditional-flows": "error",
    "end-event-required": "error",
    "event-based-gateway": "error",
    "event-sub-process-typed-start-event": "error",
    "fake-join": "warning",
    "global": "warning",
    "label-required": "error",
    "link-event": "error",
    "no-bpmndi": "error",
    "no-complex-gateway": "error",
    "no-disconnected": "error",
    "no-duplicate-sequence-flows": "error",
    "no-gateway-join-fork": "error",
    "no-implicit-split": "error",
    "no-implicit-end": "error",
    "no-implicit-start": "error",
    "no-inclusive-gateway": "warning",
    "no-overlapping-elements": "warning",
    "single-blank-start-event": "error",
    "single-event-definition": "error",
    "start-event-required": "error",
    "sub-process-blank-start-event": "error",
    "superfluous-gateway": "warning",
    "superfluous-label": "warning",
    "superfluous-termination": "warning",
}

_SEVERITIES = {"error": "error", "warn": "warning", "warning": "warning", "off": None}


@rule("ad-hoc-sub-process")
def _ad_hoc_sub_process(d: Diagram) -> Iterator[Finding]:
    for sub in d.all("adHocSubProcess"):
        for node in d.children(sub, {"startEvent", "endEvent"}):
            yield node, f"{describe(node)} is not allowed in an ad hoc sub process."


@rule("conditional-flows")
def _conditional_flows(d: Diagram) -> Iterator[Finding]:
    for node in d.nodes():
        outs = d.outs(node)
        if not (node.get("default") or any(has_condition(f) for f in outs)):
            continue
        for flow in outs:
            if not has_condition(flow) and not is_default(node, flow):
                message = (
                    f"{describe(flow)} leaves {describe(node)} without a "
                    "condition. Give it a condition or make it the default flow."
                )
                yield flow, message


def _containers(d: Diagram) -> Iterator:
    for node in d.nodes(CONTAINERS):
        if local(node) != "adHocSubProcess":
            yield node


@rule("end-event-required")
def _end_event_required(d: Diagram) -> Iterator[Finding]:
    for node in _containers(d):
        if not d.children(node, {"endEvent"}):
            yield node, f"{describe(node)} has no end event. Add one."


@rule("start-event-required")
def _start_event_required(d: Diagram) -> Iterator[Finding]:
    for node in _containers(d):
        if not d.children(node, {"startEvent"}):
            yield node, f"{describe(node)} has no start event. Add one."


@rule("event-based-gateway")
def _event_based_gateway(d: Diagram) -> Iterator[Finding]:
    for node in d.all("eventBasedGateway"):
        outs = d.outs(node)
        if len(outs) < 2:
            message = (
                f"{describe(node)} needs at least two outgoing sequence flows, "
                "one per event it waits for."
            )
            yield node, message
        for flow in outs:
            if has_condition(flow):
                message = (
                    f"{describe(flow)} leaves an event-based gateway, so it must "
                    "not have a condition. Remove the condition."
                )
                yield flow, message


@rule("event-sub-process-typed-start-event")
def _event_sub_process_start(d: Diagram) -> Iterator[Finding]:
    for sub in d.all("subProcess"):
        if not triggered(sub):
            continue
        for node in d.children(sub, {"startEvent"}):
            if not event_definitions(node):
                message = (
                    f"{describe(node)} starts an event sub process but has no "
                    "event definition. Give it a message, timer, error, signal "
                    "or escalation."
                )
                yield node, message


@rule("fake-join")
def _fake_join(d: Diagram) -> Iterator[Finding]:
    for node in d.nodes(ACTIVITIES | EVENTS):
        if len(d.ins(node)) > 1:
            message = (
                f"{describe(node)} has several incoming flows that do not join. "
                "Join them with a gateway first."
            )
            yield node, message


@rule("global")
def _global(d: Diagram) -> Iterator[Finding]:
    kinds = {
        "error": ("errorEventDefinition", "errorRef"),
        "escalation": ("escalationEventDefinition", "escalationRef"),
        "signal": ("signalEventDefinition", "signalRef"),
    }
    used: dict[str, set[str]] = defaultdict(set)
    for kind, (definition, attribute) in kinds.items():
        used[kind] = {n.get(attribute) for n in d.all(definition)}
    used["message"] = {
        n.get("messageRef")
        for n in d.all(
            "messageEventDefinition", "messageFlow", "receiveTask", "sendTask"
        )
    }
    globals_ = [n for n in d.root if isinstance(n.tag, str) and local(n) in used]
    for node in globals_:
        kind = local(node)
        name = node.get("name")
        if name is not None and not name.strip():
            yield node, f"{describe(node)} has no name. Name it."
        if node.get("id") not in used[kind]:
            yield node, f"{describe(node)} is not used. Remove it or refer to it."
        same = [n for n in globals_ if local(n) == kind and n.get("name") == name]
        if len(same) > 1:
            yield node, f"The name of {describe(node)} is not unique. Rename it."


@rule("label-required")
def _label_required(d: Diagram) -> Iterator[Finding]:
    for node in d.root.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN_NS}}}"):
            continue
        kind = local(node)
        if kind in {"parallelGateway", "eventBasedGateway"} or kind in SUB_PROCESSES:
            continue
        if kind in GATEWAYS and len(d.outs(node)) <= 1:
            continue
        if kind == "sequenceFlow" and not has_condition(node):
            continue
        if kind not in FLOW_NODES | {"sequenceFlow", "participant", "lane"}:
            continue
        if not (node.get("name") or "").strip():
            yield node, f"{describe(node)} has no label. Name it."


@rule("link-event")
def _link_event(d: Diagram) -> Iterator[Finding]:
    for container in d.nodes(CONTAINERS):
        links = [
            n
            for n in d.children(container, EVENTS)
            if "linkEventDefinition" in event_definitions(n)
        ]
        named: dict[str, list] = defaultdict(list)
        for node in links:
            name = _link_name(node)
            if name:
                named[name].append(node)
            else:
                yield node, f"{describe(node)} has no link name. Name the link."
        for name, events in named.items():
            catches = [e for e in events if local(e) in CATCH_EVENTS]
            if len(events) == 1:
                other = "catch" if local(events[0]) in THROW_EVENTS else "throw"
                message = (
                    f"{describe(events[0])} has no link {other} event named "
                    f"{name!r} in the same scope. Add one."
                )
                yield events[0], message
            elif len(catches) > 1:
                for event in catches:
                    message = (
                        f"{describe(event)} is one of several link catch events "
                        f"named {name!r} in the same scope. Keep one."
                    )
                    yield event, message
            elif not catches:
                for event in events:
                    message = (
                        f"{describe(event)} has no link catch event named "
                        f"{name!r} in the same scope. Add one."
                    )
                    yield event, message


def _link_name(node) -> str:
    link = node.find(f"{{{BPMN_NS}}}linkEventDefinition")
    return link.get("name") or ""


def _discouraged(kind: str, name: str) -> Check:
    def check(d: Diagram) -> Iterator[Finding]:
        for node in d.all(kind):
            yield node, f"{describe(node)}: the element type {kind} is discouraged."

    return rule(name)(check)


_discouraged("complexGateway", "no-complex-gateway")
_discouraged("inclusiveGateway", "no-inclusive-gateway")


def _compensation(node) -> bool:
    if node.get("isForCompensation") == "true":
        return True
    return local(node) == "boundaryEvent" and event_definitions(node) == [
        "compensateEventDefinition"
    ]


@rule("no-disconnected")
def _no_disconnected(d: Diagram) -> Iterator[Finding]:
    for node in d.nodes(TASKS | GATEWAYS | SUB_PROCESSES | EVENTS):
        if triggered(node) or _compensation(node) or in_ad_hoc(node):
            continue
        if not d.ins(node) and not d.outs(node):
            yield node, f"{describe(node)} is not connected. Connect it or remove it."


@rule("no-duplicate-sequence-flows")
def _no_duplicate_flows(d: Diagram) -> Iterator[Finding]:
    seen: set[tuple] = set()
    sources: set[str] = set()
    targets: set[str] = set()
    for flow in d.all("sequenceFlow"):
        condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
        key = (
            flow.get("sourceRef") or flow.get("id"),
            flow.get("targetRef") or flow.get("id"),
            "" if condition is None else (condition.text or ""),
        )
        if key not in seen:
            seen.add(key)
            continue
        yield flow, f"{describe(flow)} duplicates another flow. Remove one."
        for ref, done, what in (
            (key[0], sources, "outgoing"),
            (key[1], targets, "incoming"),
        ):
            if ref in done or ref not in d.by_id:
                continue
            done.add(ref)
            yield d.by_id[ref], f"{describe(d.by_id[ref])} has duplicate {what} flows."


@rule("no-gateway-join-fork")
def _no_gateway_join_fork(d: Diagram) -> Iterator[Finding]:
    for node in d.nodes(GATEWAYS):
        if len(d.ins(node)) > 1 and len(d.outs(node)) > 1:
            message = (
                f"{describe(node)} both joins and forks. Use one gateway to join "
                "and another to fork."
            )
            yield node, message


@rule("no-implicit-split")
def _no_implicit_split(d: Diagram) -> Iterator[Finding]:
    for node in d.nodes(ACTIVITIES | EVENTS):
        plain = [
            f for f in d.outs(node) if not has_condition(f) and not is_default(node, f)
        ]
        if len(plain) > 1:
            message = (
                f"{describe(node)} splits the flow implicitly. Split with a "
                "gateway instead."
            )
            yield node, message


def _only(node, definition: str) -> bool:
    found = event_definitions(node)
    return bool(found) and all(kind == definition for kind in found)


@rule("no-implicit-end")
def _no_implicit_end(d: Diagram) -> Iterator[Finding]:
    for node in d.nodes():
        kind = local(node)
        if (
            triggered(node)
            or in_ad_hoc(node)
            or kind == "endEvent"
            or (kind == "intermediateThrowEvent" and _only(node, "linkEventDefinition"))
            or (kind in ACTIVITIES and node.get("isForCompensation") == "true")
            or (_compensation(node) and _associated(d, node))
        ):
            continue
        if not d.outs(node):
            message = (
                f"{describe(node)} ends the flow implicitly. Connect it to an "
                "end event."
            )
            yield node, message


def _associated(d: Diagram, node) -> bool:
    return any(a.get("sourceRef") == node.get("id") for a in d.all("association"))


@rule("no-implicit-start")
def _no_implicit_start(d: Diagram) -> Iterator[Finding]:
    for node in d.nodes():
        kind = local(node)
        if (
            triggered(node)
            or in_ad_hoc(node)
            or kind in {"startEvent", "boundaryEvent"}
            or (kind == "intermediateCatchEvent" and _only(node, "linkEventDefinition"))
            or (kind in ACTIVITIES and node.get("isForCompensation") == "true")
        ):
            continue
        if not d.ins(node):
            message = (
                f"{describe(node)} starts the flow implicitly. Connect a start "
                "event or an earlier step to it."
            )
            yield node, message


@rule("single-blank-start-event")
def _single_blank_start(d: Diagram) -> Iterator[Finding]:
    for container in d.nodes(CONTAINERS):
        blank = [
            n for n in d.children(container, {"startEvent"}) if not event_definitions(n)
        ]
        if len(blank) > 1:
            message = (
                f"{describe(container)} has {len(blank)} blank start events. Keep one."
            )
            yield container, message


@rule("single-event-definition")
def _single_event_definition(d: Diagram) -> Iterator[Finding]:
    for node in d.nodes(EVENTS):
        if len(event_definitions(node)) > 1:
            yield node, (f"{describe(node)} has several event definitions. Keep one.")


@rule("sub-process-blank-start-event")
def _sub_process_blank_start(d: Diagram) -> Iterator[Finding]:
    for sub in d.nodes(SUB_PROCESSES):
        if triggered(sub):
            continue
        for node in d.children(sub, {"startEvent"}):
            if event_definitions(node):
                message = (
                    f"{describe(node)} starts a sub process, so it must be "
                    "blank. Remove its event definition."
                )
                yield node, message


@rule("superfluous-gateway")
def _superfluous_gateway(d: Diagram) -> Iterator[Finding]:
    for node in d.nodes(GATEWAYS):
        if len(d.ins(node)) == 1 and len(d.outs(node)) == 1:
            message = (
                f"{describe(node)} is superfluous: it has one incoming and one "
                "outgoing flow. Remove it."
            )
            yield node, message


@rule("superfluous-label")
def _superfluous_label(d: Diagram) -> Iterator[Finding]:
    for flow in d.all("sequenceFlow"):
        if not (flow.get("name") or "").strip() or has_condition(flow):
            continue
        source = d.by_id.get(flow.get("sourceRef"))
        if source is not None and (
            is_default(source, flow)
            or (
                local(source) in {"exclusiveGateway", "inclusiveGateway"}
                and len(d.outs(source)) > 1
            )
        ):
            continue
        message = (
            f"{describe(flow)} has a label but no condition, so the label says "
            "nothing. Remove it."
        )
        yield flow, message


@rule("superfluous-termination")
def _superfluous_termination(d: Diagram) -> Iterator[Finding]:
    for container in d.nodes(CONTAINERS):
        ends = [n for n in d.children(container) if not d.outs(n)]
        terminates = [n for n in ends if _terminates(n)]
        if len(terminates) != 1:
            continue
        if all(_terminates(n) or _interrupting_event_sub(d, n) for n in ends):
            message = (
                f"{describe(terminates[0])} terminates, but it is the only end: "
                "a plain end event does the same."
            )
            yield terminates[0], message


def _terminates(node) -> bool:
    return local(node) == "endEvent" and (
        "terminateEventDefinition" in event_definitions(node)
    )


def _interrupting_event_sub(d: Diagram, node) -> bool:
    return (
        local(node) == "subProcess"
        and triggered(node)
        and any(
            n.get("isInterrupting", "true") == "true"
            for n in d.children(node, {"startEvent"})
        )
    )


class RuleSet:
    """The bpmnlint rules to apply and their severities.

    :param overrides: rule name -> ``"error"``, ``"warn"``/``"warning"`` or
        ``"off"``, laid over :data:`RULES`.
    :raise ValueError: an override names an unknown rule or severity.
    """

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        self.severities: dict[str, str] = dict(RULES)
        for name, value in (overrides or {}).items():
            if name not in CHECKS:
                raise ValueError(
                    f"Unknown lint rule {name!r}. Use one of: {', '.join(RULES)}."
                )
            if value not in _SEVERITIES:
                raise ValueError(
                    f"Lint rule {name!r} has severity {value!r}. Use 'error', "
                    "'warn' or 'off'."
                )
            severity = _SEVERITIES[value]
            if severity is None:
                self.severities.pop(name, None)
            else:
                self.severities[name] = severity

    def check(self, file: str, root) -> list[Problem]:
        """Return the findings of every active rule on one BPMN document."""
        diagram = Diagram(file, root)
        problems = []
        for name, severity in self.severities.items():
            for node, message in CHECKS[name](diagram):
                problems.append(
                    Problem(
                        message,
                        file=file,
                        element=node.get("id") or "",
                        line=getattr(node, "sourceline", None),
                        severity=severity,
                        rule=name,
                    )
                )
        return problems


def load_config(path: str | Path) -> RuleSet:
    """Read the rule severities of a ``.bpmnlintrc`` file.

    Only ``extends: "bpmnlint:recommended"`` (or no ``extends``) and the
    ``rules`` mapping are understood.

    :raise ValueError: the file is not such a configuration.
    """
    path = Path(path)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{str(path)!r} is not valid JSON: {e.msg}.") from None
    extends = config.get("extends", "bpmnlint:recommended")
    if extends != "bpmnlint:recommended":
        raise ValueError(
            f"{str(path)!r} extends {extends!r}; only 'bpmnlint:recommended' "
            "is supported."
        )
    rules = config.get("rules") or {}
    return RuleSet({name: _severity_name(v) for name, v in rules.items()})


def _severity_name(value) -> str:
    # bpmnlint also accepts numbers (0 off, 1 warn, 2 error) and [severity, options].
    if isinstance(value, list) and value:
        value = value[0]
    return {0: "off", 1: "warn", 2: "error"}.get(value, value)
