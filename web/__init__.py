"""The e-Kerjasama web app: officers, partners and the public.

The app is a thin layer over :mod:`engine`: every view reads its input,
calls the engine (or one of the web's own small stores), and renders the
result as HTML or, for the same URL with ``.json`` or
``Accept: application/json``, as JSON.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from engine.config import load_config

from .settings import load_web_config

logger = logging.getLogger(__name__)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the web app.

    :param test_config: settings that replace the environment's, by name
        (``DATABASE_URL``, ``INSTANCE_PATH``, ``SECRET_KEY``...).
    """
    config = {**load_config(), **load_web_config()}
    if test_config is not None:
        config.update(test_config)
        if "INSTANCE_PATH" in test_config and "DATABASE_URL" not in test_config:
            path = Path(test_config["INSTANCE_PATH"]) / "ekerjasama.sqlite"
            config["DATABASE_URL"] = f"sqlite:///{path}"
    instance_path = Path(config["INSTANCE_PATH"]).resolve()
    instance_path.mkdir(parents=True, exist_ok=True)

    app = Flask(__name__, instance_path=str(instance_path))
    app.config.update(config)
    app.config.update(
        SECRET_KEY=config.get("SECRET_KEY") or _secret_key(instance_path),
        MAX_CONTENT_LENGTH=int(config["MAX_UPLOAD_MB"]) * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(int(config["SECURE_COOKIES"])),
        SESSION_COOKIE_NAME="ekerjasama_session",
        UPLOAD_FOLDER=str(instance_path / "uploads"),
    )
    _setup_logging(app)

    from . import admin
    from . import agreements
    from . import assets
    from . import auth
    from . import csrf
    from . import db
    from . import errors
    from . import formjs
    from . import i18n
    from . import notifications
    from . import public
    from . import studio
    from . import supervisor
    from . import tasks

    db.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    errors.init_app(app)
    formjs.init_app(app)
    auth.init_app(app)
    for module in (
        auth,
        tasks,
        agreements,
        notifications,
        public,
        admin,
        assets,
        supervisor,
        studio,
    ):
        app.register_blueprint(module.bp)
    app.add_url_rule("/", endpoint="index", view_func=public.index)
    return app


def _secret_key(instance_path: Path) -> str:
    # Kept in the instance folder so that sessions survive a restart and
    # every worker of one deployment signs with the same key.
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _setup_logging(app: Flask) -> None:
    package = logging.getLogger("web")
    engine_logger = logging.getLogger("engine")
    if not logging.getLogger().handlers and not package.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        package.addHandler(handler)
        engine_logger.addHandler(handler)
    level = logging.DEBUG if app.debug else logging.INFO
    package.setLevel(level)
    engine_logger.setLevel(level)
