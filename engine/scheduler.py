"""The scheduler: fires due timers, task escalations and e-mail on time.

It runs as its own process (``ekerjasama scheduler``) or as a background
thread of another one (:meth:`Scheduler.start` and :meth:`Scheduler.stop`,
which the web app calls when ``SCHEDULER_IN_PROCESS`` is set). Several may
run against one database: each due row is leased to one of them (see
:mod:`engine.leases`), so each timer fires once.

It does not poll on a fixed beat. After each round it asks the store when
the next row falls due and sleeps until then, bounded by ``SCHEDULER_POLL``.
An earlier row wakes it sooner: a step in the same process calls it back
(``Engine.add_due_listener``), and on PostgreSQL a step in any process sends
``NOTIFY ekerjasama_due`` as it commits, which the scheduler listens for.

Two APScheduler jobs do the work, so a slow mail server never delays a
timer::

    due    timers (boundary, intermediate, start), processes' start
           timers (see :mod:`engine.starts`) and task escalations
    mail   the outbox, when an SMTP host is configured

Two more run on the clock: the supervisors' weekly digest, and the
console's figures drawn from every instance's history (every
``FIGURES_EVERY``; see :mod:`engine.figures`).

Tests need no thread: :meth:`Scheduler.run_due` does one full round at the
engine clock's time, so a test moves a ``MovableClock`` and calls it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from . import digest as digest_module
from . import escalation
from . import leases
from . import notifications
from . import starts
from . import timers
from .config import figures_every
from .runtime import Engine

logger = logging.getLogger(__name__)

#: The PostgreSQL channel steps notify when they write a due row.
CHANNEL = leases.CHANNEL
#: The tables each job works through, and how often a row is tried.
_JOBS = {
    "due": (
        (timers.TIMERS, starts.START_TIMERS, escalation.DEADLINES),
        leases.MAX_ATTEMPTS,
    ),
    "mail": ((notifications.OUTBOX,), notifications.MAIL_ATTEMPTS),
}


def default_owner() -> str:
    """A lease owner name that tells which host and process hold a row."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 10000}"


