"""Where every running instance stands, for the supervisor console.

Each active instance falls in exactly one category, the first that holds::

    incident   its last step failed: a script, service task or timer
               (the instance's ``error`` column is set)
    overdue    an open task is past its due date
    at_risk    an open task falls due within AT_RISK_MARGIN, or has waited
               unclaimed in its lane for more than UNCLAIMED_DAYS
    waiting    as designed: on a task within its time, on a partner's
               message, or on a timer

A suspended instance is in none of them: a supervisor stopped it on
purpose, so its tasks are not late in any sense that someone can act on.
It is counted apart (``summary()["suspended"]``) and listed with
``findings(category="suspended")``.

Everything here is SQL over the rows each step keeps current (the task
index, timers, subscriptions, the register), mostly over what each
instance row carries of them; no instance is loaded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from . import classify
from . import figures
from . import process_stats
from .findings import Finding
from .findings import OpenTask
from .reasons import describe
from .stages import ElementIndex
from .stages import StageMap
from .store import Database
from .store.models import Agreement
from .store.models import HumanTask
from .store.models import ProcessVersion
from .workdays import parse_duration

CATEGORIES = classify.CATEGORIES
#: The name the figures drawn from history are kept under.
HISTORY = "history"
SUSPENDED = classify.SUSPENDED
TASKS = HumanTask.__table__
AGREEMENTS = Agreement.__table__
VERSIONS = ProcessVersion.__table__

__all__ = [
    "CATEGORIES",
    "SUSPENDED",
    "Finding",
    "OpenTask",
    "Supervision",
    "SupervisionPolicy",
    "describe",
    "parse_margin",
]


def parse_margin(text: str) -> timedelta:
    """Turn an ISO-8601 duration such as ``P2D`` or ``PT36H`` into a span.

    :raise ValueError: ``text`` is no such duration, or counts months or
        years, which have no fixed length.
    """
    parts = parse_duration(text)
    if parts.get("years") or parts.get("months"):
        raise ValueError(f"Give {text!r} in weeks, days or hours, not months.")
    return timedelta(
        weeks=parts.get("weeks", 0),
        days=parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )


@dataclass(frozen=True)
class SupervisionPolicy:
    """When a task counts as at risk.

    Usage::

        SupervisionPolicy(at_risk_margin=timedelta(days=2), unclaimed_days=3)
    """

    #: A task due within this span from now is at risk (calendar time).
    at_risk_margin: timedelta = timedelta(days=2)
    #: A task nobody claimed for this many days is at risk.
    unclaimed_days: int = 3
    #: How often the scheduler computes the figures drawn from history.
    figures_every: timedelta = timedelta(minutes=10)
    stages: StageMap = field(default_factory=StageMap)

    def __post_init__(self) -> None:
        if self.at_risk_margin < timedelta(0):
            raise ValueError(
                f"at_risk_margin must not be negative, got {self.at_risk_margin!r}."
            )
        if self.unclaimed_days < 0:
            raise ValueError(
                f"unclaimed_days must be 0 or more, got {self.unclaimed_days!r}."
            )
        if self.figures_every <= timedelta(0):
            raise ValueError(
                f"figures_every must be positive, got {self.figures_every!r}."
            )


class Supervision:
    """The console's queries over one engine's store.

    :param clock: an object with ``now()``; each method's ``now`` overrides it.
    :param versions: the engine's version catalog, which knows the elements
        of every deployed process (to place them in stages).
    """

    def __init__(self, db: Database, clock, versions, policy=None) -> None:
        self.db = db
        self.clock = clock
        self.versions = versions
        self.policy = policy or SupervisionPolicy(stages=StageMap.load())
        self._indexes: dict[str, tuple[tuple[int, ...], ElementIndex]] = {}
        self._versions: dict[str, tuple[int, ...]] = {}
        self._computing = threading.Lock()

    def findings(
        self,
        *,
        category: str | None = None,
        stage: str | None = None,
        opd: str | None = None,
        partner_kind: str | None = None,
        process_id: str | None = None,
        lane: str | None = None,
        q: str | None = None,
        limit: int = 100,
        offset: int = 0,
        now: datetime | None = None,
    ) -> list[Finding]:
        """One page of instances, the most urgent first.

        Incidents come first, then overdue, at risk, waiting and suspended
        instances; within a category, the earliest due date first.

        :raise InvalidInput: ``category`` or ``stage`` is not known.
        """
        now = now or self.clock.now()
        self._refresh()
        rows = classify.page(
            self.db,
            self._window(now),
            self._filters(category, stage, opd, partner_kind, process_id, lane, q),
            limit,
            offset,
        )
        facts = classify.facts(self.db, [row.id for row in rows])
        return [self._finding(row, facts, now) for row in rows]

    def count(self, now: datetime | None = None, **filters) -> int:
        """How many instances :meth:`findings` with ``filters`` would list."""
        now = now or self.clock.now()
        where = self._filters(**{k: filters.get(k) for k in classify.FILTERS})
        return classify.count(self.db, self._window(now), where)

    def summary(self, now: datetime | None = None) -> dict[str, Any]:
        """Counts per category, and per category within each stage, OPD and
        partner kind.

        ``{"categories": {cat: n}, "suspended": n, "stages": {stage: {cat: n}},
        "opd": {name: {cat: n}}, "partner_kinds": {kind: {cat: n}},
        "total": n}``; instances outside the register are under ``""``.
        """
        now = now or self.clock.now()
        self._refresh()
        groups = classify.groups(self.db, self._window(now))
        every = (*CATEGORIES, SUSPENDED)
        result: dict[str, Any] = {
            "categories": dict.fromkeys(CATEGORIES, 0),
            "suspended": 0,
            "stages": {code: dict.fromkeys(every, 0) for code in self.stage_codes},
            "opd": {},
            "partner_kinds": {},
            "total": 0,
        }
        for row in groups:
            n, cat = row.n, row.category
            if cat == SUSPENDED:
                result["suspended"] += n
            else:
                result["categories"][cat] += n
            result["total"] += n
            stage = self.stage(row.process_id, row.stage_element)
            for key, value in (
                ("stages", stage),
                ("opd", row.opd or ""),
                ("partner_kinds", row.partner_kind or ""),
            ):
                bucket = result[key].setdefault(value, dict.fromkeys(every, 0))
                bucket[cat] += n
        return result

    def open_tasks(
        self,
        *,
        lane: str | None = None,
        limit: int = 100,
        offset: int = 0,
        now: datetime | None = None,
    ) -> list[OpenTask]:
        """Open tasks, the oldest first, with how long each has been open."""
        return process_stats.open_tasks(
            self.db, lane, limit, offset, now or self.clock.now()
        )

    def finished_per_month(
        self, months: int = 12, now: datetime | None = None
    ) -> list[tuple[str, int]]:
        """Instances completed in each of the last ``months`` months, oldest
        first, months without any included: ``[("2025-06", 4), ...]``."""
        return process_stats.finished_per_month(
            self.db, months, now or self.clock.now()
        )

    def stage_times(self, now: datetime | None = None) -> dict[str, dict[str, Any]]:
        """How long agreements spend in each stage, over finished stage visits.

        A visit runs from the first task of the stage opening to the last
        one closing, per instance: ``{stage: {"median_days", "p90_days",
        "count"}}`` (the days are None when nothing finished in a stage).
        Read from the kept figures (see :meth:`history`).
        """
        return self.history(now).data["stage_times"]

    def heat(self, process_id: str, now: datetime | None = None) -> dict[str, Any]:
        """Per element of ``process_id``'s diagram: its name, the instances
        waiting there now, and the median seconds its tasks stayed open.

        For a called process, the elements are counted over every instance
        that runs it; in a calling diagram, the work going on inside a
        called process counts at the call activity. The medians come from
        the kept figures (see :meth:`history`); the counts are of now.
        """
        indexes = {
            top: self.element_index(top)
            for top in self._deployed()
            if top == process_id or process_id in self.element_index(top).calls
        }
        if not indexes:
            return {}
        shown: dict[str, dict[str, list[str]]] = {}
        for top, index in indexes.items():
            for element in index.elements:
                at = index.shown_in(element, process_id, top)
                if at is not None:
                    shown.setdefault(at, {}).setdefault(top, []).append(element)
        waiting = process_stats.waiting_counts(self.db, shown)
        medians = self.history(now).data["element_times"].get(process_id, {})
        index = next(iter(indexes.values()))
        return {
            element: {
                "name": index.name(element),
                "waiting": waiting.get(element, 0),
                "median_seconds": medians.get(element),
            }
            for element in sorted(set(waiting) | set(medians))
        }

    def history(self, now: datetime | None = None) -> figures.Kept:
        """The figures drawn from every instance's history, as kept.

        ``data`` holds ``stage_times`` (see :meth:`stage_times`) and
        ``element_times`` (``{process id: {element: median seconds}}``);
        ``computed_at`` says when they were computed. When none are kept,
        or they are older than twice ``figures_every`` (no scheduler is
        keeping them), they are computed first, by one caller at a time:
        while one computes them, the others get the stale ones.
        """
        now = now or self.clock.now()
        every = self.policy.figures_every
        kept = figures.load(self.db, HISTORY)
        if kept is not None and not kept.stale(now, every):
            return kept
        if not self._computing.acquire(blocking=kept is None):
            return kept
        try:
            # Whoever held the lock before may have just computed them.
            kept = figures.load(self.db, HISTORY)
            if kept is not None and not kept.stale(now, every):
                return kept
            return self.refresh_figures(now)
        finally:
            self._computing.release()

    def refresh_figures(self, now: datetime | None = None) -> figures.Kept:
        """Compute the figures drawn from history and keep them.

        The scheduler calls this every ``figures_every``; at 100,000
        instances it reads some two million task rows.
        """
        now = now or self.clock.now()
        stages: dict[str, dict[str, list[str]]] = {}
        owners: dict[str, dict[str, list[str]]] = {}
        for top in self._deployed():
            index = self.element_index(top)
            for element in index.elements:
                stage = self.stage(top, element)
                if stage:
                    stages.setdefault(stage, {}).setdefault(top, []).append(element)
                owner = index.owner(element, top)
                owners.setdefault(owner, {}).setdefault(top, []).append(element)
        data = {
            "stage_times": process_stats.stage_times(self.db, stages, self.stage_codes),
            "element_times": process_stats.element_times(self.db, owners),
        }
        return figures.save(self.db, HISTORY, data, now)

    # -- stages --------------------------------------------------------

    @property
    def stage_codes(self) -> list[str]:
        return self.policy.stages.codes

    def stage(self, process_id: str, element: str | None) -> str:
        """The stage of ``element`` in an instance of ``process_id``."""
        if not element:
            return self.policy.stages.processes.get(process_id, "")
        owner = self.element_index(process_id).owner(element, process_id)
        return self.policy.stages.stage_of(owner, element)

    def element_index(self, process_id: str) -> ElementIndex:
        """The elements an instance of ``process_id`` can reach, any version.

        Built from the versions deployed when the calling query began (see
        :meth:`_refresh`), so one query never looks at the store twice.
        """
        if process_id not in self._versions:
            self._refresh()
        ids = self._versions.get(process_id, ())
        cached = self._indexes.get(process_id)
        if cached is not None and cached[0] == ids:
            return cached[1]
        index = ElementIndex()
        for version_id in ids:
            index.add_specs(*self.versions.specs(version_id))
        self._indexes[process_id] = (ids, index)
        return index

    def _refresh(self) -> None:
        """Note which versions of which processes are deployed now."""
        found: dict[str, tuple[int, ...]] = {}
        with self.db.read() as connection:
            rows = connection.execute(
                sa.select(VERSIONS.c.process_id, VERSIONS.c.id).order_by(
                    VERSIONS.c.id.desc()
                )
            )
            for process_id, version_id in rows:
                found[process_id] = (*found.get(process_id, ()), version_id)
        self._versions = found

    def _deployed(self) -> list[str]:
        self._refresh()
        return list(self._versions)

    # -- helpers -------------------------------------------------------

    def _window(self, now: datetime) -> classify.Window:
        return classify.Window(
            now=now,
            risk_until=now + self.policy.at_risk_margin,
            unclaimed_before=now - timedelta(days=self.policy.unclaimed_days),
        )

    def _filters(self, category, stage, opd, partner_kind, process_id, lane, q):
        elements = None
        if stage is not None:
            elements = self._stage_elements(stage)
        return classify.Filters(
            category, elements, opd, partner_kind, process_id, lane, q
        )

    def _stage_elements(self, stage: str) -> dict[str, list[str]]:
        classify.check_stage(stage, self.stage_codes)
        found = {}
        for process_id in self._deployed():
            index = self.element_index(process_id)
            found[process_id] = [
                e for e in index.elements if self.stage(process_id, e) == stage
            ]
        return found

    def _finding(self, row, facts: classify.Facts, now: datetime) -> Finding:
        element, reason, details, since = classify.explain(
            row, facts, now, self.policy.at_risk_margin, self.policy.unclaimed_days
        )
        index = self.element_index(row.process_id)
        return Finding(
            instance_id=row.id,
            process_id=row.process_id,
            business_key=row.business_key,
            title=row.title or "",
            opd=row.opd,
            partner=row.partner,
            partner_kind=row.partner_kind,
            stage=self.stage(row.process_id, element or row.stage_element),
            category=row.category,
            element=element,
            element_name=index.name(element) if element else "",
            reason=reason,
            details=details,
            since=since,
        )
