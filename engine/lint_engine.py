"""Engine rules that bpmnlint has no equivalent for: timers and messages.

Timers: a timer's expression is Python evaluated when the timer starts. When
it is a plain string, its ISO-8601 text is parsed here, so a typo such as
``"P3X"`` is found at deploy time instead of when the first instance reaches
the timer.

Messages: the engine correlates a message by its *name* and the caller's
choice of instance (:meth:`engine.runtime.Engine.send_message` takes an
instance id, a business key and/or values the waiting task's data must hold).
So a message has correlation when every event or receive task that catches
it refers to a declared ``bpmn:message`` with a name. BPMN correlation
properties are not how this engine correlates: SpiffWorkflow would compare
them with correlations the sender never computes and drop the message, so
they are refused.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .lint_model import BPMN_NS
from .lint_model import describe

_TIMER_PARSERS = {
    "timer duration": TimerEventDefinition.parse_iso_duration,
    "timer date": TimerEventDefinition.get_datetime,
    "timer cycle": TimerEventDefinition.parse_iso_recurring_interval,
}


def check_timer(source: str, what: str) -> str | None:
    """Return why the string literal ``source`` is not a valid ``what``."""
    try:
        value = ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return None
    parse = _TIMER_PARSERS.get(what)
    if not isinstance(value, str) or parse is None:
        return None
    try:
        parse(value)
    except Exception as e:
        reason = f": {e}" if str(e) else ""
        return (
            f"the {what} {value!r} is not ISO-8601{reason}. Write it like "
            "'P3D', '2026-01-31T09:00:00+07:00' or 'R3/P1W'."
        )
    return None


def _b(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def check_messages(root) -> Iterator[tuple[object, str]]:
    """Find message catches the engine could not deliver a message to."""
    messages = {m.get("id"): m for m in root.iter(_b("message"))}
    catches = [
        (d.getparent(), d)
        for d in root.iter(_b("messageEventDefinition"))
        if d.getparent() is not None
        and d.getparent().tag
        in {_b("startEvent"), _b("intermediateCatchEvent"), _b("boundaryEvent")}
    ]
    catches += [(task, task) for task in root.iter(_b("receiveTask"))]
    for node, holder in catches:
        ref = holder.get("messageRef")
        message = messages.get(ref)
        if not ref:
            yield (
                node,
                (
                    f"{describe(node)} waits for a message but names none. Choose "
                    "the message it waits for."
                ),
            )
        elif message is None:
            yield (
                node,
                (
                    f"{describe(node)} waits for message {ref!r}, which is not "
                    "declared. Declare it or choose another."
                ),
            )
        elif not (message.get("name") or "").strip():
            yield (
                node,
                (
                    f"{describe(node)} waits for message {ref!r}, which has no "
                    "name; senders address a message by its name. Name it."
                ),
            )
    for prop in root.iter(_b("correlationProperty")):
        yield (
            prop,
            (
                f"Correlation property {prop.get('id')!r} is not supported: the "
                "engine correlates a message by its name and the business key, "
                "instance or task data the sender gives. Remove it."
            ),
        )
