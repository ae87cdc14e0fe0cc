"""Settings, and building a configured engine from them.

:data:`SETTINGS` is the one list of settings: name, default and help. Each is
read from the environment as ``EKERJASAMA_<NAME>``. The CLI, the web app and
the scheduler all build their engine with :func:`build_engine`, so they run
the same extensions.

Extensions are modules with a ``setup(options, config)`` function that adds
to the engine's options: service operations, script functions, a form
validator. :data:`EXTENSIONS` lists the built-in ones.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from .notifications import Notifier
from .notifications import mapping_address_book
from .runtime import Engine
from .services import ServiceRegistry
from .sla import SlaPolicy
from .stages import StageMap
from .supervision import SupervisionPolicy
from .supervision import parse_margin
from .workdays import WorkCalendar
from .workdays import parse_holidays

ENV_PREFIX = "EKERJASAMA_"
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS = (
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy URL of the store. Default: a SQLite file in the instance "
        "folder. PostgreSQL: postgresql://user@host/dbname (psycopg 3).",
    ),
    Setting(
        "INSTANCE_PATH",
        str(ROOT / "instance"),
        "Folder for local files: the SQLite database, uploads, secrets.",
    ),
    Setting(
        "PROCESSES_PATH",
        str(ROOT / "processes"),
        "Folder of the .bpmn and .dmn files that 'ekerjasama deploy' reads by default.",
    ),
    Setting(
        "FORMS_PATH",
        str(ROOT / "forms"),
        "Folder of the form definitions (form-js JSON) that user tasks name.",
    ),
    Setting(
        "CACHE_SIZE",
        1000,
        "How many loaded instances each process keeps in memory.",
    ),
    Setting(
        "SCHEDULER_IN_PROCESS",
        0,
        "1 runs the scheduler as a thread of the web app; 0 leaves it to "
        "'ekerjasama scheduler'.",
    ),
    Setting(
        "SCHEDULER_POLL",
        30,
        "Longest sleep, in seconds, between two looks at the store when no "
        "step signals a new due time.",
    ),
    Setting(
        "SCHEDULER_LEASE",
        300,
        "Seconds a scheduler holds a claimed timer before another may take it over.",
    ),
    Setting(
        "TIMEZONE",
        "Asia/Jakarta",
        "The office's time zone: working days start at its midnight and "
        "messages show its times.",
    ),
    Setting(
        "HOLIDAYS",
        "",
        'Days off per year as JSON, e.g. {"2026": ["2026-01-01", ...]}; a year '
        "given replaces the built-in national holidays and cuti bersama.",
    ),
    Setting(
        "SLA_CALENDAR",
        "working",
        "How a task's dueIn counts days when the task does not say: working "
        "or calendar.",
    ),
    Setting(
        "SLA_REMIND_BEFORE",
        "P1D",
        "ISO-8601 duration before a task's due date to remind its assignee or "
        "lane; empty sends no reminder.",
    ),
    Setting(
        "SLA_SUPERVISOR_ROLE",
        "supervisor",
        "The role told when a task is overdue (a task's escalateTo overrides it).",
    ),
    Setting(
        "SLA_REASSIGN_ROLE",
        "",
        "A role overdue tasks move to; empty leaves them in their lane (a "
        "task's reassignTo overrides it).",
    ),
    Setting(
        "NOTIFY_EMAILS",
        "",
        'E-mail addresses of users and roles as JSON, e.g. {"kabag": '
        '["kabag@grobogan.go.id"]}.',
    ),
    Setting(
        "BASE_URL",
        "http://localhost:5000",
        "Address of the web app, for links in e-mail.",
    ),
    Setting(
        "SMTP_HOST",
        "",
        "Mail server for notifications; empty keeps e-mail in the outbox.",
    ),
    Setting("SMTP_PORT", 25, "Port of the mail server."),
    Setting("SMTP_TLS", "none", "none, starttls or ssl."),
    Setting(
        "SMTP_SENDER",
        "e-kerjasama@localhost",
        "The From address of notification e-mail.",
    ),
    Setting("SMTP_USER", "", "User name for the mail server; empty: no login."),
    Setting("SMTP_PASSWORD", "", "Password for the mail server."),
    Setting(
        "AT_RISK_MARGIN",
        "P2D",
        "ISO-8601 duration, in calendar time: an open task due within it counts "
        "as at risk on the supervisor console.",
    ),
    Setting(
        "UNCLAIMED_DAYS",
        3,
        "Days an open task may wait unclaimed in its lane before the console "
        "counts it as at risk.",
    ),
    Setting(
        "FIGURES_EVERY",
        "PT10M",
        "ISO-8601 duration: how often the scheduler computes the console's "
        "time per stage and per element from every instance's history.",
    ),
    Setting(
        "DIGEST_SCHEDULE",
        "mon 07:00",
        "When the scheduler queues the weekly digest for supervisors: weekday "
        "and time in TIMEZONE, e.g. 'mon 07:00'; empty sends none.",
    ),
    Setting(
        "DIGEST_ROLE",
        "supervisor",
        "The role whose users (and the role's own addresses in NOTIFY_EMAILS) "
        "get the weekly digest.",
    ),
)

#: Modules whose ``setup(options, config)`` runs for every engine built here.
EXTENSIONS: list[str] = [
    "engine.process_settings",
    "engine.forms",
    "engine.notices",
    "engine.register",
    "engine.lint_config",
]


@dataclass
class EngineOptions:
    """What extensions may add to before the engine is built."""

    services: ServiceRegistry = field(default_factory=ServiceRegistry)
    functions: dict[str, Callable[..., Any]] = field(default_factory=dict)
    form_validator: Callable[[str, dict], dict] | None = None
    form_exists: Callable[[str], bool] | None = None
    role_exists: Callable[[str], bool] | None = None
    lint_rules: Any = None
    clock: Any = None
    #: ``hook(engine, loaded, items, now)`` after a step asked for work with
    #: ``engine.steps.after_commit``.
    commit_hooks: list[Callable[..., None]] = field(default_factory=list)

    def build(self, database_url: str, **overrides: Any) -> Engine:
        """Build an engine with these options."""
        engine = Engine(
            database_url,
            clock=self.clock,
            services=self.services,
            functions=self.functions,
            form_validator=self.form_validator,
            form_exists=self.form_exists,
            role_exists=self.role_exists,
            lint_rules=self.lint_rules,
            **overrides,
        )
        for hook in self.commit_hooks:
            engine.stepper.commit_hooks.append(partial(hook, engine))
        return engine


def read_settings(settings, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return each of ``settings`` from ``environ`` (``EKERJASAMA_*``) or its default.

    :raise ValueError: a whole-number setting holds something else.
    """
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for setting in settings:
        raw = environ.get(ENV_PREFIX + setting.name)
        if raw is None:
            config[setting.name] = setting.default
        elif isinstance(setting.default, int):
            try:
                config[setting.name] = int(raw)
            except ValueError:
                raise ValueError(
                    f"{ENV_PREFIX}{setting.name} must be a whole number, got {raw!r}."
                ) from None
        else:
            config[setting.name] = raw
    return config


