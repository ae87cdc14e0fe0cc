"""The SQL that puts each running instance in one category.

One query classifies every active or suspended instance from the columns
its steps keep current (the first due date of its open tasks, its oldest
unclaimed task, the element it waits at) and its ``error`` column;
:mod:`engine.supervision` pages, counts and groups it. :func:`explain` then
picks, for the instances on one page only, the element and the reason.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from .errors import InvalidInput
from .records import OPEN_STATES
from .store import Database
from .store.models import Agreement
from .store.models import HumanTask
from .store.models import Instance
from .store.models import Subscription
from .store.models import Timer

CATEGORIES = ("incident", "overdue", "at_risk", "waiting")
SUSPENDED = "suspended"
FILTERS = ("category", "stage", "opd", "partner_kind", "process_id", "lane", "q")

INSTANCES = Instance.__table__
TASKS = HumanTask.__table__
TIMERS = Timer.__table__
SUBSCRIPTIONS = Subscription.__table__
AGREEMENTS = Agreement.__table__


@dataclass(frozen=True)
class Window:
    """The moments the categories are measured against."""

    now: datetime
    risk_until: datetime
    unclaimed_before: datetime


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    #: ``{process id: element ids}`` of one stage.
    stage_elements: dict[str, list[str]] | None = None
    opd: str | None = None
    partner_kind: str | None = None
    process_id: str | None = None
    lane: str | None = None
    q: str | None = None


@dataclass
class Facts:
    """The derived rows of the instances on one page."""

    tasks: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    messages: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    timers: dict[int, list] = field(default_factory=lambda: defaultdict(list))


def check_stage(stage: str, codes: list[str]) -> None:
    if stage not in codes:
        raise InvalidInput(
            f"There is no stage {stage!r}. Choose one of {', '.join(codes)}.",
            {"stage": [f"Choose one of {', '.join(codes)}."]},
        )


def _check_category(category: str) -> None:
    known = (*CATEGORIES, SUSPENDED)
    if category not in known:
        raise InvalidInput(
            f"There is no category {category!r}. Choose one of {', '.join(known)}.",
            {"category": [f"Choose one of {', '.join(known)}."]},
        )


RANKS = {"incident": 0, "overdue": 1, "at_risk": 2, "waiting": 3, SUSPENDED: 4}


def _due_soon(window: Window):
    i = INSTANCES
    return sa.or_(
        i.c.first_due < window.risk_until,
        i.c.first_unclaimed < window.unclaimed_before,
    )


def _category(window: Window, *, incident: bool = True):
    """The category of an instance row; without ``incident``, of a row
    known to have no incident."""
    i = INSTANCES
    whens = [(i.c.status == SUSPENDED, SUSPENDED)]
    if incident:
        whens.append((i.c.error.is_not(None), "incident"))
    whens += [
        (i.c.first_due < window.now, "overdue"),
        (_due_soon(window), "at_risk"),
    ]
    return sa.case(*whens, else_="waiting")


def _of_rank(window: Window, rank: int) -> list:
    """The conditions that give an instance row ``rank``, as comparisons an
    index on ``first_due`` can serve (the CASE of :func:`classified` cannot)."""
    i = INSTANCES
    if rank == RANKS[SUSPENDED]:
        return [i.c.status == SUSPENDED]
    active = [i.c.status == "active"]
    if rank == RANKS["incident"]:
        return [*active, i.c.error.is_not(None)]
    active.append(i.c.error.is_(None))
    if rank == RANKS["overdue"]:
        return [*active, i.c.first_due < window.now]
    if rank == RANKS["at_risk"]:
        not_overdue = sa.or_(i.c.first_due.is_(None), i.c.first_due >= window.now)
        return [*active, not_overdue, _due_soon(window)]
    return [
        *active,
        sa.or_(i.c.first_due.is_(None), i.c.first_due >= window.risk_until),
        sa.or_(
            i.c.first_unclaimed.is_(None),
            i.c.first_unclaimed >= window.unclaimed_before,
        ),
    ]


def classified(window: Window, *, register=True, where=()) -> sa.Subquery:
    """Every active or suspended instance (meeting ``where``) with its
    category and the columns the console filters, sorts and groups on.

    It reads the instance rows alone, which carry the earliest due date of
    their open tasks, their oldest unclaimed task, the element they wait at
    (see :data:`engine.index.WAITS_SQL`) and their OPD and partner kind.
    Without ``register`` it leaves out the agreement's title and partner,
    which a page of findings fetches for its own rows only.
    """
    i = INSTANCES
    rank = sa.case(
        (i.c.status == SUSPENDED, RANKS[SUSPENDED]),
        (i.c.error.is_not(None), RANKS["incident"]),
        (i.c.first_due < window.now, RANKS["overdue"]),
        (_due_soon(window), RANKS["at_risk"]),
        else_=RANKS["waiting"],
    )
    stage_element = sa.func.coalesce(i.c.error["element"].as_string(), i.c.waiting_at)
    query = sa.select(
        i.c.id,
        i.c.process_id,
        i.c.business_key,
        i.c.status,
        i.c.error,
        i.c.updated_at,
        _category(window).label("category"),
        rank.label("rank"),
        i.c.first_due,
        i.c.first_unclaimed,
        stage_element.label("stage_element"),
        i.c.opd,
        i.c.partner_kind,
    )
    if register:
        query = query.add_columns(*_REGISTER).outerjoin(
            AGREEMENTS, AGREEMENTS.c.instance_id == i.c.id
        )
    return query.where(i.c.status.in_(("active", SUSPENDED)), *where).subquery("c")


_REGISTER = (
    AGREEMENTS.c.judul.label("title"),
    AGREEMENTS.c.mitra.label("partner"),
)


def _where(c: sa.Subquery, filters: Filters) -> list:
    where = []
    if filters.category is not None:
        _check_category(filters.category)
        where.append(c.c.category == filters.category)
    if filters.stage_elements is not None:
        where.append(
            sa.or_(
                sa.false(),
                *(
                    sa.and_(c.c.process_id == p, c.c.stage_element.in_(elements))
                    for p, elements in filters.stage_elements.items()
                    if elements
                ),
            )
        )
    for name in ("opd", "partner_kind", "process_id"):
        value = getattr(filters, name)
        if value is not None:
            where.append(c.c[name] == value)
    if filters.lane is not None:
        where.append(
            sa.exists().where(
                TASKS.c.instance_id == c.c.id,
                TASKS.c.state.in_(OPEN_STATES),
                TASKS.c.lane == filters.lane,
            )
        )
    if filters.q:
        pattern = f"%{filters.q.strip().lower()}%"
        where.append(
            sa.or_(
                sa.func.lower(c.c.title).like(pattern),
                sa.func.lower(c.c.business_key).like(pattern),
                sa.func.lower(c.c.partner).like(pattern),
            )
        )
    return where


@contextlib.contextmanager
def reading(db: Database) -> Iterator[sa.Connection]:
    """A read connection tuned for the console's queries.

    On PostgreSQL their estimated cost passes the JIT thresholds, and
    compiling them takes longer than running them; their grouping sorts
    100,000 rows, more than the default work memory holds.
    """
    with db.read() as connection:
        if not db.is_sqlite:
            connection.exec_driver_sql("SET LOCAL jit = off")
            connection.exec_driver_sql("SET LOCAL work_mem = '32MB'")
        yield connection


def page(db: Database, window: Window, filters: Filters, limit: int, offset: int):
    """One page of classified rows, each with the register's fields.

    Each category is read in its own order of due date, from the index on
    ``first_due``, and cut at the page's end, so no query sorts every
    running instance.
    """
    register = bool(filters.q)
    ranks = RANKS.values()
    if filters.category is not None:
        _check_category(filters.category)
        ranks = [RANKS[filters.category]]
    others = replace(filters, category=None)
    parts = []
    for rank in ranks:
        c = classified(window, register=register, where=_of_rank(window, rank))
        part = (
            sa.select(c)
            .where(*_where(c, others))
            .order_by(c.c.first_due.asc().nulls_last(), c.c.id)
            .limit(offset + limit)
        )
        parts.append(sa.select(part.subquery()))
    u = sa.union_all(*parts).subquery("u")
    query = (
        sa.select(u)
        .order_by(u.c.rank, u.c.first_due.asc().nulls_last(), u.c.id)
        .limit(limit)
        .offset(offset)
    )
    with reading(db) as connection:
        rows = [dict(row._mapping) for row in connection.execute(query)]
        if not register and rows:
            fields = {
                row.instance_id: row
                for row in connection.execute(
                    sa.select(AGREEMENTS.c.instance_id, *_REGISTER).where(
                        AGREEMENTS.c.instance_id.in_([r["id"] for r in rows])
                    )
                )
            }
            for row in rows:
                found = fields.get(row["id"])
                for name in ("title", "partner"):
                    row[name] = getattr(found, name, None)
    return [SimpleNamespace(**{"stage_element": None, **row}) for row in rows]


def count(db: Database, window: Window, filters: Filters) -> int:
    c = classified(window, register=bool(filters.q))
    query = sa.select(sa.func.count()).select_from(c).where(*_where(c, filters))
    with reading(db) as connection:
        return connection.scalar(query) or 0


def groups(db: Database, window: Window):
    """Instance counts per category, process, stage element, OPD and kind.

    The instances without an incident are counted from the index that holds
    every column needed; the few with one are read from the table.
    """
    i = INSTANCES
    live = i.c.status.in_(("active", SUSPENDED))
    calm = (
        _category(window, incident=False).label("category"),
        i.c.process_id,
        i.c.waiting_at.label("stage_element"),
        i.c.opd,
        i.c.partner_kind,
    )
    failed = (
        sa.case((i.c.status == SUSPENDED, SUSPENDED), else_="incident"),
        i.c.process_id,
        sa.func.coalesce(i.c.error["element"].as_string(), i.c.waiting_at),
        i.c.opd,
        i.c.partner_kind,
    )
    query = sa.union_all(
        *(
            sa.select(*keys, sa.func.count().label("n"))
            .where(live, where)
            .group_by(*keys)
            for keys, where in (
                (calm, i.c.error.is_(None)),
                (failed, i.c.error.is_not(None)),
            )
        )
    )
    with reading(db) as connection:
        return connection.execute(query).all()


def facts(db: Database, ids: list[int]) -> Facts:
    """The open tasks, subscriptions and timers of the instances ``ids``."""
    found = Facts()
    if not ids:
        return found
    with db.read() as connection:
        for row in connection.execute(
            sa.select(TASKS)
            .where(TASKS.c.instance_id.in_(ids), TASKS.c.state.in_(OPEN_STATES))
            .order_by(TASKS.c.created_at, TASKS.c.id)
        ):
            found.tasks[row.instance_id].append(row)
        for row in connection.execute(
            sa.select(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.instance_id.in_(ids))
        ):
            found.messages[row.instance_id].append(row)
        for row in connection.execute(
            sa.select(TIMERS)
            .where(TIMERS.c.instance_id.in_(ids))
            .order_by(TIMERS.c.due_at)
        ):
            found.timers[row.instance_id].append(row)
    return found


def explain(row, facts: Facts, now: datetime, margin: timedelta, unclaimed_days: int):
    """Return ``(element, reason, details, since)`` for a classified row."""
    tasks = facts.tasks.get(row.id, [])
    dated = sorted((t for t in tasks if t.due_at is not None), key=lambda t: t.due_at)
    if row.category == SUSPENDED:
        return _waiting_at(row, facts), "suspended", {}, row.updated_at
    if row.category == "incident":
        return _incident(row, facts)
    if row.category == "overdue":
        task = dated[0]
        late = int((now - task.due_at).total_seconds())
        return _task(task, "task-overdue", task.due_at, late_seconds=late)
    if row.category == "at_risk":
        if dated and dated[0].due_at < now + margin:
            task = dated[0]
            left = int((task.due_at - now).total_seconds())
            since = max(task.due_at - margin, task.created_at)
            return _task(task, "due-soon", since, seconds_left=left)
        task = min((t for t in tasks if t.assignee is None), key=lambda t: t.created_at)
        since = task.created_at + timedelta(days=unclaimed_days)
        idle = int((now - task.created_at).total_seconds())
        return _task(task, "unclaimed", since, unclaimed_seconds=idle)
    if tasks:
        task = dated[0] if dated else tasks[0]
        reason = "task-in-sla" if task.due_at is not None else "task-open"
        return _task(task, reason, task.created_at)
    messages = facts.messages.get(row.id, [])
    if messages:
        first = min(messages, key=lambda m: (m.element, m.message))
        return first.element, "message", {"message": first.message}, row.updated_at
    timers = facts.timers.get(row.id, [])
    if timers:
        timer = timers[0]
        details = {"timer_due_at": timer.due_at.isoformat()}
        if timer.attempts:
            details.update(attempts=timer.attempts, last_error=timer.last_error)
        return timer.element, "timer", details, row.updated_at
    return "", "idle", {}, row.updated_at


def _waiting_at(row, facts: Facts) -> str:
    for rows in (facts.tasks, facts.messages, facts.timers):
        found = sorted(
            r.spec_name if rows is facts.tasks else r.element
            for r in rows.get(row.id, [])
        )
        if found:
            return found[0]
    return row.stage_element or ""


def _task(task, reason: str, since: datetime, **extra: Any):
    details = {
        "task_id": task.id,
        "title": task.title,
        "lane": task.lane,
        "assignee": task.assignee,
        "created_at": task.created_at.isoformat(),
        "due_at": task.due_at.isoformat() if task.due_at else None,
        **extra,
    }
    return task.spec_name, reason, details, since


def _incident(row, facts: Facts):
    error = dict(row.error or {})
    element = error.get("element") or ""
    details = {"message": error.get("message") or "", "line": error.get("line")}
    for timer in facts.timers.get(row.id, []):
        if timer.element == element and timer.attempts:
            details["attempts"] = timer.attempts
            details["timer_due_at"] = timer.due_at.isoformat()
    if error.get("attempts"):
        details["attempts"] = error["attempts"]
    since = row.updated_at
    if error.get("at"):
        since = datetime.fromisoformat(error["at"])
    return element, "incident", details, since
