"""The tables the engine keeps, as SQLAlchemy models.

Alembic migrations under ``migrations/`` create them; a test checks that the
two agree. Times are stored as UTC and come back timezone-aware.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import TypeDecorator
from sqlalchemy import UniqueConstraint
from sqlalchemy import text
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

#: The rows of the task index that still need someone (partial indexes).
OPEN_TASK = "state IN ('ready', 'claimed')"
#: The instances still running, which the supervisor console lists.
LIVE = "status IN ('active', 'suspended')"

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A datetime stored as naive UTC and read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"Refusing to store naive datetime {value!r}; use UTC.")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ProcessVersion(Base):
    """One deployed version of a process, with the files it was parsed from."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    #: ``{file name: text}`` of every .bpmn/.dmn file needed to parse it.
    sources: Mapped[dict[str, str]] = mapped_column(JSON)
    #: Lane names, each a role.
    lanes: Mapped[list[str]] = mapped_column(JSON)
    #: ``{user task id: form key}``.
    forms: Mapped[dict[str, str]] = mapped_column(JSON)
    deployed_by: Mapped[str] = mapped_column(String(200))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Instance(Base):
    """One running or finished process instance: one agreement's journey."""

    __tablename__ = "instances"
    __table_args__ = (
        # The console counts running instances from this index alone; those
        # with an incident, few, are read from the table.
        Index(
            "ix_instances_live_groups",
            "process_id",
            "waiting_at",
            "opd",
            "partner_kind",
            "status",
            "first_due",
            "first_unclaimed",
            postgresql_where=text(f"{LIVE} AND error IS NULL"),
            sqlite_where=text(f"{LIVE} AND error IS NULL"),
        ),
        # The few with an incident are found without reading the rest.
        Index(
            "ix_instances_live_incidents",
            "id",
            postgresql_where=text(f"{LIVE} AND error IS NOT NULL"),
            sqlite_where=text(f"{LIVE} AND error IS NOT NULL"),
        ),
        # It pages through each category the earliest due date first.
        Index(
            "ix_instances_live_by_due",
            "status",
            "first_due",
            "id",
            postgresql_where=text(LIVE),
            sqlite_where=text(LIVE),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    #: ``active``, ``completed`` or ``cancelled``.
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: Workflow-level state; the tasks are in ``instance_tasks``.
    state: Mapped[str] = mapped_column(Text)
    #: Optimistic lock: every write adds one and checks the old value.
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The open incident, if any: ``{"element", "message", "at"}``.
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What the supervisor console classifies by, kept with the task index,
    # subscriptions and timers they are drawn from (engine.index.WAITS_SQL),
    # so the console reads one narrow row per instance.
    #: The earliest due date of the open tasks.
    first_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the oldest open task nobody has claimed was created.
    first_unclaimed: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The element it waits at: an open task, else a message, else a timer.
    waiting_at: Mapped[str | None] = mapped_column(String(200))
    #: The register's ``opd_pemrakarsa`` and ``jenis_mitra``, which the
    #: console groups by; written with the register row (engine.register).
    opd: Mapped[str | None] = mapped_column(String(200))
    partner_kind: Mapped[str | None] = mapped_column(String(40))


class InstanceTask(Base):
    """One SpiffWorkflow task of an instance, in its serialised form."""

    __tablename__ = "instance_tasks"
    __table_args__ = (Index(None, "instance_id", "seq"),)

    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True
    )
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: ``""`` for the top workflow, else the id of the subprocess's task.
    workflow_key: Mapped[str] = mapped_column(String(36))
    #: Creation order: parents before children.
    seq: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)


