"""What scripts in a diagram may and may not do."""

import pytest

from engine.sandbox import SandboxEnvironment
from engine.sandbox import UnsafeScript
from engine.sandbox import check_source


@pytest.mark.parametrize(
    "source",
    [
        "import os",
        "from os import path",
        "x = ().__class__",
        "x = __import__('os')",
        "x = _private",
        "global y\ny = 1",
    ],
    ids=[
        "import",
        "from-import",
        "dunder-attribute",
        "dunder-name",
        "private",
        "global",
    ],
)
def test_check_source_rejects_escapes(source):
    with pytest.raises(UnsafeScript, match="not allowed"):
        check_source(source)


@pytest.mark.parametrize(
    "source",
    ["open('/etc/passwd')", "eval('1')", "exec('x = 1')", "compile('1', 'f', 'eval')"],
    ids=["open", "eval", "exec", "compile"],
)
def test_dangerous_builtins_are_not_there(source):
    environment = SandboxEnvironment()

    with pytest.raises(NameError):
        environment.evaluate(source, {})


def test_script_reads_and_writes_task_data():
    environment = SandboxEnvironment(functions={"double": lambda x: 2 * x})
    data = {"value": 21}

    environment.execute("result = double(value)\nwhen = date(2025, 6, 12)", data, {})

    assert data["result"] == 42
    assert data["when"].year == 2025
    assert "double" not in data
