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
import os
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from .runtime import Engine
from .services import ServiceRegistry

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
)

#: Modules whose ``setup(options, config)`` runs for every engine built here.
EXTENSIONS: list[str] = []


@dataclass
class EngineOptions:
    """What extensions may add to before the engine is built."""

    services: ServiceRegistry = field(default_factory=ServiceRegistry)
    functions: dict[str, Callable[..., Any]] = field(default_factory=dict)
    form_validator: Callable[[str, dict], dict] | None = None
    form_exists: Callable[[str], bool] | None = None
    clock: Any = None


def load_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return every setting's value from ``environ`` or its default."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for setting in SETTINGS:
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
    if not config["DATABASE_URL"]:
        path = Path(config["INSTANCE_PATH"]) / "ekerjasama.sqlite"
        config["DATABASE_URL"] = f"sqlite:///{path}"
    return config


def build_engine(config: Mapping[str, Any] | None = None, **overrides: Any) -> Engine:
    """Build an engine from ``config`` with every extension set up."""
    config = dict(load_config() if config is None else config)
    options = EngineOptions(clock=overrides.pop("clock", None))
    for name in EXTENSIONS:
        importlib.import_module(name).setup(options, config)
    url = config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    return Engine(
        url,
        clock=options.clock,
        services=options.services,
        functions=options.functions,
        form_validator=options.form_validator,
        form_exists=options.form_exists,
        cache_size=int(config.get("CACHE_SIZE", 1000)),
        **overrides,
    )
