import drive
import pytest

from engine import MovableClock


@pytest.fixture
def clock():
    return MovableClock(drive.at("2025-01-06"))


@pytest.fixture
def cooperation(database_url, clock):
    """An engine with the extensions and the processes deployed."""
    engine = drive.build(database_url, clock)
    engine.deploy([drive.PROCESSES])
    yield engine
    engine.close()
