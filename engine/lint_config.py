"""The lint configuration an engine built from settings uses.

Two files in the processes folder (``PROCESSES_PATH``) switch on rules for
deploy and ``ekerjasama lint`` alike:

``roles.json``
    the known roles, ``[{"name": ..., "description": ...}]``; every lane of
    a deployed diagram must be one of them.
``.bpmnlintrc``
    bpmnlint's configuration, ``{"extends": "bpmnlint:recommended",
    "rules": {...}}``; the canvas of the modeler reads the same file. As with
    bpmnlint itself, no configuration file means no bpmnlint rules.
"""

from __future__ import annotations

import json
from pathlib import Path

from .lint_rules import load_config

ROLES_FILE = "roles.json"
LINT_FILE = ".bpmnlintrc"


def load_roles(path: str | Path) -> frozenset[str]:
    """The role names of a ``roles.json`` file.

    :raise ValueError: the file is not a list of ``{"name": ...}`` objects.
    """
    path = Path(path)
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{str(path)!r} is not valid JSON: {e.msg}.") from None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("name"), str) for e in entries
    ):
        raise ValueError(f"{str(path)!r} must be a list of objects with a 'name' each.")
    return frozenset(e["name"] for e in entries)


def setup(options, config) -> None:
    """Read the roles and the bpmnlint configuration of the processes folder."""
    folder = config.get("PROCESSES_PATH")
    if not folder:
        return
    roles_file = Path(folder) / ROLES_FILE
    if roles_file.is_file():
        options.role_exists = load_roles(roles_file).__contains__
    lint_file = Path(folder) / LINT_FILE
    if lint_file.is_file():
        options.lint_rules = load_config(lint_file)
