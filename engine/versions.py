"""Deployed process versions and their parsed specs.

Deploying changed content makes a new version; unchanged content is a no-op.
Instances keep the version they started on, so specs are parsed once per
version and cached for the life of the process. A deploy also replaces the
start timers of each process it makes a new version of (see
:mod:`engine.starts`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import starts
from .definitions import check_bundle
from .definitions import parse_specs
from .definitions import read_paths
from .errors import Conflict
from .errors import DefinitionError
from .errors import Problem
from .errors import ProcessNotFound
from .lint_rules import RuleSet
from .records import Deployment
from .records import ProcessInfo
from .services import ServiceRegistry
from .store import Database
from .store.models import Event
from .store.models import Instance
from .store.models import ProcessVersion
from .workflow import Workflow

logger = logging.getLogger(__name__)


VERSIONS = ProcessVersion.__table__
EVENTS = Event.__table__
INSTANCES = Instance.__table__


_INFO_COLUMNS = [c for c in VERSIONS.c if c.name != "sources"]


def _info(row) -> ProcessInfo:
    return ProcessInfo(
        process_id=row.process_id,
        name=row.name,
        version=row.version,
        version_id=row.id,
        content_hash=row.content_hash,
        lanes=list(row.lanes),
        forms=dict(row.forms),
        deployed_by=row.deployed_by,
        deployed_at=row.deployed_at,
    )


@dataclass(frozen=True)
class VersionInfo:
    """One deployed version of a process and how many instances use it."""

    process_id: str
    version: int
    id: int
    name: str
    deployed_by: str
    deployed_at: datetime
    content_hash: str
    active_instances: int
    total_instances: int


def _not_deployed(process_id: str) -> ProcessNotFound:
    return ProcessNotFound(
        f"No process {process_id!r} is deployed. Deploy it first "
        "('ekerjasama deploy processes/')."
    )


class VersionCatalog:
    """Reads, deploys and parses process versions."""

    def __init__(
        self,
        db: Database,
        services: ServiceRegistry,
        form_exists: Callable[[str], bool] | None = None,
        script_engine: Any = None,
        role_exists: Callable[[str], bool] | None = None,
        lint_rules: RuleSet | None = None,
    ) -> None:
        self.db = db
        self.services = services
        self.form_exists = form_exists
        self.role_exists = role_exists
        #: bpmnlint's rules with their severities; None applies only the
        #: engine's own rules.
        self.lint_rules = lint_rules
        #: Evaluates timer start expressions at deploy time.
        self.script_engine = script_engine
        self._infos: dict[int, ProcessInfo] = {}
        self._specs: dict[int, tuple] = {}
        self._lock = threading.Lock()

    def lint(self, paths) -> list[Problem]:
        """Return every problem in the files at ``paths``."""
        try:
            files = read_paths(paths)
        except DefinitionError as e:
            return e.problems
        return self.lint_files(files)

    def lint_files(
        self, files: dict[str, str], *, extra_forms: Set[str] = frozenset()
    ) -> list[Problem]:
        """Return every problem in ``files``, checked as a deploy checks them."""
        return self._check(files, self._deployed_files(exclude=files), extra_forms)[1]

    def _check(
        self,
        files: dict[str, str],
        deployed: dict[str, str],
        extra_forms: Set[str] = frozenset(),
    ):
        forms = self.form_exists
        if forms is not None and extra_forms:
            known = forms

            def forms(key: str) -> bool:
                return key in extra_forms or known(key)

        return check_bundle(
            files,
            self.services.__contains__,
            deployed,
            forms=forms,
            roles=self.role_exists,
            rules=self.lint_rules,
        )

    def deploy(self, paths, actor: str, now: datetime) -> list[Deployment]:
        """Deploy the files at ``paths``; return one result per process.

        :raise DefinitionError: any file has an error; nothing is stored.
        """
        return self.deploy_files(read_paths(paths), actor, now)

    def deploy_files(
        self, files: dict[str, str], actor: str, now: datetime
    ) -> list[Deployment]:
        """Deploy ``files`` (name -> text); return one result per process.

        :raise DefinitionError: any file has an error; nothing is stored.
        """
        sources, problems = self._check(files, self._deployed_files(exclude=files))
        if not any(p.severity == "error" for p in problems) and not sources:
            problems.append(
                Problem(
                    "The files define no executable process. Mark one process "
                    "isExecutable.",
                    rule="executable-process",
                )
            )
        if any(p.severity == "error" for p in problems):
            raise DefinitionError(problems)
        results, parsed = [], {}
        try:
            with self.db.write() as connection:
                for source in sources:
                    result, version_id = self._deploy_one(
                        connection, source, actor, now
                    )
                    if version_id is not None:
                        specs = parse_specs(source.files, source.process_id)
                        self._schedule(connection, source, version_id, specs, now)
                        parsed[version_id] = specs
                    results.append(result)
        except IntegrityError:
            raise Conflict(
                "Another deploy of the same process ran at the same time. Deploy again."
            ) from None
        self._specs.update(parsed)
        for result in results:
            if result.created:
                logger.info(
                    "Process deployed: %s v%s", result.process_id, result.version
                )
        return results

    def _schedule(self, connection, source, version_id: int, specs, now) -> None:
        workflow = Workflow(*specs, script_engine=self.script_engine)
        try:
            rows = starts.plan(workflow, now)
        except Exception as e:
            raise DefinitionError(
                [
                    Problem(
                        f"The timer start event cannot be scheduled: {e}. Give it "
                        "an ISO-8601 date, duration or cycle.",
                        file=source.file,
                        rule="timer-parses",
                    )
                ]
            ) from e
        starts.replace(connection, source.process_id, version_id, rows)

    def _deploy_one(self, connection, source, actor: str, now: datetime):
        """Store a new version if the content changed; return it and its id."""
        latest = connection.execute(
            select(VERSIONS.c.version, VERSIONS.c.content_hash)
            .where(VERSIONS.c.process_id == source.process_id)
            .order_by(VERSIONS.c.version.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.content_hash == source.content_hash:
            return Deployment(source.process_id, latest.version, created=False), None
        version = 1 if latest is None else latest.version + 1
        version_id = connection.scalar(
            insert(VERSIONS)
            .values(
                process_id=source.process_id,
                version=version,
                name=source.name,
                content_hash=source.content_hash,
                sources=source.files,
                lanes=source.lanes,
                forms=source.forms,
                deployed_by=actor,
                deployed_at=now,
            )
            .returning(VERSIONS.c.id)
        )
        connection.execute(
            insert(EVENTS).values(
                name="process-deployed",
                actor=actor,
                created_at=now,
                details={
                    "process_id": source.process_id,
                    "version": version,
                    "content_hash": source.content_hash,
                    "files": sorted(source.files),
                },
            )
        )
        return Deployment(source.process_id, version, created=True), version_id

    def _deployed_files(self, exclude: dict[str, str] | None = None) -> dict[str, str]:
        """Files of the newest version of every process, for call activities."""
        files: dict[str, str] = {}
        for info in self.list():
            row_files = self._sources(info.version_id)
            for name, text in row_files.items():
                if exclude is None or name not in exclude:
                    files.setdefault(name, text)
        return files

    def list(self) -> list[ProcessInfo]:
        """The newest version of every deployed process."""
        newest = (
            select(VERSIONS.c.process_id, func.max(VERSIONS.c.version).label("v"))
            .group_by(VERSIONS.c.process_id)
            .subquery()
        )
        with self.db.read() as connection:
            rows = connection.execute(
                select(*_INFO_COLUMNS)
                .join(
                    newest,
                    (VERSIONS.c.process_id == newest.c.process_id)
                    & (VERSIONS.c.version == newest.c.v),
                )
                .order_by(VERSIONS.c.process_id)
            ).all()
        return [_info(row) for row in rows]

    def history(self, process_id: str) -> list[ProcessInfo]:
        """Every version of ``process_id``, oldest first."""
        with self.db.read() as connection:
            rows = connection.execute(
                select(*_INFO_COLUMNS)
                .where(VERSIONS.c.process_id == process_id)
                .order_by(VERSIONS.c.version)
            ).all()
        return [_info(row) for row in rows]

    def list_versions(self, process_id: str) -> list[VersionInfo]:
        """Every version of ``process_id``, oldest first, with instance counts.

        :raise ProcessNotFound: it was never deployed.
        """
        active = func.count().filter(INSTANCES.c.status == "active")
        counts = (
            select(
                INSTANCES.c.version_id,
                func.count().label("total"),
                active.label("active"),
            )
            .group_by(INSTANCES.c.version_id)
            .subquery()
        )
        with self.db.read() as connection:
            rows = connection.execute(
                select(*_INFO_COLUMNS, counts.c.total, counts.c.active)
                .outerjoin(counts, counts.c.version_id == VERSIONS.c.id)
                .where(VERSIONS.c.process_id == process_id)
                .order_by(VERSIONS.c.version)
            ).all()
        if not rows:
            raise _not_deployed(process_id)
        return [
            VersionInfo(
                process_id=row.process_id,
                version=row.version,
                id=row.id,
                name=row.name,
                deployed_by=row.deployed_by,
                deployed_at=row.deployed_at,
                content_hash=row.content_hash,
                active_instances=row.active or 0,
                total_instances=row.total or 0,
            )
            for row in rows
        ]

    def find(self, process_id: str, version: int) -> ProcessInfo:
        """Version number ``version`` of ``process_id``.

        :raise ProcessNotFound: there is no such version.
        """
        with self.db.read() as connection:
            row = connection.execute(
                select(*_INFO_COLUMNS).where(
                    VERSIONS.c.process_id == process_id,
                    VERSIONS.c.version == version,
                )
            ).first()
        if row is None:
            raise ProcessNotFound(
                f"Process {process_id!r} has no version {version!r}. "
                "Choose one from its version list."
            )
        return _info(row)

    def latest(self, process_id: str) -> ProcessInfo:
        """The newest version of ``process_id``.

        :raise ProcessNotFound: it was never deployed.
        """
        with self.db.read() as connection:
            row = connection.execute(
                select(*_INFO_COLUMNS)
                .where(VERSIONS.c.process_id == process_id)
                .order_by(VERSIONS.c.version.desc())
                .limit(1)
            ).first()
        if row is None:
            raise _not_deployed(process_id)
        info = _info(row)
        self._infos.setdefault(info.version_id, info)
        return info

    def get(self, version_id: int) -> ProcessInfo:
        info = self._infos.get(version_id)
        if info is None:
            with self.db.read() as connection:
                row = connection.execute(
                    select(*_INFO_COLUMNS).where(VERSIONS.c.id == version_id)
                ).first()
            if row is None:
                raise ProcessNotFound(f"There is no process version {version_id}.")
            info = self._infos.setdefault(version_id, _info(row))
        return info

    def _sources(self, version_id: int) -> dict[str, str]:
        with self.db.read() as connection:
            sources = connection.scalar(
                select(VERSIONS.c.sources).where(VERSIONS.c.id == version_id)
            )
        if sources is None:
            raise ProcessNotFound(f"There is no process version {version_id}.")
        return dict(sources)

    def sources(self, version_id: int) -> dict[str, str]:
        """The files a version was parsed from, by name."""
        return self._sources(version_id)

    def specs(self, version_id: int) -> tuple:
        """Return ``(spec, subprocess_specs)`` of a version, parsed once."""
        cached = self._specs.get(version_id)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._specs.get(version_id)
            if cached is None:
                info = self.get(version_id)
                cached = parse_specs(self._sources(version_id), info.process_id)
                self._specs[version_id] = cached
        return cached
