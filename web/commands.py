"""Commands the web app adds to ``ekerjasama``: users and the server."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path

import click

from engine import EngineError
from engine import MovableClock
from engine import config as config_module
from engine import demo

from . import users

DEMO_USERS = demo.DEMO / "users.json"


def _database():
    engine = config_module.build_engine()
    engine.init_db()
    return engine


def load_demo_database(url: str, password: str) -> None:
    """Run the demo agreements into the database at ``url``, with their users.

    The demo users of :data:`DEMO_USERS` all get ``password``. The benchmark
    and the browser test serve this database.
    """
    config = {**config_module.load_config(), "DATABASE_URL": url}
    clock = MovableClock(datetime(2025, 1, 1, tzinfo=UTC))
    engine = config_module.build_engine(config, clock=clock)
    try:
        demo.load_demo(
            engine, Path(config["PROCESSES_PATH"]), Path(config["FORMS_PATH"])
        )
        users.load_users_file(engine.db, DEMO_USERS, now=clock.now(), password=password)
    finally:
        engine.close()


def _describe(error: EngineError) -> str:
    details = "; ".join(
        f"{field}: {' '.join(messages)}"
        for field, messages in getattr(error, "errors", {}).items()
    )
    return f"{error} {details}".strip()


@click.command("create-user")
@click.argument("username")
@click.option("--role", "roles", multiple=True, help="A role the user holds (repeat).")
@click.option("--full-name", default="", help="The name shown on pages.")
@click.option("--partner", help="For a partner user: the institution's name.")
@click.password_option(help="The password; asked for when not given.")
def create_user(username, roles, full_name, partner, password) -> None:
    """Create a user who can log in to the web app."""
    engine = _database()
    try:
        users.create_user(
            engine.db,
            username,
            password,
            roles,
            now=engine.clock.now(),
            full_name=full_name,
            partner=partner,
        )
    except EngineError as e:
        raise click.ClickException(_describe(e)) from None
    finally:
        engine.close()
    click.echo(f"Created user {username} with roles {', '.join(sorted(roles)) or '-'}.")


@click.command("load-users")
@click.argument(
    "path",
    required=False,
    type=click.Path(exists=True, path_type=Path),
)
@click.option(
    "--password",
    envvar="EKERJASAMA_USERS_PASSWORD",
    help="Password of the users the file gives none (or EKERJASAMA_USERS_PASSWORD).",
)
def load_users(path: Path | None, password: str | None) -> None:
    """Create the users listed in a JSON file (default: demo/users.json)."""
    path = path or DEMO_USERS
    if not path.exists():
        raise click.ClickException(f"No users file at {str(path)!r}. Pass a PATH.")
    engine = _database()
    try:
        created = users.load_users_file(
            engine.db, path, now=engine.clock.now(), password=password
        )
    except EngineError as e:
        raise click.ClickException(_describe(e)) from None
    finally:
        engine.close()
    click.echo(f"Created {created} user(s) from {path}.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5000, show_default=True, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Run the web app with Flask's development server."""
    from . import create_app

    click.echo(f"Serving e-Kerjasama on http://{host}:{port}/")
    create_app().run(host=host, port=port, use_reloader=False)


def register(cli: click.Group) -> None:
    for command in (create_user, load_users, serve):
        cli.add_command(command)
