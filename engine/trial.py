"""Test runs: a draft's files run in a sandbox, step by step.

A trial deploys the files into a scratch store (a temporary SQLite database)
with a :class:`~engine.clock.MovableClock`, starts the process with the given
data and plays the steps in order::

    {"task": "kajian_tkksd", "data": {...}}     complete the open task
    {"message": "penawaran_disetujui", "data": {...}}
    {"advance": "P3D"}                          move the clock, fire timers

After each step it reports the path taken (the flow nodes and sequence flows
newly visited, in order), the instance data, the open tasks, what the
instance waits for, and its status. A step that fails (answers the task's
form rejects, a script error, a task that is not open) ends the run with the
error in the result; nothing is raised and the real store is never touched.

The files are checked as a deploy checks them; processes they call come from
the files or else from the real engine's deployed versions. The sandbox runs
what the diagram says (scripts, service operations, decisions, BPMN timers)
but delivers no notifications or e-mail and fires no SLA escalations: those
act on people, not on the path. A :class:`Sandbox` checks and parses the
files once and runs any number of trials, each on a fresh scratch store.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from pathlib import Path
from typing import Any

from . import trial_steps
from .clock import MovableClock
from .coverage import read_diagrams
from .definitions import check_bundle
from .definitions import parse_specs
from .errors import Problem
from .records import Actor
from .store.models import Base
from .store.models import ProcessVersion
from .trial_forms import TrialForms

logger = logging.getLogger(__name__)

VERSIONS = ProcessVersion.__table__


@dataclass
class TrialStep:
    """What one step did; the first step of a run is the start."""

    #: The step as given, or ``{"start": data}`` for the start.
    action: dict[str, Any]
    #: Flow nodes newly visited, in order (element ids; a node visited
    #: again in a loop is listed again).
    nodes: list[str] = field(default_factory=list)
    #: Sequence flows newly taken, in order.
    flows: list[str] = field(default_factory=list)
    #: The instance data after the step.
    data: dict[str, Any] = field(default_factory=dict)
    #: ``{"element", "name", "lane", "form"}`` per open user task.
    open_tasks: list[dict[str, Any]] = field(default_factory=list)
    #: ``{"kind": "timer", "element", "due"}`` or
    #: ``{"kind": "message", "element", "message"}``.
    waiting: list[dict[str, Any]] = field(default_factory=list)
    #: ``running``, ``completed``, ``cancelled`` or ``failed``.
    status: str = "running"
    #: Why the step failed, as a sentence; None when it did not.
    error: str | None = None
    #: Field messages when form data was rejected.
    errors: dict[str, list[str]] = field(default_factory=dict)
    #: The sandbox clock after the step, ISO 8601.
    at: str = ""


@dataclass
class TrialResult:
    """A whole test run."""

    process_id: str
    #: ``running`` (waits for more), ``completed``, ``cancelled`` or ``failed``.
    status: str
    steps: list[TrialStep] = field(default_factory=list)
    #: Every flow node and sequence flow the run visited, first visit first.
    visited_nodes: list[str] = field(default_factory=list)
    visited_flows: list[str] = field(default_factory=list)
    #: Problems in the files that kept the run from starting.
    problems: list[Problem] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """The failing step's error, or None."""
        failed = [step.error for step in self.steps if step.error]
        if failed:
            return failed[0]
        if self.problems:
            return "; ".join(str(p) for p in self.problems if p.severity == "error")
        return None

    def path(self) -> list[dict[str, Any]]:
        """``[{"nodes", "flows", "status"}]`` per step: what a scenario expects."""
        return [
            {"nodes": step.nodes, "flows": step.flows, "status": step.status}
            for step in self.steps
        ]

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready values."""
        result = asdict(self)
        result["error"] = self.error
        return result


def run_trial(
    engine,
    files: dict[str, str],
    process_id: str,
    *,
    start_data: dict[str, Any] | None = None,
    steps: list[dict[str, Any]] | None = None,
    forms_path: str | Path | None = None,
    extra_forms: dict[str, dict] | None = None,
    start_at: datetime | None = None,
) -> TrialResult:
    """Run ``process_id`` from ``files`` in a sandbox; see the module docstring.

    ``engine`` (the real one) lends its service operations, script
    functions, SLA policy, forms and deployed versions (for called processes
    that ``files`` lacks); nothing is written to its store.

    :param forms_path: a forms folder to check answers with; default: the
        engine's own forms.
    :param extra_forms: ``{form key: form-js schema}`` that override the
        forms (the studio's form drafts).
    :param start_at: the sandbox clock's start; default: the engine's now.
    :raise InvalidInput: a step is not one of the three kinds.
    """
    sandbox = Sandbox(
        engine, files, process_id, forms_path=forms_path, extra_forms=extra_forms
    )
    return sandbox.run(start_data or {}, steps or [], start_at)


class Sandbox:
    """One process checked and parsed once, to run as many trials as asked.

    Each run gets a fresh scratch store, so runs never see each other.
    """

    def __init__(
        self,
        engine,
        files: dict[str, str],
        process_id: str,
        *,
        forms_path: str | Path | None = None,
        extra_forms: dict[str, dict] | None = None,
    ) -> None:
        self.engine = engine
        self.process_id = process_id
        self.forms = TrialForms(engine, forms_path, extra_forms or {})
        self.problems: list[Problem] = list(self.forms.problems)
        self.source = None
        if not self.problems:
            self.source = self._check(files)
        if self.source is not None:
            self.specs = parse_specs(self.source.files, process_id)
            self.diagrams = read_diagrams(self.source.files)
            self.actor = Actor("trial", set(self.source.lanes))

    def __repr__(self) -> str:
        return f"<Sandbox {self.process_id!r}>"

    def _check(self, files: dict[str, str]):
        versions = self.engine.versions
        sources, problems = check_bundle(
            files,
            self.engine.services.__contains__,
            versions._deployed_files(exclude=files),
            forms=self.forms.exists,
            roles=versions.role_exists,
        )
        self.problems.extend(p for p in problems if p.severity == "error")
        found = [s for s in sources if s.process_id == self.process_id]
        if sources and not found:
            self.problems.append(
                Problem(
                    f"The files define no executable process {self.process_id!r}. "
                    "Check the process id and that it is executable."
                )
            )
        return found[0] if found else None

    def run(
        self,
        start_data: dict[str, Any],
        steps: list[dict[str, Any]],
        start_at: datetime | None = None,
    ) -> TrialResult:
        """Start the process with ``start_data`` and play ``steps``.

        :raise InvalidInput: the start data is not an object, or a step is
            not one of the kinds a trial knows.
        """
        trial_steps.check_start(start_data)
        trial_steps.check_steps(steps)
        if self.source is None:
            return TrialResult(self.process_id, "failed", problems=self.problems)
        clock = MovableClock(start_at or self.engine.clock.now())
        began = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="ekerjasama-trial-") as folder:
            scratch = self._scratch_engine(Path(folder) / "trial.sqlite", clock)
            try:
                result = self._play(scratch, start_data, steps)
            finally:
                scratch.close()
        logger.debug(
            "Trial run: %s, %s step(s), %s in %.3fs",
            self.process_id,
            len(steps),
            result.status,
            time.perf_counter() - began,
        )
        return result

    def _scratch_engine(self, path: Path, clock: MovableClock):
        engine = self.engine
        environment = engine.versions.script_engine.environment
        scratch = type(engine)(
            f"sqlite:///{path}",
            clock=clock,
            services=engine.services,
            functions=environment.functions,
            form_validator=self.forms.validate,
            cache_size=4,
            sla=engine.sla,
        )
        # The schema as the models declare it: the same tables the
        # migrations make, in a tenth of the time.
        Base.metadata.create_all(scratch.db.engine)
        source = self.source
        with scratch.db.write() as connection:
            version_id = connection.scalar(
                VERSIONS.insert()
                .values(
                    process_id=source.process_id,
                    version=1,
                    name=source.name,
                    content_hash=source.content_hash,
                    sources=source.files,
                    lanes=source.lanes,
                    forms=source.forms,
                    deployed_by="trial",
                    deployed_at=clock.now(),
                )
                .returning(VERSIONS.c.id)
            )
        # Parsed once per sandbox; every run's scratch store shares it.
        scratch.versions._specs[version_id] = self.specs
        return scratch

    def _play(self, scratch, start_data, steps) -> TrialResult:
        result = TrialResult(self.process_id, "running")
        player = trial_steps.Player(scratch, self.process_id, self.diagrams, self.actor)
        reports = [player.start(start_data)]
        for step in steps:
            if reports[-1]["error"]:
                break
            reports.append(player.play(step))
        result.steps = [TrialStep(**report) for report in reports]
        result.visited_nodes = _first_visits(step.nodes for step in result.steps)
        result.visited_flows = _first_visits(step.flows for step in result.steps)
        result.status = result.steps[-1].status
        return result


def _first_visits(lists) -> list[str]:
    return list(dict.fromkeys(item for items in lists for item in items))
