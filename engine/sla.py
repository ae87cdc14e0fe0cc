"""Task due dates and the escalation steps that follow them.

A user task is due when its diagram says so, in one of two ways::

    <bpmn:userTask id="telaah" name="Telaah hukum">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="dueIn" value="P5D"/>
        <spiffworkflow:property name="dueCalendar" value="working"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>

or through an interrupting timer boundary event on the task, whose due time
is the task's due date. ``dueIn`` wins when both are given.

When a task with a due date opens, its escalation steps are written beside
it, in the same transaction (the ``deadlines`` table):

    reminder   ``remindBefore`` before the due date, to the assignee or,
               while nobody has claimed it, to the task's lane
    overdue    at the due date, to the supervisor role (``escalateTo``),
               and the task moves to the ``reassignTo`` role if one is set

The properties override the ``SLA_*`` settings for one task. Each step that
runs (see :mod:`engine.escalation`) is an event in the audit trail and a
notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime

from .workdays import KINDS
from .workdays import WorkCalendar

#: The extension properties a user task may carry.
PROPERTIES = ("dueIn", "dueCalendar", "remindBefore", "escalateTo", "reassignTo")
#: Any time will do to check that a duration can be counted.
_PROBE = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SlaPolicy:
    """Defaults for task due dates and escalation; tasks may override them.

    Usage::

        SlaPolicy(WorkCalendar(), remind_before="P1D", supervisor_role="kabag")
    """

    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    #: How ``dueIn`` is counted when a task does not say: working or calendar.
    default_calendar: str = "working"
    #: How long before the due date to remind; None sends no reminder.
    remind_before: str | None = "P1D"
    #: The role told when a task is overdue.
    supervisor_role: str = "supervisor"
    #: The role an overdue task moves to; None leaves it where it is.
    reassign_to: str | None = None

    def __post_init__(self) -> None:
        if self.default_calendar not in KINDS:
            raise ValueError(
                f"SLA calendar must be 'working' or 'calendar', got "
                f"{self.default_calendar!r}."
            )


def task_properties(task) -> dict[str, str]:
    """The SLA properties of a SpiffWorkflow task's spec."""
    extensions = getattr(task.task_spec, "extensions", None) or {}
    found = extensions.get("properties") or {}
    return {k: v for k, v in found.items() if k in PROPERTIES and v}


def due_from_properties(props: dict, opened: datetime, policy: SlaPolicy):
    """Return the due date that ``dueIn`` gives a task opened at ``opened``."""
    due_in = props.get("dueIn")
    if not due_in:
        return None
    kind = props.get("dueCalendar", policy.default_calendar)
    return policy.calendar.add(opened, due_in, kind)


def deadline_rows(props: dict, lane, due: datetime, now: datetime, policy: SlaPolicy):
    """Return ``(kind, due_at, rule)`` for each escalation step of a task."""
    rows = []
    remind = props.get("remindBefore", policy.remind_before)
    if remind:
        kind = props.get("dueCalendar", policy.default_calendar)
        at = policy.calendar.subtract(due, remind, kind)
        if at > now:
            rows.append(("reminder", at, {"lane": lane}))
    rule = {
        "role": props.get("escalateTo", policy.supervisor_role),
        "reassign_to": props.get("reassignTo", policy.reassign_to),
    }
    rows.append(("overdue", due, rule))
    return rows


def check_properties(props: dict, policy: SlaPolicy | None = None) -> list[str]:
    """Return what is wrong with a task's SLA properties, as sentences."""
    policy = policy or SlaPolicy()
    problems = []
    kind = props.get("dueCalendar", policy.default_calendar)
    if kind not in KINDS:
        problems.append(f"dueCalendar is {kind!r}; set it to 'working' or 'calendar'.")
        kind = "calendar"
    for name in ("dueIn", "remindBefore"):
        if props.get(name):
            try:
                policy.calendar.add(_PROBE, props[name], kind)
            except ValueError as e:
                problems.append(f"{name}: {e}")
    return problems