def load_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return every engine setting's value from ``environ`` or its default."""
    config = read_settings(SETTINGS, environ)
    if not config["DATABASE_URL"]:
        path = Path(config["INSTANCE_PATH"]) / "ekerjasama.sqlite"
        config["DATABASE_URL"] = f"sqlite:///{path}"
    return config


def sla_policy(config: Mapping[str, Any]) -> SlaPolicy:
    """The task due date and escalation defaults that ``config`` sets."""
    calendar = WorkCalendar(
        parse_holidays(config.get("HOLIDAYS")),
        config.get("TIMEZONE", "Asia/Jakarta"),
    )
    return SlaPolicy(
        calendar,
        default_calendar=config.get("SLA_CALENDAR", "working"),
        remind_before=config.get("SLA_REMIND_BEFORE", "P1D") or None,
        supervisor_role=config.get("SLA_SUPERVISOR_ROLE", "supervisor"),
        reassign_to=config.get("SLA_REASSIGN_ROLE") or None,
    )


def supervision_policy(config: Mapping[str, Any]) -> SupervisionPolicy:
    """When the supervisor console counts a task at risk, and its stages.

    :raise ValueError: a setting cannot be read; the message names it.
    """
    stages = Path(config.get("PROCESSES_PATH") or ROOT / "processes") / "stages.json"
    try:
        margin = parse_margin(config.get("AT_RISK_MARGIN") or "P0D")
    except ValueError as e:
        raise ValueError(f"{ENV_PREFIX}AT_RISK_MARGIN: {e}") from None
    return SupervisionPolicy(
        at_risk_margin=margin,
        unclaimed_days=int(config.get("UNCLAIMED_DAYS", 3)),
        figures_every=figures_every(config),
        stages=StageMap.load(stages if stages.exists() else None),
    )


def figures_every(config: Mapping[str, Any]) -> timedelta:
    """How often the figures drawn from history are computed.

    :raise ValueError: the setting is no positive duration; the message
        names it.
    """
    try:
        every = parse_margin(config.get("FIGURES_EVERY") or "PT10M")
        if every <= timedelta(0):
            raise ValueError("Give a duration longer than zero.")
    except ValueError as e:
        raise ValueError(f"{ENV_PREFIX}FIGURES_EVERY: {e}") from None
    return every


def build_engine(config: Mapping[str, Any] | None = None, **overrides: Any) -> Engine:
    """Build an engine from ``config`` with every extension set up."""
    config = dict(load_config() if config is None else config)
    options = EngineOptions(clock=overrides.pop("clock", None))
    for name in EXTENSIONS:
        importlib.import_module(name).setup(options, config)
    url = config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    zone = config.get("TIMEZONE", "Asia/Jakarta")
    overrides.setdefault("sla", sla_policy(config))
    overrides.setdefault("supervision", supervision_policy(config))
    overrides.setdefault(
        "notifier",
        Notifier(
            mapping_address_book(json.loads(config.get("NOTIFY_EMAILS") or "{}")),
            config.get("BASE_URL", "http://localhost:5000"),
            zone,
        ),
    )
    return options.build(
        url, cache_size=int(config.get("CACHE_SIZE", 1000)), **overrides
    )
