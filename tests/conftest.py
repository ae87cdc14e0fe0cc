"""Shared fixtures: an engine per test on SQLite and, when it answers, PostgreSQL.

Every engine test runs once per backend. PostgreSQL is used when
``EKERJASAMA_TEST_POSTGRES_URL`` (default: the local ``test`` database)
accepts a connection; each test gets its own schema there, dropped after.
Set ``EKERJASAMA_TEST_POSTGRES_URL=off`` to skip it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC
from datetime import datetime

import pytest
import sqlalchemy as sa
from support import BACKENDS
from support import POSTGRES_URL

from engine import Actor
from engine import Engine
from engine import MovableClock
from engine import ServiceRegistry

#: Reports which elements of processes/ the tests ran (see the module).
pytest_plugins = ["tests.processes.coverage_plugin"]


def pytest_report_header(config):
    where = POSTGRES_URL or "not reachable, skipped"
    return f"ekerjasama backends: {', '.join(BACKENDS)} (PostgreSQL: {where})"


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, tmp_path):
    """A fresh, empty database for one test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    joiner = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{joiner}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2025, 6, 12, 1, 0, tzinfo=UTC))


@pytest.fixture
def services() -> ServiceRegistry:
    return ServiceRegistry()


@pytest.fixture
def make_engine(database_url, clock, services) -> Callable[..., Engine]:
    """Build engines on the test's database; each call is a 'restart'."""
    engines: list[Engine] = []

    def make(**options) -> Engine:
        options.setdefault("clock", clock)
        options.setdefault("services", services)
        engine = Engine(database_url, **options)
        engine.init_db()
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


@pytest.fixture
def engine(make_engine) -> Engine:
    return make_engine()


@pytest.fixture
def officer() -> Actor:
    """A user holding every lane the test diagrams use."""
    return Actor(
        "officer",
        {"initiator", "legal", "cooperation", "head", "staff", "partner"},
    )
