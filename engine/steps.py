"""The step machinery: load an instance, run it, write what changed.

Every call that changes an instance follows the same path::

    load (from the cache while the lock counter matches, else from the store)
      -> run SpiffWorkflow to the next wait state, with the step's time set
      -> diff the state against what the store holds
      -> one transaction: instance row (checked against its lock counter),
         changed task rows, task index, timers, subscriptions, audit events

A writer that loses the race on the lock counter gets :class:`Conflict` and
nothing it did is kept. A script that raises leaves the instance as it was
and records an incident on it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import index
from . import starts
from .clock import step_time
from .errors import Conflict
from .errors import InstanceNotActive
from .errors import InstanceNotFound
from .errors import ScriptError
from .records import SYSTEM
from .records import Actor
from .sla import SlaPolicy
from .state import StateCodec
from .state import StateDelta
from .state import StateImage
from .state import TaskRow
from .store import Database
from .store.models import Event
from .store.models import Instance
from .store.models import InstanceTask
from .versions import VersionCatalog
from .workflow import Workflow

logger = logging.getLogger(__name__)

INSTANCES = Instance.__table__
ROWS = InstanceTask.__table__
EVENTS = Event.__table__

_HEAD_SQL = (
    "SELECT process_id, version_id, status, lock_version, state "
    "FROM instances WHERE id = ?"
)
_ROWS_SQL = (
    "SELECT task_id, workflow_key, seq, body FROM instance_tasks "
    "WHERE instance_id = ? ORDER BY seq"
)
_BUMP_SQL = (
    "UPDATE instances SET state = ?, status = ?, lock_version = ?, "
    "updated_at = ?, ended_at = ?, error = NULL WHERE id = ? AND lock_version = ?"
)
_INSERT_ROW_SQL = (
    "INSERT INTO instance_tasks (instance_id, task_id, workflow_key, seq, body) "
    "VALUES (?, ?, ?, ?, ?)"
)
_UPDATE_ROW_SQL = (
    "UPDATE instance_tasks SET body = ? WHERE instance_id = ? AND task_id = ?"
)
_DELETE_ROW_SQL = "DELETE FROM instance_tasks WHERE instance_id = ? AND task_id = ?"
_INSERT_EVENT_SQL = (
    "INSERT INTO events (instance_id, task_id, name, actor, created_at, details) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_INSTANCE_SQL = (
    "INSERT INTO instances (process_id, version_id, business_key, status, state, "
    "lock_version, created_by, created_at, updated_at, ended_at) "
    "VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)"
)

_later: ContextVar[list | None] = ContextVar("ekerjasama_after_commit", default=None)


def after_commit(item: dict[str, Any]) -> None:
    """Ask for ``item`` to be handed to the commit hooks once the step commits.

    Service operations run inside a step and must not write; a notice to
    deliver is such an item. Outside a step this does nothing.
    """
    items = _later.get()
    if items is not None:
        items.append(item)


@contextlib.contextmanager
def _collecting() -> Iterator[list]:
    items: list = []
    token = _later.set(items)
    try:
        yield items
    finally:
        _later.reset(token)


#: What a step does to a loaded instance. It gets the instance and a dict to
#: record completed tasks in, and returns the audit event's details, or None
#: when there turned out to be nothing to do (nothing is written then).
Action = Callable[["Loaded", dict], "dict | None"]


class ScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine, with errors that name the service."""

    def call_service(self, task, **kwargs):
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as e:
            name = kwargs.get("operation_name")
            raise WorkflowTaskException(
                f"Service operation {name!r} failed: {e}", task=task, exception=e
            ) from e


@dataclass
class Loaded:
    """An instance checked out of the cache or the store for one call."""

    id: int
    process_id: str
    version_id: int
    status: str
    lock_version: int
    workflow: Workflow
    image: StateImage
    derived: index.Derived


