"""Shared fixtures: an engine per test on SQLite and, when it answers, PostgreSQL.

Every engine test runs once per backend. PostgreSQL is used when
``EKERJASAMA_TEST_POSTGRES_URL`` (default: the local ``test`` database)
accepts a connection; each test gets its own schema there, dropped after.
Set ``EKERJASAMA_TEST_POSTGRES_URL=off`` to skip it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine import Actor
from engine import Engine
from engine import MovableClock
from engine import ServiceRegistry

HERE = Path(__file__).parent
BPMN = HERE / "engine" / "bpmn"
#: The benchmark's lifecycle diagram, kept with the tests.
LIFECYCLE = HERE / "engine" / "defs" / "lifecycle.bpmn"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_url() -> str | None:
    url = os.environ.get("EKERJASAMA_TEST_POSTGRES_URL", DEFAULT_PG)
    if url in ("", "off", "0"):
        return None
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception:
        return None
    return url


POSTGRES_URL = _postgres_url()
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


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


def complete_next(engine: Engine, instance_id: int, data=None, actor=None, name=None):
    """Complete the first open task of an instance (of element ``name``)."""
    tasks = engine.list_tasks(instance_id=instance_id)
    if name is not None:
        tasks = [t for t in tasks if t.spec_name == name]
    assert tasks, f"no open task {name or ''} in instance {instance_id}"
    actor = actor or Actor("officer", {t.lane for t in tasks if t.lane})
    engine.complete_task(tasks[0].id, data or {}, actor=actor)
    return tasks[0]
