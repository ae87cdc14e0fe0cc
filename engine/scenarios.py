"""Saved scenarios: test runs kept as regression tests of a process.

A scenario is a name, start data and steps (see :mod:`engine.trial`), and the
path its run took when it was saved (``expected``: per step, the flow nodes
and sequence flows visited and the status). Replaying every saved scenario of
a process in the sandbox tells which of its flow nodes and sequence flows they
cover. :meth:`Scenarios.export` gives the JSON of a file in
``processes/scenarios/<process id>/<name>.json``; the test suite replays
those files against ``processes/`` and fails when a path changed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .coverage import percent
from .errors import Conflict
from .errors import InvalidInput
from .errors import NotFound
from .records import Actor
from .store.models import Scenario
from .trial import Sandbox
from .trial import TrialResult
from .trial_steps import check_start
from .trial_steps import check_steps

logger = logging.getLogger(__name__)

SCENARIOS = Scenario.__table__
#: A scenario's name; with spaces as underscores, its file name in
#: processes/scenarios/<process id>/.
NAME = re.compile(r"[A-Za-z0-9_-](?:[A-Za-z0-9 _-]{0,98}[A-Za-z0-9_-])?")


@dataclass(frozen=True)
class ScenarioInfo:
    id: int
    process_id: str
    name: str
    start_data: dict[str, Any]
    steps: list[dict[str, Any]]
    #: ``[{"nodes", "flows", "status"}]`` per step, the start first.
    expected: list[dict[str, Any]]
    #: The sandbox clock's start, for the scenario and its replays.
    start_at: datetime
    saved_by: str
    saved_at: datetime


@dataclass(frozen=True)
class ScenarioRun:
    """How one scenario replayed for a coverage."""

    scenario_id: int
    name: str
    status: str
    error: str | None
    #: Whether the path equals the scenario's ``expected``.
    matches: bool


@dataclass
class Coverage:
    """Which elements of one process the saved scenarios visit."""

    process_id: str
    #: ``{element id: visits}`` of the visited flow nodes and flows.
    nodes: dict[str, int] = field(default_factory=dict)
    flows: dict[str, int] = field(default_factory=dict)
    #: Every flow node and sequence flow of the process's diagram.
    all_nodes: list[str] = field(default_factory=list)
    all_flows: list[str] = field(default_factory=list)
    node_percent: float = 0.0
    flow_percent: float = 0.0
    runs: list[ScenarioRun] = field(default_factory=list)


class Scenarios:
    """The saved scenarios of every process, over the engine's store."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def __repr__(self) -> str:
        return f"<Scenarios {self.engine.db!r}>"

    def save(
        self,
        process_id: str,
        name: str,
        *,
        start_data: dict[str, Any],
        steps: list[dict[str, Any]],
        actor: Actor,
        expected: list[dict[str, Any]] | None = None,
        start_at: datetime | None = None,
    ) -> ScenarioInfo:
        """Keep a scenario; one of the same name and process is replaced.

        Without ``expected`` (a :meth:`engine.trial.TrialResult.path`), the
        scenario is run on the process's draft, or else its newest deployed
        version, and that path is kept. ``start_at`` is the sandbox clock's
        start (default: now); replays start there too.

        :raise PermissionDenied: the actor is neither designer nor admin.
        :raise InvalidInput: the name or a step is not acceptable, or the run
            failed.
        """
        self.engine.check_designer(actor, "save a scenario")
        _check_name(name)
        check_start(start_data)
        check_steps(steps)
        start_at = start_at or self.engine.clock.now()
        if expected is None:
            result = self._run_current(process_id, start_data, steps, start_at)
            if result.status == "failed":
                message = f"The scenario fails: {result.error} Fix it before saving."
                raise InvalidInput(message, {"steps": [message]})
            expected = result.path()
        _check_expected(expected, steps)
        values = {
            "start_data": start_data,
            "steps": steps,
            "expected": expected,
            "start_at": start_at,
            "saved_by": actor.name,
            "saved_at": self.engine.clock.now(),
        }
        self._store(process_id, name, values)
        logger.info("Scenario saved: %s of %s by %s", name, process_id, actor.name)
        return self._find(process_id, name)

    def _run_current(self, process_id, start_data, steps, start_at) -> TrialResult:
        engine = self.engine
        draft = engine.drafts.get_process(process_id)
        if draft is not None:
            files = draft.files
        else:
            files = engine.versions.sources(
                engine.versions.latest(process_id).version_id
            )
        sandbox = Sandbox(
            engine, files, process_id, extra_forms=engine.drafts.form_schemas()
        )
        return sandbox.run(start_data, steps, start_at)

    def _store(self, process_id: str, name: str, values: dict[str, Any]) -> None:
        same = (SCENARIOS.c.process_id == process_id) & (SCENARIOS.c.name == name)
        try:
            with self.engine.db.write() as connection:
                updated = connection.execute(
                    sa.update(SCENARIOS).where(same).values(**values)
                )
                if updated.rowcount == 0:
                    connection.execute(
                        sa.insert(SCENARIOS).values(
                            process_id=process_id, name=name, **values
                        )
                    )
        except IntegrityError:
            raise Conflict(
                f"Someone else saved scenario {name!r} at the same time. Save again."
            ) from None

    def list(self, process_id: str | None = None) -> list[ScenarioInfo]:
        """The scenarios of ``process_id`` (default: of every process), by name."""
        if process_id is None:
            return self._select(sa.true())
        return self._select(SCENARIOS.c.process_id == process_id)

    def get(self, scenario_id: int) -> ScenarioInfo:
        """:raise NotFound: there is no such scenario."""
        found = self._select(SCENARIOS.c.id == scenario_id)
        if not found:
            raise NotFound(f"There is no scenario {scenario_id!r}.")
        return found[0]

    def _find(self, process_id: str, name: str) -> ScenarioInfo:
        found = self._select(
            (SCENARIOS.c.process_id == process_id) & (SCENARIOS.c.name == name)
        )
        return found[0]

    def _select(self, where) -> list[ScenarioInfo]:
        query = (
            sa.select(SCENARIOS)
            .where(where)
            .order_by(SCENARIOS.c.process_id, SCENARIOS.c.name)
        )
        with self.engine.db.read() as connection:
            return [_info(row) for row in connection.execute(query)]

    def delete(self, scenario_id: int, actor: Actor) -> None:
        """:raise NotFound: there is no such scenario."""
        self.engine.check_designer(actor, "delete a scenario")
        with self.engine.db.write() as connection:
            deleted = connection.execute(
                sa.delete(SCENARIOS).where(SCENARIOS.c.id == scenario_id)
            )
        if deleted.rowcount != 1:
            raise NotFound(f"There is no scenario {scenario_id!r}.")
        logger.info("Scenario deleted: %s by %s", scenario_id, actor.name)

    def coverage(
        self,
        process_id: str,
        files: dict[str, str],
        *,
        forms_path: str | Path | None = None,
        extra_forms: dict[str, dict] | None = None,
    ) -> Coverage:
        """Replay the scenarios of ``process_id`` on ``files``; count visits.

        Only the elements of the process's own diagram count; a run that
        fails or leaves its expected path is listed in ``runs``.
        """
        sandbox = Sandbox(
            self.engine,
            files,
            process_id,
            forms_path=forms_path,
            extra_forms=extra_forms,
        )
        return measure(sandbox, self.list(process_id))

    def export(self, scenario_id: int) -> dict[str, Any]:
        """The JSON of ``processes/scenarios/<process id>/<name>.json``."""
        info = self.get(scenario_id)
        return {
            "process_id": info.process_id,
            "name": info.name,
            "start_at": info.start_at.isoformat(),
            "start_data": info.start_data,
            "steps": info.steps,
            "expected": info.expected,
        }


