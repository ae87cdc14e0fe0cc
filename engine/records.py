"""The plain values the engine hands to its callers."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

#: Task index states that still need someone.
OPEN_STATES = ("ready", "claimed")


@dataclass(frozen=True)
class Actor:
    """Who is calling: a user name and the roles (lanes) they hold.

    Usage::

        officer = Actor("siti", {"OPD Pemrakarsa"})
    """

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)

    def __init__(self, name: str, roles: Any = ()) -> None:
        if not name or not isinstance(name, str):
            raise ValueError(f"Actor needs a user name, got {name!r}.")
        if isinstance(roles, str):
            raise ValueError(
                f"Actor roles must be a collection of names, got the string {roles!r}; "
                "wrap it in a set."
            )
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "roles", frozenset(roles))

    def holds(self, lane: str | None) -> bool:
        """Tell whether this actor may work on a task of ``lane``."""
        return lane is None or lane in self.roles

    def __repr__(self) -> str:
        return f"Actor({self.name!r}, {sorted(self.roles)!r})"


#: The actor the engine itself uses for timers and other automatic work.
SYSTEM = Actor("system", {"system"})


@dataclass(frozen=True)
class Deployment:
    """The outcome of deploying one process."""

    process_id: str
    version: int
    created: bool


@dataclass(frozen=True)
class ProcessInfo:
    process_id: str
    name: str
    version: int
    version_id: int
    content_hash: str
    lanes: list[str]
    forms: dict[str, str]
    deployed_by: str
    deployed_at: datetime


@dataclass(frozen=True)
class InstanceInfo:
    id: int
    process_id: str
    version: int
    business_key: str | None
    status: str
    lock_version: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    error: dict[str, Any] | None


@dataclass(frozen=True)
class TaskInfo:
    id: str
    instance_id: int
    process_id: str
    spec_name: str
    title: str
    lane: str | None
    form: str | None
    state: str
    assignee: str | None
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None
    data: dict[str, Any] | None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True)
class EventInfo:
    id: int
    instance_id: int | None
    task_id: str | None
    name: str
    actor: str
    created_at: datetime
    details: dict[str, Any]
