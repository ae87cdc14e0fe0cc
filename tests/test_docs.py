"""The README documents every setting and command."""

from pathlib import Path

import pytest

from engine.cli import load_commands
from engine.config import SETTINGS

README = (Path(__file__).parents[1] / "README.md").read_text()


@pytest.mark.parametrize("name", [s.name for s in SETTINGS])
def test_readme_lists_setting(name):
    assert f"`{name}`" in README


@pytest.mark.parametrize("command", sorted(load_commands().commands))
def test_readme_lists_command(command):
    assert f"`ekerjasama {command}" in README
