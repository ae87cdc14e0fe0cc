"""What the supervisor console reports: findings and open tasks.

A :class:`Finding` is one instance's category with the element holding it
and the reason; :func:`engine.reasons.describe` puts the reason in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One instance's category, the element holding it, and why."""

    instance_id: int
    process_id: str
    business_key: str | None
    #: The agreement's title (``judul``), or ``""`` outside the register.
    title: str
    opd: str | None
    partner: str | None
    partner_kind: str | None
    #: A stage code from ``processes/stages.json``, or ``""``.
    stage: str
    category: str
    #: The BPMN element id and its name.
    element: str
    element_name: str
    #: ``incident``, ``task-overdue``, ``due-soon``, ``unclaimed``,
    #: ``task-in-sla``, ``task-open`` (no due date), ``message``, ``timer``,
    #: ``suspended`` or ``idle`` (nothing to wait for).
    reason: str
    #: Facts behind the reason; times as ISO-8601 strings.
    details: dict[str, Any]
    #: When the instance came into this state.
    since: datetime


@dataclass(frozen=True)
class OpenTask:
    """An open task with its age, for the console's task list."""

    id: str
    title: str
    instance_id: int
    business_key: str | None
    agreement: str
    element: str
    lane: str | None
    assignee: str | None
    created_at: datetime
    due_at: datetime | None
    age_seconds: int
