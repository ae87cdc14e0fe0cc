"""Figures over many instances: throughput, time per stage, the heatmap.

All of them read the task index and the instance rows; none loads an
instance. Medians and 90th percentiles are the nearest-rank kind, so they
are durations that really occurred: PostgreSQL computes them
(``percentile_disc``); on SQLite, which has no such function, the durations
are read and ranked here.

Which element belongs to which stage or process comes from the deployed
diagrams, not from the store; the callers pass it in as
``{value: {top process id: [element, ...]}}`` and the queries join the task
index to it as a ``VALUES`` list.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .classify import reading
from .findings import OpenTask
from .records import OPEN_STATES
from .store import Database
from .store.models import Agreement
from .store.models import HumanTask
from .store.models import Instance
from .store.models import Subscription
from .store.models import Timer

AGREEMENTS = Agreement.__table__
INSTANCES = Instance.__table__
TASKS = HumanTask.__table__
SUBSCRIPTIONS = Subscription.__table__
TIMERS = Timer.__table__
_DAY = 86400.0


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values``; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[rank - 1]


def finished_per_month(db: Database, months: int, now: datetime):
    """``[("YYYY-MM", n), ...]`` for the last ``months`` months (UTC)."""
    if months < 1:
        raise ValueError(f"months must be 1 or more, got {months!r}.")
    keys = []
    year, month = now.year, now.month
    for _ in range(months):
        keys.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    start = datetime(keys[0][0], keys[0][1], 1, tzinfo=UTC)
    y = sa.extract("year", INSTANCES.c.ended_at)
    m = sa.extract("month", INSTANCES.c.ended_at)
    query = (
        sa.select(y, m, sa.func.count())
        .where(INSTANCES.c.status == "completed", INSTANCES.c.ended_at >= start)
        .group_by(y, m)
    )
    with db.read() as connection:
        counts = {(int(a), int(b)): n for a, b, n in connection.execute(query)}
    return [(f"{a:04d}-{b:02d}", counts.get((a, b), 0)) for a, b in keys]


def stage_times(
    db: Database, stages: dict[str, dict[str, list[str]]], codes: list[str]
) -> dict[str, dict[str, Any]]:
    """Median and 90th percentile days per stage, over finished stage visits.

    A visit runs from the first task of a stage opening to the last one
    closing, per instance; one with a task still open is not finished.
    ``stages`` is ``{stage: {top process id: [element, ...]}}``.
    """
    found = _stage_percentiles(db, _mapping(stages)) if any(stages.values()) else {}
    result = {}
    for code in [*codes, *sorted(set(found) - set(codes))]:
        median, p90, count = found.get(code, (None, None, 0))
        result[code] = {
            "median_days": _days(median),
            "p90_days": _days(p90),
            "count": count,
        }
    return result


def _stage_percentiles(db: Database, stages: sa.CTE) -> dict[str, tuple]:
    """``{stage: (median seconds, p90 seconds, finished visits)}``."""
    opened = sa.func.sum(sa.case((TASKS.c.state.in_(OPEN_STATES), 1), else_=0))
    visits = (
        sa.select(
            stages.c.value.label("stage"),
            sa.func.min(TASKS.c.created_at).label("start"),
            sa.func.max(TASKS.c.completed_at).label("end"),
            opened.label("open"),
        )
        .join_from(TASKS, stages, _matches(stages))
        .group_by(TASKS.c.instance_id, stages.c.value)
        .subquery("v")
    )
    finished = (
        sa.select(visits)
        .where(visits.c.open == 0, visits.c.end.is_not(None))
        .subquery("f")
    )
    ranked = _ranked(db, finished, ["stage"], (0.5, 0.9))
    return {stage: ranks for (stage,), ranks in ranked.items()}


def element_times(
    db: Database, owners: dict[str, dict[str, list[str]]]
) -> dict[str, dict[str, int]]:
    """The median seconds each task element stayed open, over its completed
    tasks: ``{owning process id: {element: seconds}}``.

    ``owners`` is ``{owning process id: {top process id: [element, ...]}}``,
    so a called process's tasks count under the process that holds them.
    """
    if not any(owners.values()):
        return {}
    m = _mapping(owners)
    spans = (
        sa.select(
            m.c.value.label("owner"),
            TASKS.c.spec_name.label("element"),
            TASKS.c.created_at.label("start"),
            TASKS.c.completed_at.label("end"),
        )
        .join_from(TASKS, m, _matches(m))
        .where(TASKS.c.state == "completed")
        .subquery("s")
    )
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for (owner, element), (median, _count) in _ranked(
        db, spans, ["owner", "element"], (0.5,)
    ).items():
        result[owner][element] = round(median)
    return dict(result)


def _ranked(db: Database, spans, keys: list[str], fractions: tuple[float, ...]):
    """Nearest-rank percentiles of ``end - start`` in seconds over the rows of
    ``spans``, per ``keys``: ``{key values: (one per fraction..., rows)}``.
    """
    columns = [spans.c[key] for key in keys]
    found = {}
    with reading(db) as connection:
        if db.is_sqlite:
            seconds: dict[tuple, list[float]] = defaultdict(list)
            query = sa.select(*columns, spans.c.start, spans.c.end)
            for *key, start, end in connection.execute(query):
                seconds[tuple(key)].append((end - start).total_seconds())
            for key, values in seconds.items():
                ranks = [percentile(values, f) for f in fractions]
                found[key] = (*ranks, len(values))
        else:
            span = sa.extract("epoch", spans.c.end - spans.c.start)
            ranks = [sa.func.percentile_disc(f).within_group(span) for f in fractions]
            query = sa.select(*columns, *ranks, sa.func.count()).group_by(*columns)
            for row in connection.execute(query):
                *values, count = row[len(keys) :]
                found[tuple(row[: len(keys)])] = (*map(float, values), count)
    return found


def waiting_counts(
    db: Database, shown: dict[str, dict[str, list[str]]]
) -> dict[str, int]:
    """How many running instances wait at each element of one diagram now.

    ``shown`` is ``{element of the diagram: {top process id: [element the
    instance waits at, ...]}}``: the element itself, or the elements inside
    the process a call activity runs. Waiting means an open task, a message
    subscription or a timer.
    """
    if not any(shown.values()):
        return {}
    parts = [
        sa.select(TASKS.c.instance_id, TASKS.c.spec_name.label("element")).where(
            TASKS.c.state.in_(OPEN_STATES)
        ),
        sa.select(SUBSCRIPTIONS.c.instance_id, SUBSCRIPTIONS.c.element),
        sa.select(TIMERS.c.instance_id, TIMERS.c.element),
    ]
    waits = sa.union_all(*parts).subquery("w")
    i = INSTANCES
    m = _mapping(shown)
    at = (
        sa.select(i.c.id, m.c.value)
        .join_from(waits, i, i.c.id == waits.c.instance_id)
        .join(m, _matches(m, i.c.process_id, waits.c.element))
        .where(i.c.status.in_(("active", "suspended")))
        .distinct()
        .subquery("a")
    )
    query = sa.select(at.c.value, sa.func.count()).group_by(at.c.value)
    with reading(db) as connection:
        return dict(connection.execute(query).all())


def _mapping(groups: dict[str, dict[str, list[str]]]) -> sa.CTE:
    """``groups`` as rows ``(top, element, value)``: a ``VALUES`` list the
    queries join the task index (or the waits) to."""
    rows = [
        (process_id, element, value)
        for value, tops in sorted(groups.items())
        for process_id, elements in sorted(tops.items())
        for element in elements
    ]
    columns = [sa.column(name, sa.String) for name in ("top", "element", "value")]
    return sa.values(*columns, name="m").data(rows).cte("m")


def _matches(m: sa.CTE, top=TASKS.c.process_id, element=TASKS.c.spec_name):
    """The join of ``m`` to a top process and an element; by default, the
    task index's."""
    return sa.and_(m.c.top == top, m.c.element == element)


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / _DAY


def open_tasks(db: Database, lane, limit: int, offset: int, now: datetime):
    """Open tasks, the oldest first, with their age at ``now``."""
    query = (
        sa.select(TASKS, AGREEMENTS.c.judul, INSTANCES.c.business_key)
        .join(INSTANCES, INSTANCES.c.id == TASKS.c.instance_id)
        .outerjoin(AGREEMENTS, AGREEMENTS.c.instance_id == TASKS.c.instance_id)
        .where(TASKS.c.state.in_(OPEN_STATES))
        .order_by(TASKS.c.created_at, TASKS.c.id)
        .limit(limit)
        .offset(offset)
    )
    if lane is not None:
        query = query.where(TASKS.c.lane == lane)
    with db.read() as connection:
        rows = connection.execute(query).all()
    return [
        OpenTask(
            id=row.id,
            title=row.title,
            instance_id=row.instance_id,
            business_key=row.business_key,
            agreement=row.judul or "",
            element=row.spec_name,
            lane=row.lane,
            assignee=row.assignee,
            created_at=row.created_at,
            due_at=row.due_at,
            age_seconds=int((now - row.created_at).total_seconds()),
        )
        for row in rows
    ]