class InstanceCache:
    """Recently used instances, reused while nobody else has written them.

    A call takes its instance out of the cache and puts it back only after
    it committed, so two threads never share one workflow object.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[int, Loaded] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, lock_version: int) -> Loaded | None:
        with self._lock:
            item = self._items.pop(instance_id, None)
        if item is not None and item.lock_version == lock_version:
            return item
        return None

    def put(self, item: Loaded) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[item.id] = item
            self._items.move_to_end(item.id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def event_row(instance_id, task_id, name, actor: Actor, now, details) -> dict:
    return {
        "instance_id": instance_id,
        "task_id": task_id,
        "name": name,
        "actor": actor.name,
        "created_at": now,
        "details": details or {},
    }


def script_error(e: SpiffWorkflowException) -> ScriptError:
    """Turn a SpiffWorkflow failure into a ScriptError naming the element."""
    task = getattr(e, "task", None)
    spec = task.task_spec if task is not None else getattr(e, "task_spec", None)
    element = spec.name if spec is not None else "?"
    cause = getattr(e, "exception", None)
    message = str(e.args[0]) if e.args else str(e)
    if cause is not None and str(cause) and str(cause) not in message:
        message = f"{message}: {cause}"
    line = getattr(e, "line_number", None) or None
    return ScriptError(element, message, line)


def incident(error: ScriptError, now: datetime) -> dict[str, Any]:
    return {
        "element": error.element,
        "message": error.message,
        "line": error.line,
        "at": now.isoformat(),
    }


def write_incident(
    connection, instance_id: int, details: dict, now, actor: Actor = SYSTEM
) -> None:
    """Set the instance's open incident and record it, in the caller's transaction.

    ``connection`` is a SQLAlchemy connection. A failed step, a timer or an
    escalation step that ran out of attempts all record incidents this way.
    """
    connection.execute(
        sa.update(INSTANCES).where(INSTANCES.c.id == instance_id).values(error=details)
    )
    connection.execute(
        sa.insert(EVENTS),
        event_row(instance_id, None, "incident-raised", actor, now, details),
    )


class Stepper:
    """Loads, steps and saves instances for the engine."""

    def __init__(
        self,
        db: Database,
        versions: VersionCatalog,
        script_engine: ScriptEngine,
        cache_size: int,
        sla: SlaPolicy | None = None,
    ) -> None:
        self.db = db
        self.versions = versions
        self.script_engine = script_engine
        self.codec = StateCodec()
        self.cache = InstanceCache(cache_size)
        self.sla = sla
        #: Called with the earliest due time a committed step wrote, so an
        #: in-process scheduler wakes for it (see ``Engine.add_due_listener``).
        self.due_listeners: list[Callable[[datetime], None]] = []
        #: Called as ``hook(loaded, items, now)`` after a step that asked for
        #: work through :func:`after_commit` committed.
        self.commit_hooks: list[Callable[[Loaded, list, datetime], None]] = []

    def create(
        self,
        process_id: str,
        data,
        actor: Actor,
        now,
        business_key,
        *,
        by_timer: Callable[[Any], None] | None = None,
    ) -> int:
        """Create an instance of the newest version and run it to a wait.

        :param by_timer: the instance is started by its timer start event,
            which it runs past at once; this is called first in the writing
            transaction (with its DB-API connection) and may raise to write
            nothing.
        """
        version = self.versions.latest(process_id)
        spec, subprocess_specs = self.versions.specs(version.version_id)
        image = StateImage(self.codec)
        workflow = Workflow(spec, subprocess_specs, script_engine=self.script_engine)
        workflow.task_tree.data.update(data or {})
        if by_timer is not None:
            starts.run_past_start(workflow)
        try:
            with step_time(now), _collecting() as later:
                workflow.do_engine_steps()
        except SpiffWorkflowException as e:
            error = script_error(e)
            details = {"process_id": process_id, **incident(error, now)}
            with self.db.raw_write() as connection:
                self.write_events(
                    connection,
                    [event_row(None, None, "incident-raised", actor, now, details)],
                )
            raise error from e

        delta = image.diff(workflow)
        ended = workflow.is_completed()
        dt = self.db.driver.dt
        with self.db.raw_write() as connection:
            if by_timer is not None:
                by_timer(connection)
            instance_id = self.db.driver.insert_returning_id(
                connection,
                _INSERT_INSTANCE_SQL,
                (
                    process_id,
                    version.version_id,
                    business_key,
                    "completed" if ended else "active",
                    delta.meta,
                    actor.name,
                    dt(now),
                    dt(now),
                    dt(now) if ended else None,
                ),
            )
            loaded = Loaded(
                instance_id,
                process_id,
                version.version_id,
                "completed" if ended else "active",
                0,
                workflow,
                image,
                index.Derived(),
            )
            self._write_rows(connection, loaded, delta)
            ctx = self._context(loaded, actor, now, {})
            loaded.derived = index.write_derived(
                self.db.driver, connection, workflow, ctx, loaded.derived, ended
            )
            details = {"process_id": process_id, "version": version.version}
            if business_key:
                details["business_key"] = business_key
            if by_timer is not None:
                details["trigger"] = "timer"
            events = [
                event_row(instance_id, None, "instance-started", actor, now, details)
            ]
            if ended:
                events.append(
                    event_row(instance_id, None, "instance-completed", SYSTEM, now, {})
                )
            self.write_events(connection, events)
        image.apply(delta)
        self._tell_due(ctx)
        self._run_commit_hooks(loaded, later, now)
        self.cache.put(loaded)
        return instance_id

    def run(
        self,
        instance_id: int,
        action: Action,
        actor: Actor,
        event_name: str,
        now: datetime,
        *,
        task_id: str | None = None,
        final: str | None = None,
        timer_id: int | None = None,
        on_write: Callable[[Any], None] | None = None,
        allow_suspended: bool = False,
    ) -> dict | None:
        """Run ``action`` on the instance as one step; see the module docs."""
        return self.run_loaded(
            self.load(instance_id),
            action,
            actor,
            event_name,
            now,
            task_id=task_id,
            final=final,
            timer_id=timer_id,
            on_write=on_write,
            allow_suspended=allow_suspended,
        )

    def run_loaded(
        self,
        loaded: Loaded,
        action: Action,
        actor: Actor,
        event_name: str,
        now: datetime,
        *,
        task_id: str | None = None,
        final: str | None = None,
        timer_id: int | None = None,
        on_write: Callable[[Any], None] | None = None,
        allow_suspended: bool = False,
    ) -> dict | None:
        """Like :meth:`run`, for an instance the caller has loaded.

        :param on_write: called with the DB-API connection inside the step's
            transaction, so what it writes (an operation log entry) commits
            with the step or not at all.
        :param allow_suspended: step a suspended instance too (cancelling).
        """
        instance_id = loaded.id
        if loaded.status == "suspended" and not allow_suspended:
            self.cache.put(loaded)
            raise InstanceNotActive(
                f"Instance {instance_id} is suspended; a supervisor must resume "
                "it before it can go on."
            )
        if loaded.status not in ("active", "suspended"):
            self.cache.put(loaded)
            raise InstanceNotActive(
                f"Instance {instance_id} is {loaded.status}; it takes no more steps."
            )
        completed: dict[str, dict[str, Any]] = {}
        loaded.image.start_step()
        try:
            with step_time(now), _collecting() as later:
                details = action(loaded, completed)
        except SpiffWorkflowException as e:
            # The half-run workflow is dropped; the store's copy is intact.
            error = script_error(e)
            self._record_incident(loaded.id, error, actor, now)
            raise error from e
        if details is None:
            self.cache.put(loaded)
            return None
        delta = loaded.image.diff(loaded.workflow)
        status = final or ("completed" if loaded.workflow.is_completed() else "active")
        ctx = self._context(loaded, actor, now, completed, timer_id)
        with self.db.raw_write() as connection:
            self._bump(connection, loaded, delta.meta, status, now)
            self._write_rows(connection, loaded, delta)
            derived = index.write_derived(
                self.db.driver,
                connection,
                loaded.workflow,
                ctx,
                loaded.derived,
                status != "active",
            )
            events = [event_row(instance_id, task_id, event_name, actor, now, details)]
            if status == "completed":
                events.append(
                    event_row(instance_id, None, "instance-completed", SYSTEM, now, {})
                )
            self.write_events(connection, events)
            if on_write is not None:
                on_write(connection)
        loaded.image.apply(delta)
        self._tell_due(ctx)
        self._run_commit_hooks(loaded, later, now)
        loaded.derived = derived
        loaded.lock_version += 1
        loaded.status = status
        self.cache.put(loaded)
        return details

    def load(self, instance_id: int, connection=None) -> Loaded:
        """Check an instance out of the cache, or restore it from the store.

        ``connection``, if given, is a DB-API connection from
        ``Database.raw_read``.

        :raise InstanceNotFound: there is no such instance.
        """
        if connection is None:
            with self.db.raw_read() as connection:
                return self.load(instance_id, connection)
        driver = self.db.driver
        head = driver.execute(connection, _HEAD_SQL, (instance_id,)).fetchone()
        if head is None:
            raise InstanceNotFound(f"There is no instance {instance_id}.")
        process_id, version_id, status, lock_version, meta = head
        cached = self.cache.take(instance_id, lock_version)
        if cached is not None:
            cached.status = status
            return cached
        rows = [
            TaskRow(*r)
            for r in driver.execute(connection, _ROWS_SQL, (instance_id,)).fetchall()
        ]
        derived = index.read_derived(driver, connection, instance_id)
        spec, subprocess_specs = self.versions.specs(version_id)
        workflow = self.codec.restore(spec, subprocess_specs, meta, rows)
        workflow.script_engine = self.script_engine
        return Loaded(
            instance_id,
            process_id,
            version_id,
            status,
            lock_version,
            workflow,
            StateImage.from_rows(self.codec, meta, rows),
            derived,
        )

    def _bump(self, connection, loaded: Loaded, meta: str, status: str, now) -> None:
        dt = self.db.driver.dt
        cursor = self.db.driver.execute(
            connection,
            _BUMP_SQL,
            (
                meta,
                status,
                loaded.lock_version + 1,
                dt(now),
                dt(now) if status != "active" else None,
                loaded.id,
                loaded.lock_version,
            ),
        )
        if cursor.rowcount != 1:
            raise Conflict(
                f"Instance {loaded.id} was changed by someone else while this "
                "step ran. Reload it and try again."
            )

    def _write_rows(self, connection, loaded: Loaded, delta: StateDelta) -> None:
        stored, iid = loaded.image.bodies, loaded.id
        new, changed = [], []
        for row in delta.upserts:
            if UUID(row.task_id) in stored:
                changed.append((row.body, iid, row.task_id))
            else:
                new.append((iid, row.task_id, row.workflow_key, row.seq, row.body))
        driver = self.db.driver
        driver.executemany(connection, _INSERT_ROW_SQL, new)
        driver.executemany(connection, _UPDATE_ROW_SQL, changed)
        driver.executemany(
            connection, _DELETE_ROW_SQL, [(iid, t) for t in delta.deletes]
        )

    def write_events(self, connection, events: list[dict]) -> None:
        """Append audit events inside the caller's transaction."""
        driver = self.db.driver
        driver.executemany(
            connection,
            _INSERT_EVENT_SQL,
            [
                (
                    e["instance_id"],
                    e["task_id"],
                    e["name"],
                    e["actor"],
                    driver.dt(e["created_at"]),
                    driver.json(e["details"]),
                )
                for e in events
            ],
        )

    def _context(self, loaded, actor, now, completed, timer_id=None):
        return index.StepContext(
            instance_id=loaded.id,
            process_id=loaded.process_id,
            forms=self.versions.get(loaded.version_id).forms,
            actor=actor.name,
            now=now,
            completed=completed,
            timer_id=timer_id,
            sla=self.sla,
        )

    def _run_commit_hooks(self, loaded: Loaded, items: list, now: datetime) -> None:
        if not items:
            return
        for hook in self.commit_hooks:
            try:
                hook(loaded, items, now)
            except Exception:
                # The step has committed; what a hook failed to do is logged,
                # never undone.
                logger.exception("Commit hook %r failed", hook)

    def _tell_due(self, ctx: index.StepContext) -> None:
        if ctx.earliest is not None:
            self.tell_due(ctx.earliest)

    def tell_due(self, due: datetime) -> None:
        """Tell in-process schedulers that a row falls due at ``due``."""
        for listener in list(self.due_listeners):
            try:
                listener(due)
            except Exception:
                # The step has committed; a scheduler that missed the hint
                # still finds the row on its next poll.
                logger.exception("Due listener %r failed", listener)

    def _record_incident(
        self, instance_id: int, error: ScriptError, actor, now
    ) -> None:
        with self.db.write() as connection:
            write_incident(connection, instance_id, incident(error, now), now, actor)
        logger.warning(
            "Incident: %s in instance %s: %s", error.element, instance_id, error.message
        )
