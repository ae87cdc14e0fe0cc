"""The registry of named operations that service tasks call.

A service task names its operator in the diagram
(``<spiffworkflow:serviceTaskOperator id="register.update">``). Deploying a
diagram that names an unknown operator is an error, so a typo never reaches a
running instance.

Usage::

    services = ServiceRegistry()

    @services.operation("echo")
    def echo(params, data):
        return params
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

#: ``(params, data) -> JSON-serialisable result``; the result is stored in the
#: task's result variable.
Operation = Callable[[dict[str, Any], dict[str, Any]], Any]


class ServiceRegistry:
    """A mapping of operator names to Python callables."""

    def __init__(self, operations: dict[str, Operation] | None = None) -> None:
        self._operations: dict[str, Operation] = dict(operations or {})

    def operation(self, name: str) -> Callable[[Operation], Operation]:
        """Register the decorated function under ``name``."""

        def decorator(func: Operation) -> Operation:
            self.register(name, func)
            return func

        return decorator

    def register(self, name: str, func: Operation) -> None:
        if not callable(func):
            raise ValueError(f"Operation {name!r} must be callable, got {func!r}.")
        self._operations[name] = func

    def __contains__(self, name: object) -> bool:
        return name in self._operations

    def names(self) -> list[str]:
        return sorted(self._operations)

    def call(self, name: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        try:
            func = self._operations[name]
        except KeyError:
            raise LookupError(
                f"No service operation named {name!r}. "
                f"Known operations: {', '.join(self.names()) or 'none'}."
            ) from None
        logger.debug("Service call: %s", name)
        return func(params, data)

    def __repr__(self) -> str:
        return f"<ServiceRegistry {self.names()}>"