class Scheduler:
    """Fires what falls due in one engine's store.

    Usage::

        scheduler = Scheduler(engine, mailer=SmtpMailer("localhost"))
        scheduler.start()        # background threads
        ...
        scheduler.stop()

    :param owner: the name leases are taken under; unique per scheduler.
    :param mailer: sends the outbox; None leaves mail queued.
    :param poll: the longest sleep, in seconds, between two looks at the
        store when nothing wakes it earlier.
    :param lease: how long a claimed row stays with this scheduler.
    :param batch: rows claimed at a time.
    :param after_round: called with each round's counts (tests, metrics).
    :param digest: when to queue the supervisors' weekly digest; None
        queues none (see :mod:`engine.digest`).
    :param digest_role: the role whose users get it.
    :param timezone: the zone the digest's weekday and time are in.
    :param figures_every: how often to compute the console's figures drawn
        from history; None computes them only when a page asks.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        owner: str | None = None,
        mailer: Any = None,
        poll: float = 30.0,
        lease: timedelta = timedelta(minutes=5),
        batch: int = 200,
        after_round: Callable[[dict[str, int]], None] | None = None,
        digest: digest_module.DigestSchedule | None = None,
        digest_role: str = "supervisor",
        timezone: str = "Asia/Jakarta",
        figures_every: timedelta | None = None,
    ) -> None:
        if poll <= 0:
            raise ValueError(
                f"poll must be a positive number of seconds, got {poll!r}."
            )
        self.engine = engine
        self.owner = owner or default_owner()
        self.mailer = mailer
        self.poll = timedelta(seconds=poll)
        self.lease = lease
        self.batch = batch
        self.after_round = after_round
        self.digest = digest
        self.digest_role = digest_role
        self.timezone = timezone
        self.figures_every = figures_every
        self._aps: BackgroundScheduler | None = None
        self._listener: _Listener | None = None
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._again: set[str] = set()
        self._planned: dict[str, datetime] = {}
        self._stopping = threading.Event()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Scheduler {self.owner} {state}>"

    @property
    def running(self) -> bool:
        return self._aps is not None and self._aps.running

    # -- one round, in the caller's thread --------------------------------

    def run_due(self, now: datetime | None = None) -> dict[str, int]:
        """Fire everything due at ``now`` (default: the engine's clock).

        Timers are fired until none is left due, so a cycle timer that fell
        due several times fires each time. Return the counts: ``timers``,
        ``starts`` (instances started by a process's start timer),
        ``escalations`` and ``mails``.
        """
        return {**self._run_timers_and_escalations(now), **self._send_mail(now)}

    def _run_timers_and_escalations(self, now: datetime | None) -> dict[str, int]:
        counts = {"timers": 0, "starts": 0, "escalations": 0}
        work = {
            "timers": timers.fire_due,
            "starts": starts.fire_due,
            "escalations": escalation.fire_due_deadlines,
        }
        while not self._stopping.is_set():
            at = now or self.engine.clock.now()
            done = {
                kind: fire(self.engine, at, self.owner, self.batch, self.lease)
                for kind, fire in work.items()
            }
            for kind, n in done.items():
                counts[kind] += n
            if not any(done.values()):
                break
        return counts

    def _send_mail(self, now: datetime | None) -> dict[str, int]:
        counts = {"mails": 0}
        while self.mailer is not None and not self._stopping.is_set():
            at = now or self.engine.clock.now()
            sent = notifications.send_outbox(
                self.engine, self.mailer, at, self.owner, self.batch, self.lease
            )
            counts["mails"] += sent
            if not sent:
                break
        return counts

    def send_digest(self) -> int:
        """Queue this week's digest unless it was; return how many e-mails."""
        try:
            queued = digest_module.queue(self.engine, self.digest_role)
        except Exception:
            logger.exception("Queueing the weekly digest failed")
            return 0
        if queued and self.mailer is not None:
            self._wake("mail", _utcnow())
        return queued

    def refresh_figures(self) -> None:
        """Compute the console's figures drawn from history, and keep them."""
        try:
            self.engine.supervision.refresh_figures()
        except Exception:
            logger.exception("Computing the console's figures failed")

    # -- background threads -----------------------------------------------

    def start(self) -> None:
        """Start firing in background threads; return at once."""
        if self.running:
            return
        self._stopping.clear()
        self._aps = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1}
        )
        work = {"due": self._run_timers_and_escalations, "mail": self._send_mail}
        for job in _JOBS if self.mailer is not None else ("due",):
            self._aps.add_job(
                self._job,
                "interval",
                args=(job, work[job]),
                id=job,
                seconds=self.poll.total_seconds(),
                next_run_time=_utcnow(),
                misfire_grace_time=None,
            )
        if self.digest is not None:
            self._aps.add_job(
                self.send_digest,
                "cron",
                id="digest",
                day_of_week=self.digest.weekday,
                hour=self.digest.at.hour,
                minute=self.digest.at.minute,
                timezone=self.timezone,
                misfire_grace_time=3600,
            )
        if self.figures_every is not None:
            self._aps.add_job(
                self.refresh_figures,
                "interval",
                id="figures",
                seconds=self.figures_every.total_seconds(),
            )
        self.engine.add_due_listener(self.wake)
        self._aps.start()
        if not self.engine.db.is_sqlite:
            self._listener = _Listener(self.engine, self.wake)
            self._listener.start()
        logger.info("Scheduler started: %s", self.owner)

    def stop(self, wait: bool = True) -> None:
        """Stop the background threads after the batch in progress."""
        self._stopping.set()
        self.engine.remove_due_listener(self.wake)
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=wait)
        self._aps = None
        logger.info("Scheduler stopped: %s", self.owner)

    def wake(self, due: datetime) -> None:
        """Make sure the scheduler looks again by ``due``."""
        self._wake("due", due)

    def _wake(self, job: str, due: datetime) -> None:
        with self._lock:
            if job in self._running:
                # The round in progress looks again before it sleeps.
                self._again.add(job)
                return
            planned = self._planned.get(job)
            if planned is not None and planned <= due:
                return
            self._planned[job] = due
        self._reschedule(job, due)

    def _reschedule(self, job: str, due: datetime) -> None:
        aps = self._aps
        if aps is None or not aps.running:
            return
        try:
            aps.modify_job(job, next_run_time=max(due, _utcnow()))
        except LookupError:
            logger.debug("Job %s is gone; the scheduler is stopping.", job)

    def _job(self, job: str, work: Callable[[None], dict[str, int]]) -> None:
        with self._lock:
            self._running.add(job)
            self._planned.pop(job, None)
        try:
            while True:
                with self._lock:
                    self._again.discard(job)
                counts = work(None)
                if self.after_round is not None:
                    self.after_round(counts)
                if counts.get("escalations") and self.mailer is not None:
                    self._wake("mail", _utcnow())
                with self._lock:
                    idle = job not in self._again and not any(counts.values())
                if idle or self._stopping.is_set():
                    break
        except Exception:
            logger.exception("Scheduler round %r failed; retrying on the next", job)
        finally:
            self._plan(job)

    def _plan(self, job: str) -> None:
        tables, attempts = _JOBS[job]
        try:
            due = leases.next_due(self.engine.db, list(tables), attempts)
        except Exception as e:
            # The store is unreachable: look again after the poll interval.
            logger.warning("Scheduler could not read the next due time: %s", e)
            due = None
        latest = _utcnow() + self.poll
        when = latest if due is None else min(due, latest)
        with self._lock:
            self._running.discard(job)
            again = job in self._again
            self._planned[job] = when
        self._reschedule(job, _utcnow() if again else when)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _Listener(threading.Thread):
    """Listens on PostgreSQL for steps that wrote a due row."""

    def __init__(self, engine: Engine, wake: Callable[[datetime], None]) -> None:
        super().__init__(name="ekerjasama-listen", daemon=True)
        url = engine.db.engine.url.set(drivername="postgresql")
        self.conninfo = url.render_as_string(hide_password=False)
        self.wake = wake
        self._halt = threading.Event()

    def run(self) -> None:
        import psycopg

        while not self._halt.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    while not self._halt.is_set():
                        for note in connection.notifies(timeout=1.0):
                            self.wake(datetime.fromisoformat(note.payload))
            except Exception as e:
                # The bounded poll still finds the rows; reconnect shortly.
                logger.warning("Listening for due rows failed: %s", e)
                self._halt.wait(5)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