class HumanTask(Base):
    """The index of user and manual tasks that inboxes query."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index(None, "state", "lane"),
        Index(None, "assignee", "state"),
        # The supervisor console reads every open task's due date and
        # claim from this index alone, never from the wide table.
        Index(
            "ix_human_tasks_open_by_instance",
            "instance_id",
            "due_at",
            "created_at",
            "assignee",
            "spec_name",
            postgresql_where=text(OPEN_TASK),
            sqlite_where=text(OPEN_TASK),
        ),
        # An inbox pages through the open tasks oldest first.
        Index(
            "ix_human_tasks_open_by_age",
            "created_at",
            "id",
            postgresql_where=text(OPEN_TASK),
            sqlite_where=text(OPEN_TASK),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[str] = mapped_column(String(200))
    #: The BPMN element id.
    spec_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    lane: Mapped[str | None] = mapped_column(String(200))
    form: Mapped[str | None] = mapped_column(String(200))
    #: ``ready``, ``claimed``, ``completed`` or ``cancelled``.
    state: Mapped[str] = mapped_column(String(20))
    assignee: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Timer(Base):
    """A waiting timer event and who, if anyone, is firing it."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_id"),
        Index(None, "instance_id", "element"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE")
    )
    task_id: Mapped[str] = mapped_column(String(36))
    element: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    lock_owner: Mapped[str | None] = mapped_column(String(200))
    lock_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class StartTimer(Base):
    """When a process whose start event is a timer starts its next instance.

    Written when the version is deployed, for the newest version only; the
    scheduler leases it like a timer (see :mod:`engine.starts`).
    """

    __tablename__ = "start_timers"
    __table_args__ = (UniqueConstraint("process_id", "element"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200))
    version_id: Mapped[int] = mapped_column(
        ForeignKey("process_versions.id", ondelete="CASCADE")
    )
    #: The start event's element id.
    element: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: Occurrences left of a cycle, this one included (-1: no end); None
    #: for a date or a duration, which start one instance.
    cycles: Mapped[int | None] = mapped_column(Integer)
    #: Seconds between two occurrences of a cycle.
    interval: Mapped[float | None] = mapped_column(Float)
    lock_owner: Mapped[str | None] = mapped_column(String(200))
    lock_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class Subscription(Base):
    """An instance waiting for a named message."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_id", "message"),
        Index(None, "instance_id", "element"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE")
    )
    task_id: Mapped[str] = mapped_column(String(36))
    element: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(String(200), index=True)


class Event(Base):
    """The append-only audit trail."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    #: Kebab-case, e.g. ``task-completed``.
    name: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class User(Base):
    """Someone who logs in to the web app; roles are lane names and more."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    #: Lane names plus ``supervisor``, ``designer`` and ``admin``.
    roles: Mapped[list[str]] = mapped_column(JSON)
    #: For partner users: the institution whose agreements they act on.
    partner: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[int] = mapped_column(Integer, default=1)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Comment(Base):
    """A remark on an agreement, or on one of its tasks; never public."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[str | None] = mapped_column(String(36))
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Document(Base):
    """One version of a file attached to an agreement.

    The bytes live in the instance folder under their sha256; uploading a
    file with a name already used on the agreement adds the next version.
    """

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("instance_id", "name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[str | None] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(200))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaskDraft(Base):
    """Form answers saved on an open task before it is completed."""

    __tablename__ = "task_drafts"

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Deadline(Base):
    """A step of a task's escalation, due relative to the task's due date.

    ``kind`` is ``reminder`` (before the due date) or ``overdue`` (at it).
    The row is written with the task and removed when the task closes or
    the step has run; the scheduler leases it the way it leases timers.
    """

    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("task_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(
        ForeignKey("human_tasks.id", ondelete="CASCADE")
    )
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: Who to tell and what to do: ``{"notify": [...], "reassign_to": ...}``.
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    lock_owner: Mapped[str | None] = mapped_column(String(200))
    lock_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class Notification(Base):
    """An in-app message to one user or to everyone holding a role."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index(None, "recipient_user"),
        Index(None, "recipient_role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_user: Mapped[str | None] = mapped_column(String(200))
    recipient_role: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    #: A path in the web app, e.g. ``/tasks/<id>``.
    link: Mapped[str | None] = mapped_column(String(500))
    instance_id: Mapped[int | None] = mapped_column(Integer)
    task_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotificationRead(Base):
    """That one user has read a notification; a role's holders read apart."""

    __tablename__ = "notification_reads"

    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    username: Mapped[str] = mapped_column(String(200), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMail(Base):
    """An e-mail waiting to be sent, retried with backoff until it is."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The next attempt; None once sent.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    lock_owner: Mapped[str | None] = mapped_column(String(200))
    lock_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Agreement(Base):
    """The register (buku agenda kerja sama): one row per agreement instance.

    Written only by :mod:`engine.register` from the instance's data, so it
    never disagrees with the instance for longer than one refresh.
    """

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), unique=True
    )
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    jenis: Mapped[str | None] = mapped_column(String(40), index=True)
    judul: Mapped[str] = mapped_column(String(500), default="")
    mitra: Mapped[str | None] = mapped_column(String(300))
    jenis_mitra: Mapped[str | None] = mapped_column(String(40))
    opd_pemrakarsa: Mapped[str | None] = mapped_column(String(200))
    bidang: Mapped[str | None] = mapped_column(String(200))
    ruang_lingkup: Mapped[str | None] = mapped_column(Text)
    nilai_apbd: Mapped[int | None] = mapped_column(BigInteger)
    dianggarkan_apbd: Mapped[bool | None] = mapped_column(Boolean)
    beban_masyarakat: Mapped[bool | None] = mapped_column(Boolean)
    #: The document chain, e.g. ``KB,PKS``, and the document now in work.
    rantai_dokumen: Mapped[str | None] = mapped_column(String(100))
    dokumen_aktif: Mapped[str | None] = mapped_column(String(40))
    #: Signed documents: ``[{dokumen, nomor_pemkab, nomor_mitra, ...}]``.
    dokumen: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    nomor_pemkab: Mapped[str | None] = mapped_column(String(200))
    nomor_mitra: Mapped[str | None] = mapped_column(String(200))
    tanggal_ttd: Mapped[date | None] = mapped_column(Date)
    tempat_ttd: Mapped[str | None] = mapped_column(String(200))
    tanggal_mulai: Mapped[date | None] = mapped_column(Date)
    tanggal_berakhir: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(100), index=True)
    #: What the agreement waits for now: open task titles or events.
    tahap: Mapped[str | None] = mapped_column(String(500))
    #: The parent agreement's number (an RK or PKS under an MoU, KB or NK).
    nomor_induk: Mapped[str | None] = mapped_column(String(200))
    induk_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    #: The instance's lock counter when this row was written.
    synced_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Operation(Base):
    """A supervisor's change to an instance: the operation log.

    Written in the same transaction as the change it records (see
    :mod:`engine.operations`), so the log never claims a change that was
    rolled back, nor misses one that was kept.
    """

    __tablename__ = "operations"
    __table_args__ = (Index(None, "instance_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE")
    )
    task_id: Mapped[str | None] = mapped_column(String(36))
    #: Kebab-case, e.g. ``task-reassigned`` or ``token-moved``.
    action: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    old: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)


class ProcessDraft(Base):
    """A designer's process as the modeler saved it last; never run by officers."""

    __tablename__ = "process_drafts"

    process_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: ``{file name: text}`` of the .bpmn/.dmn files.
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    #: The deployed version the draft started from; None for a new process.
    base_version: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    saved_by: Mapped[str] = mapped_column(String(200))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FormDraft(Base):
    """A form-js definition not yet published to the forms folder."""

    __tablename__ = "form_drafts"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    saved_by: Mapped[str] = mapped_column(String(200))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Scenario(Base):
    """A saved test run of a process and the path it took (see engine.scenarios)."""

    __tablename__ = "scenarios"
    __table_args__ = (UniqueConstraint("process_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    start_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: Per step: ``{"nodes", "flows", "status"}``, the start first.
    expected: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: The sandbox clock's start, so timers fall on the same days again.
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    saved_by: Mapped[str] = mapped_column(String(200))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Figure(Base):
    """A figure drawn from every instance's history, kept as computed.

    The console's time per stage and time per element read every task any
    instance had; :mod:`engine.figures` computes them now and then and
    keeps them here, so a page reads one row.
    """

    __tablename__ = "figures"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
