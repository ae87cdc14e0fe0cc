"""The runtime service: the one API that the web layer, CLI and scheduler call.

Usage::

    engine = Engine("sqlite:///instance/ekerjasama.sqlite")
    engine.init_db()
    engine.deploy(["processes/"])
    instance_id = engine.start("usulan", actor=officer, business_key="PKS-7")
    task = engine.list_tasks(actor=officer)[0]
    engine.complete_task(task.id, {"judul": "..."}, actor=officer)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Set
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import NamedTuple
from uuid import UUID

import sqlalchemy as sa
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from . import index
from . import leases
from . import migrate
from . import notifications
from . import operations
from . import queries
from . import repair
from . import repair_steps
from . import starts
from . import timers
from .clock import SystemClock
from .diff import VersionDiff
from .diff import diff_files
from .drafts import Drafts
from .errors import Conflict
from .errors import InstanceNotActive
from .errors import NotFound
from .errors import PermissionDenied
from .errors import Problem
from .errors import TaskNotFound
from .errors import TaskNotOpen
from .lint_rules import RuleSet
from .migrate import MigrationCheck
from .migrate import MigrationResult
from .notifications import NotificationInfo
from .notifications import Notifier
from .operations import OperationInfo
from .records import SYSTEM
from .records import Actor
from .records import Deployment
from .records import EventInfo
from .records import InstanceInfo
from .records import ProcessInfo
from .records import TaskInfo
from .sandbox import SandboxEnvironment
from .scenarios import Scenarios
from .services import ServiceRegistry
from .sla import SlaPolicy
from .steps import EVENTS
from .steps import Action
from .steps import Loaded
from .steps import ScriptEngine
from .steps import Stepper
from .steps import event_row
from .store import Database
from .store.models import HumanTask
from .supervision import Supervision
from .supervision import SupervisionPolicy
from .trial import TrialResult
from .trial import run_trial
from .versions import VersionCatalog
from .versions import VersionInfo

logger = logging.getLogger(__name__)

#: ``(form key, submitted data) -> cleaned data``; raises InvalidInput.
FormValidator = Callable[[str, dict[str, Any]], dict[str, Any]]

TASKS = HumanTask.__table__
_TASK_SQL = (
    "SELECT id, instance_id, spec_name, title, lane, form, state, assignee, "
    "completed_by FROM human_tasks WHERE id = ?"
)


class _TaskHead(NamedTuple):
    id: str
    instance_id: int
    spec_name: str
    title: str
    lane: str | None
    form: str | None
    state: str
    assignee: str | None
    completed_by: str | None


class Engine:
    """Runs deployed processes over a SQL store.

    :param database_url: a SQLAlchemy URL; ``postgresql://`` uses psycopg 3.
    :param clock: an object with ``now()``; tests pass a MovableClock.
    :param services: the operations service tasks may call.
    :param functions: extra callables scripts may use by name.
    :param form_validator: checks submitted data against a task's form.
    :param form_exists: tells whether a form key names a form; deploy and
        lint reject user tasks whose form does not exist.
    :param role_exists: tells whether a lane name is a known role; deploy
        and lint reject lanes that are not.
    :param lint_rules: bpmnlint's rules for deploy and lint (see
        :mod:`engine.lint_rules`); without them only the engine's own apply.
    :param cache_size: how many loaded instances to keep in memory.
    :param sla: task due dates and escalation defaults.
    :param notifier: writes notifications and queues their e-mail.
    :param supervision: when the console counts a task as at risk, and the
        stages it counts instances in.
    """

    def __init__(
        self,
        database_url: str,
        *,
        clock: Any = None,
        services: ServiceRegistry | None = None,
        functions: dict[str, Callable[..., Any]] | None = None,
        form_validator: FormValidator | None = None,
        form_exists: Callable[[str], bool] | None = None,
        cache_size: int = 1000,
        supervisor_roles: frozenset[str] = frozenset({"supervisor", "admin"}),
        designer_roles: frozenset[str] = frozenset({"designer", "admin"}),
        role_exists: Callable[[str], bool] | None = None,
        lint_rules: RuleSet | None = None,
        sla: SlaPolicy | None = None,
        notifier: Notifier | None = None,
        supervision: SupervisionPolicy | None = None,
    ) -> None:
        self.db = Database(database_url)
        self.clock = clock or SystemClock()
        self.services = services or ServiceRegistry()
        self.form_validator = form_validator
        self.supervisor_roles = frozenset(supervisor_roles)
        self.designer_roles = frozenset(designer_roles)
        script_engine = ScriptEngine(SandboxEnvironment(functions, self.services))
        self.versions = VersionCatalog(
            self.db,
            self.services,
            form_exists,
            script_engine,
            role_exists,
            lint_rules,
        )
        self.sla = sla or SlaPolicy()
        self.notifier = notifier or Notifier()
        self.stepper = Stepper(
            self.db, self.versions, script_engine, cache_size, self.sla
        )
        #: The supervisor console's queries (see :mod:`engine.supervision`).
        self.supervision = Supervision(self.db, self.clock, self.versions, supervision)
        #: Designers' process and form drafts (see :mod:`engine.drafts`).
        self.drafts = Drafts(self.db, self.clock, self.check_designer)
        #: Saved test runs (see :mod:`engine.scenarios`).
        self.scenarios = Scenarios(self)

    def __repr__(self) -> str:
        return f"<Engine {self.db!r}>"

    def init_db(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        self.db.upgrade()

    def close(self) -> None:
        self.stepper.cache.clear()
        self.db.dispose()

    # -- definitions -----------------------------------------------------

    def deploy(self, paths, actor: Actor = SYSTEM) -> list[Deployment]:
        """Deploy the .bpmn/.dmn files at ``paths`` (files or folders).

        Changed content makes a new version; unchanged content is a no-op.

        :raise DefinitionError: a file has an error; nothing is stored.
        """
        deployments = self.versions.deploy(paths, actor.name, self.clock.now())
        self._tell_start_timers(deployments)
        return deployments

    def _tell_start_timers(self, deployments: list[Deployment]) -> None:
        if any(d.created for d in deployments):
            due = leases.next_due(self.db, [starts.START_TIMERS])
            if due is not None:
                self.stepper.tell_due(due)

    def lint(self, paths):
        """Return the problems in the files at ``paths`` without deploying."""
        return self.versions.lint(paths)

    def list_processes(self) -> list[ProcessInfo]:
        """The newest version of every deployed process."""
        return self.versions.list()

    def lint_files(
        self, files: dict[str, str], *, extra_forms: Set[str] = frozenset()
    ) -> list[Problem]:
        """Return the problems in ``files`` (name -> text) without deploying.

        The rules are those of :meth:`deploy` and :meth:`lint`. Form keys in
        ``extra_forms`` count as existing forms (a studio's unsaved drafts).
        """
        return self.versions.lint_files(files, extra_forms=extra_forms)

    def deploy_files(
        self, files: dict[str, str], actor: Actor = SYSTEM
    ) -> list[Deployment]:
        """Deploy ``files`` (name -> text) as :meth:`deploy` deploys paths.

        :raise PermissionDenied: the actor is neither designer nor admin.
        :raise DefinitionError: a file has an error; nothing is stored.
        """
        self.check_designer(actor, "deploy a process")
        deployments = self.versions.deploy_files(files, actor.name, self.clock.now())
        self._tell_start_timers(deployments)
        return deployments

    def list_versions(self, process_id: str) -> list[VersionInfo]:
        """Every version of ``process_id``, oldest first, with instance counts.

        :raise ProcessNotFound: the process was never deployed.
        """
        return self.versions.list_versions(process_id)

    def version_sources(self, process_id: str, version: int) -> dict[str, str]:
        """The files (name -> text) version ``version`` was deployed from.

        :raise ProcessNotFound: there is no such process or version.
        """
        return self.versions.sources(self.versions.find(process_id, version).version_id)

    def diff_versions(
        self, process_id: str, old: int, new: int | dict[str, str]
    ) -> VersionDiff:
        """Compare version ``old`` with version ``new`` or with draft files.

        :raise ProcessNotFound: a version does not exist.
        :raise DefinitionError: a draft file does not parse as XML.
        """
        if isinstance(new, int):
            new = self.version_sources(process_id, new)
        return diff_files(self.version_sources(process_id, old), new, process_id)

    def plan_migration(
        self,
        process_id: str,
        from_version: int,
        to_version: int,
        *,
        instance_ids: list[int] | None = None,
        business_key: str | None = None,
    ) -> list[MigrationCheck]:
        """Say, per active instance of ``from_version``, whether it can move.

        Nothing changes. ``instance_ids`` and ``business_key`` narrow the
        instances looked at.

        :raise ProcessNotFound: a version does not exist.
        """
        return migrate.plan(
            self,
            process_id,
            from_version,
            to_version,
            instance_ids=instance_ids,
            business_key=business_key,
        )

    def migrate_instances(
        self,
        process_id: str,
        from_version: int,
        to_version: int,
        *,
        instance_ids: list[int],
        reason: str,
        actor: Actor,
    ) -> list[MigrationResult]:
        """Move the chosen instances to ``to_version``, each on its own.

        An instance that cannot move (see :meth:`plan_migration`) or that
        another writer changed meanwhile is left as it was and reported.

        :raise PermissionDenied: the actor is neither designer nor admin.
        :raise InvalidInput: no reason or no instances were given.
        """
        self.check_designer(actor, "migrate instances")
        return migrate.migrate(
            self,
            process_id,
            from_version,
            to_version,
            instance_ids=instance_ids,
            reason=reason,
            actor=actor,
        )

    def is_designer(self, actor: Actor) -> bool:
        return bool(actor.roles & self.designer_roles)

    def check_designer(self, actor: Actor, what: str) -> None:
        """:raise PermissionDenied: ``actor`` is neither designer nor admin."""
        if not self.is_designer(actor):
            raise PermissionDenied(
                f"Only a designer or an admin can {what}; {actor.name!r} is neither."
            )

    def trial(
        self,
        files: dict[str, str],
        process_id: str,
        *,
        start_data: dict[str, Any] | None = None,
        steps: list[dict[str, Any]] | None = None,
        forms_path=None,
        extra_forms: dict[str, dict] | None = None,
        start_at: datetime | None = None,
    ) -> TrialResult:
        """Test-run ``process_id`` from ``files`` in a sandbox (:mod:`engine.trial`).

        Nothing is written to this engine's store. A failing step ends the
        run and is reported in the result, not raised. ``start_at`` starts
        the sandbox clock (default: now).

        :raise InvalidInput: a step is not one of the kinds a trial knows.
        """
        return run_trial(
            self,
            files,
            process_id,
            start_data=start_data,
            steps=steps,
            forms_path=forms_path,
            extra_forms=extra_forms,
            start_at=start_at,
        )

    # -- starting --------------------------------------------------------

    def start(
        self,
        process_id: str,
        *,
        actor: Actor,
        business_key: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> int:
        """Start the newest version of ``process_id``; return the instance id.

        The instance runs to its first wait state before this returns.

        :raise ProcessNotFound: the process was never deployed.
        :raise ScriptError: a script failed before the first wait state; no
            instance is created.
        """
        instance_id = self.stepper.create(
            process_id, data, actor, self.clock.now(), business_key
        )
        logger.info("Instance started: %s as %s", process_id, instance_id)
        return instance_id

    def start_on_timer(
        self, process_id: str, take: Callable[[Any], None], now: datetime
    ) -> int:
        """Start the newest version of ``process_id`` for its timer start event.

        ``take`` claims the timer's occurrence inside the writing transaction
        (see :mod:`engine.starts`); the instance runs past its start event.
        """
        instance_id = self.stepper.create(
            process_id, None, SYSTEM, now, None, by_timer=take
        )
        logger.info("Instance started: %s as %s by its timer", process_id, instance_id)
        return instance_id

    # -- tasks -----------------------------------------------------------

    def complete_task(
        self, task_id: str, data: dict[str, Any] | None, *, actor: Actor
    ) -> None:
        """Complete an open user task with ``data`` and run to the next wait.

        :raise PermissionDenied: the actor's roles do not hold the task's lane,
            or another user has claimed it.
        :raise InvalidInput: the data does not pass the task's form.
        :raise TaskNotOpen: the task was completed or cancelled already.
        :raise Conflict: another writer changed the instance meanwhile.
        """
        with self.db.raw_read() as connection:
            row = self._task_row(task_id, connection)
            _check_open(row)
            if not actor.holds(row.lane):
                raise PermissionDenied(
                    f"Only the {row.lane!r} lane can complete task {row.title!r}."
                )
            if row.assignee is not None and row.assignee != actor.name:
                raise PermissionDenied(
                    f"Task {row.title!r} is claimed by {row.assignee!r}. Ask them "
                    "or a supervisor to release it first."
                )
            data = dict(data or {})
            if row.form and self.form_validator is not None:
                data = self.form_validator(row.form, data)
            loaded = self.stepper.load(row.instance_id, connection)
        if loaded.status == "suspended":
            self.stepper.cache.put(loaded)
            raise InstanceNotActive(
                f"Task {row.title!r} cannot be completed now: its instance is "
                "suspended. Ask a supervisor to resume it."
            )
        if loaded.status != "active":
            # Another writer ended the instance after we read the task.
            self.stepper.cache.put(loaded)
            raise TaskNotOpen(
                f"Task {row.title!r} is no longer open: its instance is "
                f"{loaded.status}."
            )

        def complete(loaded: Loaded, completed: dict) -> dict:
            task = _spiff_task(loaded, task_id)
            if not task.has_state(TaskState.READY):
                raise TaskNotOpen(f"Task {row.title!r} is no longer open.")
            task.data.update(data)
            task.run()
            completed[task_id] = data
            loaded.workflow.do_engine_steps()
            return {"element": row.spec_name, "title": row.title}

        self.stepper.run_loaded(
            loaded, complete, actor, "task-completed", self.clock.now(), task_id=task_id
        )
        logger.info(
            "Task completed: %s (%s) in %s", row.spec_name, row.lane, row.instance_id
        )

    def claim_task(self, task_id: str, *, actor: Actor) -> None:
        """Make ``actor`` the assignee of an open task of their lane."""
        row = self._task_row(task_id)
        _check_open(row)
        if not actor.holds(row.lane):
            raise PermissionDenied(
                f"Only the {row.lane!r} lane can claim task {row.title!r}."
            )
        if row.assignee == actor.name:
            return
        if row.assignee is not None:
            raise Conflict(
                f"Task {row.title!r} is already claimed by {row.assignee!r}."
            )
        self._set_assignee(row, actor.name, actor, "task-claimed", {})

    def unclaim_task(self, task_id: str, *, actor: Actor) -> None:
        """Give a claimed task back to its lane."""
        row = self._task_row(task_id)
        _check_open(row)
        if row.assignee is None:
            return
        if row.assignee != actor.name and not self.is_supervisor(actor):
            raise PermissionDenied(
                f"Task {row.title!r} is claimed by {row.assignee!r}; only they "
                "or a supervisor can release it."
            )
        self._set_assignee(row, None, actor, "task-unclaimed", {"from": row.assignee})

    def assign_task(self, task_id: str, assignee: Actor, *, actor: Actor) -> None:
        """Assign an open task to ``assignee``, who must hold its lane."""
        row = self._task_row(task_id)
        _check_open(row)
        if not (self.is_supervisor(actor) or actor.holds(row.lane)):
            raise PermissionDenied(
                f"Only a supervisor or the {row.lane!r} lane can assign task "
                f"{row.title!r}."
            )
        if not assignee.holds(row.lane):
            raise PermissionDenied(
                f"{assignee.name!r} does not hold the {row.lane!r} lane of task "
                f"{row.title!r}. Choose a user of that lane."
            )
        details = {"from": row.assignee, "to": assignee.name}
        self._set_assignee(row, assignee.name, actor, "task-assigned", details)

    def is_supervisor(self, actor: Actor) -> bool:
        return bool(actor.roles & self.supervisor_roles)

    # -- messages, timers, cancel ------------------------------------------

    def send_message(
        self,
        name: str,
        *,
        actor: Actor,
        data: dict[str, Any] | None = None,
        business_key: str | None = None,
        instance_id: int | None = None,
        correlation: dict[str, Any] | None = None,
    ) -> list[int]:
        """Deliver message ``name`` to the instances waiting for it.

        Instances are chosen by ``instance_id``, ``business_key`` and
        ``correlation`` (values the waiting task's data must hold); ``data``
        is merged into the catching task's data, or kept whole under the
        event's message variable when the diagram names one. Return the ids
        of the instances that caught it.

        :raise NotFound: no instance waits for this message with that
            correlation.
        """
        payload = dict(data or {})

        def deliver(loaded: Loaded, completed: dict) -> dict | None:
            waiting = [
                t
                for t in loaded.workflow.event_manager.tasks.values()
                if index.message_definition(t, name) is not None
                and not t.state & TaskState.FINISHED_MASK
                and _correlates(t.data, correlation)
            ]
            if not waiting:
                return None
            event = BpmnEvent(
                index.message_definition(waiting[0], name), payload=payload
            )
            _merge_payload(waiting, event)
            loaded.workflow.catch(event)
            loaded.workflow.do_engine_steps()
            return {"message": name, "element": waiting[0].task_spec.name}

        delivered = []
        candidates = queries.waiting_for(self.db, name, business_key, instance_id)
        for candidate in candidates:
            if self._step(candidate, deliver, actor, "message-delivered") is not None:
                delivered.append(candidate)
        if not delivered:
            repair.refuse_if_suspended(self, name, business_key, instance_id)
            raise NotFound(
                f"No instance is waiting for message {name!r} with "
                f"{_describe(business_key, instance_id, correlation)}."
            )
        logger.info("Message delivered: %s to %s", name, delivered)
        return delivered

    def fire_due_timers(
        self,
        now: datetime | None = None,
        *,
        owner: str = "engine",
        limit: int = 500,
        lease: timedelta = timedelta(minutes=5),
    ) -> int:
        """Fire the timers due at ``now`` (default: the clock's time).

        Each timer is leased to ``owner`` before it fires, so several
        schedulers can call this at once and each timer fires once.
        Return how many fired.
        """
        return timers.fire_due(self, now or self.clock.now(), owner, limit, lease)

    def add_due_listener(self, listener: Callable[[datetime], None]) -> None:
        """Call ``listener(due)`` after a step writes a timer or escalation."""
        self.stepper.due_listeners.append(listener)

    def remove_due_listener(self, listener: Callable[[datetime], None]) -> None:
        if listener in self.stepper.due_listeners:
            self.stepper.due_listeners.remove(listener)

    def cancel_instance(self, instance_id: int, reason: str, *, actor: Actor) -> None:
        """Cancel a running or suspended instance (supervisors only).

        :raise PermissionDenied: the actor is not a supervisor.
        :raise InvalidInput: ``reason`` is blank.
        """
        repair_steps.cancel_instance(self, instance_id, reason, actor=actor)

    # -- repairs (supervisors; see engine.repair) ----------------------------

    def reassign_task(
        self,
        task_id: str,
        *,
        reason: str,
        actor: Actor,
        user: str | None = None,
        role: str | None = None,
    ) -> None:
        """Give an open task to ``user``, to the lane ``role``, or both.

        ``user`` must be an active user holding the task's (new) lane.
        """
        repair.reassign_task(
            self, task_id, reason=reason, actor=actor, user=user, role=role
        )

    def retry_instance(self, instance_id: int, *, reason: str, actor: Actor) -> None:
        """Run the instance's failed step or spent timer again."""
        repair_steps.retry_instance(self, instance_id, reason=reason, actor=actor)

    def move_token(
        self,
        instance_id: int,
        *,
        to_element: str,
        reason: str,
        actor: Actor,
        from_task_id: str | None = None,
    ) -> None:
        """Cancel the task the instance waits at and resume at ``to_element``."""
        repair_steps.move_token(
            self,
            instance_id,
            to_element=to_element,
            reason=reason,
            actor=actor,
            from_task_id=from_task_id,
        )

    def movable_elements(self, instance_id: int) -> list[tuple[str, str]]:
        """``(element id, name)`` of each element move_token accepts now."""
        return repair_steps.movable_elements(self, instance_id)

    def suspend_instance(self, instance_id: int, *, reason: str, actor: Actor) -> None:
        """Stop an instance: no step runs and its timers wait until resumed."""
        repair.suspend_instance(self, instance_id, reason=reason, actor=actor)

    def resume_instance(self, instance_id: int, *, reason: str, actor: Actor) -> None:
        """Let a suspended instance go on."""
        repair.resume_instance(self, instance_id, reason=reason, actor=actor)

    def run_step(
        self, instance_id: int, action: Action, actor: Actor, event_name: str, **kw
    ):
        """Run ``action`` on an instance as one step (for engine modules)."""
        return self._step(instance_id, action, actor, event_name, **kw)

    def _step(self, instance_id, action, actor, event_name, *, at=None, **kw):
        now = at or self.clock.now()
        return self.stepper.run(instance_id, action, actor, event_name, now, **kw)

    # -- reading ---------------------------------------------------------

    def get_instance(self, instance_id: int) -> InstanceInfo:
        """:raise InstanceNotFound: there is no such instance."""
        return queries.get_instance(self.db, instance_id)

    def list_instances(self, **filters) -> list[InstanceInfo]:
        """Instances, newest first; filter by status, process_id, business_key.

        At most ``limit`` (default 1,000) are read; ``limit=None`` reads all.
        """
        return queries.list_instances(self.db, **filters)

    def get_task(self, task_id: str) -> TaskInfo:
        """:raise TaskNotFound: there is no such task."""
        return queries.get_task(self.db, task_id)

    def list_tasks(self, **filters) -> list[TaskInfo]:
        """Open tasks for an ``actor`` (through their lanes) or an ``instance_id``."""
        return queries.list_tasks(self.db, **filters)

    def list_overdue_tasks(
        self, *, actor: Actor | None = None, now: datetime | None = None
    ) -> list[TaskInfo]:
        """Open tasks past their due date, most overdue first.

        With ``actor``, only the tasks of their lanes or claimed by them.
        """
        return queries.list_overdue_tasks(self.db, now or self.clock.now(), actor)

    def list_notifications(
        self, actor: Actor, *, unread_only: bool = False, limit: int = 50
    ) -> list[NotificationInfo]:
        """The actor's notifications and those of their roles, newest first."""
        return notifications.list_notifications(
            self, actor, unread_only=unread_only, limit=limit
        )

    def count_unread(self, actor: Actor) -> int:
        """How many of the actor's notifications are unread."""
        return notifications.count_unread(self, actor)

    def mark_read(self, actor: Actor, ids=None) -> int:
        """Mark notifications read (default: all the actor's); return how many."""
        return notifications.mark_read(self, actor, ids)

    def list_operations(
        self, instance_id: int | None = None, limit: int = 200
    ) -> list[OperationInfo]:
        """The operation log (supervisors' repairs), newest first."""
        return operations.list_operations(self.db, instance_id, limit)

    def list_events(self, instance_id: int | None = None) -> list[EventInfo]:
        """The audit trail, oldest first."""
        return queries.list_events(self.db, instance_id)

    def instance_data(self, instance_id: int) -> dict[str, Any]:
        """Return the data as the instance's latest step left it.

        The newest diagram element that completed or opened wins, looking
        inside called processes too. A workflow's ``last_task`` is not enough:
        SpiffWorkflow's own join tasks (after a boundary event fired, for one)
        can complete after the next task opened, still holding older data.
        """
        loaded = self.stepper.load(instance_id)
        try:
            workflow = loaded.workflow
            # Open tasks and each workflow's last completed one are enough:
            # every other completed task is older than one of them. Looking
            # only there keeps this from walking the instance's history.
            parts = [workflow, *workflow.subprocesses.values()]
            tasks = [
                task
                for part in parts
                for task in [
                    *part.get_tasks(state=TaskState.READY | TaskState.STARTED),
                    part.last_task,
                ]
                if task is not None and task.task_spec.bpmn_id is not None
            ]
            data = dict(workflow.data)
            newest = max(tasks, key=lambda t: t.last_state_change, default=None)
            data.update((newest or workflow.task_tree).data)
            return data
        finally:
            self.stepper.cache.put(loaded)

    # -- helpers -----------------------------------------------------------

    def _task_row(self, task_id: str, connection=None) -> _TaskHead:
        if connection is None:
            with self.db.raw_read() as connection:
                return self._task_row(task_id, connection)
        row = self.db.driver.execute(connection, _TASK_SQL, (task_id,)).fetchone()
        if row is None:
            raise TaskNotFound(f"There is no task {task_id!r}.")
        return _TaskHead(*row)

    def _set_assignee(self, row, assignee, actor: Actor, event_name, details) -> None:
        now = self.clock.now()
        same = (
            TASKS.c.assignee.is_(None)
            if row.assignee is None
            else TASKS.c.assignee == row.assignee
        )
        with self.db.write() as connection:
            index.lock_waits(connection, row.instance_id)
            result = connection.execute(
                sa.update(TASKS)
                .where(
                    TASKS.c.id == row.id, TASKS.c.state.in_(("ready", "claimed")), same
                )
                .values(assignee=assignee, state="claimed" if assignee else "ready")
            )
            if result.rowcount != 1:
                raise Conflict(
                    f"Task {row.title!r} was claimed or completed by someone else. "
                    "Reload it."
                )
            index.update_waits(connection, row.instance_id)
            connection.execute(
                sa.insert(EVENTS),
                event_row(row.instance_id, row.id, event_name, actor, now, details),
            )
        logger.info("Task %s: %s by %s", event_name.split("-")[1], row.id, actor.name)


def _check_open(row) -> None:
    if row.state == "completed":
        raise TaskNotOpen(
            f"Task {row.title!r} was already completed by {row.completed_by!r}."
        )
    if row.state == "cancelled":
        raise TaskNotOpen(f"Task {row.title!r} was cancelled.")


def _spiff_task(loaded: Loaded, task_id: str):
    try:
        return loaded.workflow.get_task_from_id(UUID(task_id))
    except TaskNotFoundException:
        raise TaskNotOpen(
            f"Task {task_id!r} is no longer part of its instance."
        ) from None


def _merge_payload(waiting: list, event: BpmnEvent) -> None:
    # SpiffWorkflow copies a message into the catching task only through a
    # message variable; without one the payload would be dropped.
    name = event.event_definition.name
    for task in waiting:
        definition = index.message_definition(task, name)
        if task.task_spec.catches(task, event) and not getattr(
            definition, "message_var", None
        ):
            task.data.update(event.payload)


def _correlates(data: dict[str, Any], correlation: dict[str, Any] | None) -> bool:
    return all(data.get(k) == v for k, v in (correlation or {}).items())


def _describe(business_key, instance_id, correlation) -> str:
    parts = []
    if instance_id is not None:
        parts.append(f"instance {instance_id}")
    if business_key is not None:
        parts.append(f"business key {business_key!r}")
    if correlation:
        parts.append(f"correlation {correlation!r}")
    return ", ".join(parts) or "any correlation"
