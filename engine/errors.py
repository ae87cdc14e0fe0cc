"""The exceptions the engine raises.

Callers catch by what they can do about it::

    EngineError
      DefinitionError          a .bpmn/.dmn file cannot be parsed or validated
      NotFound
        ProcessNotFound        no deployed process with that id
        InstanceNotFound
        TaskNotFound
      PermissionDenied         the user's roles do not hold the task's lane
      Conflict                 another writer changed the instance first
        TaskNotOpen            the task was completed or cancelled already
      InvalidInput             submitted data or arguments are not acceptable
      InstanceError
        ScriptError            a script, condition or service task raised
        InstanceNotActive      the instance is finished, cancelled or suspended

The web layer maps each class to an HTTP status once (see ``web/errors.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One finding about a definition file.

    ``severity`` is ``"error"`` (blocks deploy) or ``"warning"``; ``rule``
    names the check that found it (see :mod:`engine.lint_rules`).
    """

    message: str
    file: str = ""
    element: str = ""
    line: int | None = None
    severity: str = "error"
    rule: str = ""

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line:
            where += f":{self.line}"
        if self.element:
            where += f" [{self.element}]"
        rule = f" ({self.rule})" if self.rule else ""
        return f"{where}: {self.severity}: {self.message}{rule}"


class DefinitionError(EngineError):
    """Definition files were rejected; ``problems`` lists every finding."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        summary = "; ".join(str(p) for p in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(
            f"{len(errors)} problem(s) in the definitions: {summary}{more}"
        )


class NotFound(EngineError):
    """Something named in a call does not exist."""


class ProcessNotFound(NotFound):
    pass


class InstanceNotFound(NotFound):
    pass


class TaskNotFound(NotFound):
    pass


class PermissionDenied(EngineError):
    """The user may not do this to this task or instance."""


class Conflict(EngineError):
    """Another writer got there first; reload and try again."""


class TaskNotOpen(Conflict):
    """The task is no longer open: it was completed or cancelled."""


@dataclass
class InvalidInput(EngineError):
    """Submitted data was rejected; ``errors`` maps field names to messages."""

    message: str
    errors: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


class InstanceError(EngineError):
    """The instance cannot go on as asked."""


class InstanceNotActive(InstanceError):
    pass


class ScriptError(InstanceError):
    """A script, condition or service operation raised.

    The instance is left as it was before the call, and an incident naming
    ``element`` and ``message`` is recorded on it.
    """

    def __init__(self, element: str, message: str, line: int | None = None) -> None:
        self.element = element
        self.message = message
        self.line = line
        at = f" (line {line})" if line else ""
        super().__init__(f"Step {element!r} failed{at}: {message}")
