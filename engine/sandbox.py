"""The restricted environment that scripts, conditions and timers run in.

Scripts in a diagram are written by process designers, not developers, so they
get plain Python expressions and statements over the task data and nothing
else: no imports, no names or attributes that start with an underscore, and
only harmless builtins. Every source text is checked once when it is first
seen and the compiled code is cached.
"""

from __future__ import annotations

import ast
import builtins
import datetime
import decimal
import json
import math
from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in (
        "abs all any bool dict divmod enumerate filter float format frozenset int "
        "isinstance len list map max min next print range repr reversed round set "
        "sorted str sum tuple zip ValueError TypeError KeyError Exception"
    ).split()
}

#: Modules a script may use by name, without importing them.
SAFE_MODULES = {
    "datetime": datetime,
    "date": datetime.date,
    "timedelta": datetime.timedelta,
    "Decimal": decimal.Decimal,
    "math": math,
    "json": json,
}

_FORBIDDEN_NODES = (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal)


class UnsafeScript(ValueError):
    """The script uses something the sandbox does not allow."""


def check_source(source: str, mode: str = "exec") -> ast.AST:
    """Parse ``source`` and reject what the sandbox forbids.

    :raise SyntaxError: the source does not compile.
    :raise UnsafeScript: the source imports or touches private names.
    """
    tree = ast.parse(source, mode=mode)
    for node in ast.walk(tree):
        if isinstance(node, _FORBIDDEN_NODES):
            raise UnsafeScript(
                f"line {node.lineno}: {type(node).__name__.lower()} statements "
                "are not allowed in scripts."
            )
        name = None
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.Name):
            name = node.id
        if name is not None and name.startswith("_"):
            raise UnsafeScript(
                f"line {node.lineno}: names starting with '_' ({name!r}) are "
                "not allowed in scripts."
            )
    return tree


class SandboxEnvironment(TaskDataEnvironment):
    """Evaluates and executes diagram code with the sandbox rules.

    ``functions`` are extra callables scripts may use (for example
    ``setting``), and ``call_service`` dispatches service tasks to the
    service registry.
    """

    def __init__(
        self,
        functions: dict[str, Callable[..., Any]] | None = None,
        services: Any = None,
    ) -> None:
        self.functions = dict(functions or {})
        self.services = services
        self._code: dict[tuple[str, str], Any] = {}
        super().__init__({**SAFE_MODULES, **self.functions})

    def compile(self, source: str, mode: str) -> Any:
        key = (source, mode)
        code = self._code.get(key)
        if code is None:
            tree = check_source(source, mode)
            code = compile(tree, "<string>", mode)
            self._code[key] = code
        return code

    def _globals(self) -> dict[str, Any]:
        return {"__builtins__": SAFE_BUILTINS, **self.globals}

    def evaluate(self, expression, context, external_context=None):
        code = self.compile(expression.strip(), "eval")
        scope = self._globals()
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)

    def execute(self, script, context, external_context=None):
        code = self.compile(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update(self._globals())
        context.update(external_context or {})
        try:
            exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True

    def call_service(self, context, operation_name=None, operation_params=None, **kw):
        params = {k: v["value"] for k, v in (operation_params or {}).items()}
        result = self.services.call(operation_name, params, context)
        return json.dumps(result, default=str)