def measure(sandbox: Sandbox, scenarios) -> Coverage:
    """Run ``scenarios`` in ``sandbox``; count what its process's diagram saw."""
    coverage = Coverage(sandbox.process_id)
    diagram = sandbox.diagrams.get(sandbox.process_id) if sandbox.source else None
    if diagram is not None:
        coverage.all_nodes = list(diagram.nodes)
        coverage.all_flows = list(diagram.flows.values())
    nodes, flows = set(coverage.all_nodes), set(coverage.all_flows)
    for scenario in scenarios:
        result = sandbox.run(scenario.start_data, scenario.steps, scenario.start_at)
        for step in result.steps:
            _count(coverage.nodes, step.nodes, nodes)
            _count(coverage.flows, step.flows, flows)
        coverage.runs.append(
            ScenarioRun(
                scenario.id,
                scenario.name,
                result.status,
                result.error,
                result.path() == scenario.expected,
            )
        )
    coverage.node_percent = percent(len(coverage.nodes), len(nodes))
    coverage.flow_percent = percent(len(coverage.flows), len(flows))
    return coverage


def replay(engine, exported: dict[str, Any], files: dict[str, str], **forms):
    """Run an exported scenario (:meth:`Scenarios.export`) on ``files``.

    ``forms`` are :func:`engine.trial.run_trial`'s ``forms_path`` and
    ``extra_forms``. Return the :class:`~engine.trial.TrialResult`.
    """
    sandbox = Sandbox(engine, files, exported["process_id"], **forms)
    start_at = datetime.fromisoformat(exported["start_at"])
    return sandbox.run(exported["start_data"], exported["steps"], start_at)


def _count(counts: dict[str, int], visited: list[str], known: set[str]) -> None:
    for element in visited:
        if element in known:
            counts[element] = counts.get(element, 0) + 1


def _info(row) -> ScenarioInfo:
    return ScenarioInfo(
        id=row.id,
        process_id=row.process_id,
        name=row.name,
        start_data=row.start_data,
        steps=row.steps,
        expected=row.expected,
        start_at=row.start_at,
        saved_by=row.saved_by,
        saved_at=row.saved_at,
    )


def scenario_path(folder: str | Path, exported: dict[str, Any]) -> Path:
    """Where an exported scenario's file goes under ``folder``."""
    name = exported["name"].replace(" ", "_")
    return Path(folder) / exported["process_id"] / f"{name}.json"


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        message = (
            f"{name!r} is not a scenario name. Use up to 100 letters, digits, "
            "spaces, '_' or '-' (it becomes a file name)."
        )
        raise InvalidInput(message, {"name": [message]})


def _check_expected(expected: Any, steps: list) -> None:
    good = (
        isinstance(expected, list)
        and len(expected) == len(steps) + 1
        and all(
            isinstance(step, dict)
            and isinstance(step.get("nodes"), list)
            and isinstance(step.get("flows"), list)
            and step.get("status") in ("running", "completed", "cancelled")
            for step in expected
        )
    )
    if not good:
        message = (
            "The expected path must hold {nodes, flows, status} for the start and "
            "each step of a run that did not fail."
        )
        raise InvalidInput(message, {"expected": [message]})
