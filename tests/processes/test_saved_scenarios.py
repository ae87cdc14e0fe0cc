"""Scenarios saved in the designer studio still take the path they took.

Each file in ``processes/scenarios/<process id>/<name>.json`` is a scenario
exported from the studio (see :mod:`engine.scenarios`). It is replayed in
the test-run sandbox against the diagrams and forms of this repository; a
changed diagram that sends it another way fails here.
"""

import json

import drive
import pytest

from engine import MovableClock
from engine.definitions import read_paths
from engine.scenarios import replay
from engine.scenarios import scenario_path

SCENARIOS = sorted((drive.PROCESSES / "scenarios").glob("*/*.json"))


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    """An engine that lends the sandbox its extensions; nothing is deployed."""
    folder = tmp_path_factory.mktemp("saved_scenarios")
    engine = drive.build(f"sqlite:///{folder / 'studio.sqlite'}", MovableClock())
    yield engine
    engine.close()


def test_saved_scenarios_exist_for_p1():
    assert any(path.parent.name == "p1_usulan" for path in SCENARIOS)


@pytest.mark.parametrize(
    "path", SCENARIOS, ids=[f"{p.parent.name}/{p.stem}" for p in SCENARIOS]
)
def test_saved_scenario_takes_its_expected_path(studio, path):
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert scenario_path(drive.PROCESSES / "scenarios", exported) == path

    result = replay(studio, exported, read_paths([drive.PROCESSES]))

    assert result.error is None
    taken = result.path()
    assert len(taken) == len(exported["expected"])
    for number, expected in enumerate(exported["expected"]):
        assert taken[number] == expected, f"step {number} took another path"
