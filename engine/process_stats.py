"""Figures over many instances: throughput, time per stage, the heatmap.

All of them read the task index and the instance rows; none loads an
instance. Medians and 90th percentiles are the nearest-rank kind, so they
are durations that really occurred.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .findings import OpenTask
from .records import OPEN_STATES
from .stages import ElementIndex
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


def element_spans(db: Database):
    """Per instance and task element: first opened, last closed, still open."""
    opened = sa.func.sum(sa.case((TASKS.c.state.in_(OPEN_STATES), 1), else_=0))
    keys = (TASKS.c.instance_id, TASKS.c.process_id, TASKS.c.spec_name)
    query = sa.select(
        *keys,
        sa.func.min(TASKS.c.created_at).label("first"),
        sa.func.max(TASKS.c.completed_at).label("last"),
        opened.label("open"),
    ).group_by(*keys)
    with db.read() as connection:
        return connection.execute(query).all()


def stage_times(spans, stage_of: Callable[[str, str], str], codes: list[str]):
    visits: dict[tuple[int, str], list] = {}
    for row in spans:
        stage = stage_of(row.process_id, row.spec_name)
        if not stage:
            continue
        visit = visits.setdefault((row.instance_id, stage), [row.first, None, 0])
        visit[0] = min(visit[0], row.first)
        if row.last is not None and (visit[1] is None or row.last > visit[1]):
            visit[1] = row.last
        visit[2] += row.open or 0
    days: dict[str, list[float]] = defaultdict(list)
    for (_, stage), (first, last, still_open) in visits.items():
        if last is not None and not still_open:
            days[stage].append((last - first).total_seconds() / _DAY)
    return {
        code: {
            "median_days": percentile(days[code], 0.5),
            "p90_days": percentile(days[code], 0.9),
            "count": len(days[code]),
        }
        for code in [*codes, *sorted(set(days) - set(codes))]
    }


def heat(
    db: Database,
    process_id: str,
    tops: list[str],
    index_for: Callable[[str], ElementIndex],
) -> dict[str, dict[str, Any]]:
    """``{element: {"waiting": n, "median_seconds": s}}`` of one diagram.

    ``tops`` are the process ids instances are started from; ``index_for``
    gives each one's elements.
    """
    indexes = {
        top: index_for(top)
        for top in tops
        if top == process_id or process_id in index_for(top).calls
    }
    if not indexes:
        return {}
    waiting: dict[str, set[int]] = defaultdict(set)
    for instance_id, top, element in _waiting_rows(db, list(indexes)):
        shown = indexes[top].shown_in(element, process_id, top)
        if shown is not None:
            waiting[shown].add(instance_id)
    durations: dict[str, list[float]] = defaultdict(list)
    for top, element, seconds in _task_durations(db, list(indexes)):
        if indexes[top].owner(element, top) == process_id:
            durations[element].append(seconds)
    result = {}
    for element in set(waiting) | set(durations):
        median = percentile(durations.get(element, []), 0.5)
        result[element] = {
            "waiting": len(waiting.get(element, ())),
            "median_seconds": None if median is None else round(median),
        }
    return result


def _waiting_rows(db: Database, tops: list[str]):
    live = sa.select(INSTANCES.c.id, INSTANCES.c.process_id).where(
        INSTANCES.c.status.in_(("active", "suspended")),
        INSTANCES.c.process_id.in_(tops),
    )
    live = live.subquery("i")
    parts = [
        sa.select(TASKS.c.instance_id, TASKS.c.spec_name.label("element")).where(
            TASKS.c.state.in_(OPEN_STATES)
        ),
        sa.select(SUBSCRIPTIONS.c.instance_id, SUBSCRIPTIONS.c.element),
        sa.select(TIMERS.c.instance_id, TIMERS.c.element),
    ]
    rows = []
    with db.read() as connection:
        for part in parts:
            part = part.subquery("w")
            query = sa.select(
                part.c.instance_id, live.c.process_id, part.c.element
            ).join(live, live.c.id == part.c.instance_id)
            rows.extend(connection.execute(query).all())
    return rows


def _task_durations(db: Database, tops: list[str]):
    query = sa.select(
        TASKS.c.process_id, TASKS.c.spec_name, TASKS.c.created_at, TASKS.c.completed_at
    ).where(TASKS.c.state == "completed", TASKS.c.process_id.in_(tops))
    with db.read() as connection:
        for top, element, created, completed in connection.execute(query):
            yield top, element, (completed - created).total_seconds()


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