def scheduler_from_config(engine: Engine, config: Mapping[str, Any], **kw) -> Scheduler:
    """Build a scheduler with the poll, lease and mailer that ``config`` sets."""
    mailer = None
    if config.get("SMTP_HOST"):
        mailer = notifications.SmtpMailer(
            config["SMTP_HOST"],
            int(config.get("SMTP_PORT", 25)),
            tls=config.get("SMTP_TLS", "none"),
            sender=config.get("SMTP_SENDER", "e-kerjasama@localhost"),
            username=config.get("SMTP_USER") or None,
            password=config.get("SMTP_PASSWORD") or None,
        )
    kw.setdefault("mailer", mailer)
    kw.setdefault("poll", float(config.get("SCHEDULER_POLL", 30)))
    kw.setdefault("lease", timedelta(seconds=int(config.get("SCHEDULER_LEASE", 300))))
    kw.setdefault(
        "digest", digest_module.DigestSchedule.parse(config.get("DIGEST_SCHEDULE", ""))
    )
    kw.setdefault("digest_role", config.get("DIGEST_ROLE") or "supervisor")
    kw.setdefault("timezone", config.get("TIMEZONE", "Asia/Jakarta"))
    kw.setdefault("figures_every", figures_every(config))
    return Scheduler(engine, **kw)


def start_in_background(engine: Engine, config: Mapping[str, Any]) -> Scheduler | None:
    """Start a scheduler thread if ``SCHEDULER_IN_PROCESS`` asks for one.

    The web app calls this from its factory and :meth:`Scheduler.stop` at
    exit. Return the started scheduler, or None when the setting is off.
    """
    if not int(config.get("SCHEDULER_IN_PROCESS", 0)):
        return None
    scheduler = scheduler_from_config(engine, config)
    scheduler.start()
    return scheduler
