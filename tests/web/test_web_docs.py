"""The README documents every web setting."""

from pathlib import Path

import pytest

from web.settings import WEB_SETTINGS

README = (Path(__file__).parents[2] / "README.md").read_text()


@pytest.mark.parametrize("name", [s.name for s in WEB_SETTINGS])
def test_readme_lists_web_setting(name):
    assert f"`{name}`" in README
