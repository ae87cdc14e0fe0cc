"""The ``ekerjasama`` command line.

Every command builds its engine with :func:`engine.config.build_engine`, so
it reads the same ``EKERJASAMA_*`` settings as the web app.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from . import config as config_module
from .errors import DefinitionError
from .errors import EngineError
from .records import Actor
from .store.fast import plain_json

#: Modules with a ``register(cli)`` function that adds more commands.
COMMAND_MODULES: list[str] = [
    "web.commands",
    "engine.cli_scheduler",
    "engine.cli_register",
    "engine.cli_demo",
    "engine.cli_scenarios",
    "engine.cli_digest",
]


def command_engine(ctx: click.Context):
    """The engine of this command run, built once from the settings."""
    obj = ctx.ensure_object(dict)
    if "engine" not in obj:
        obj["engine"] = config_module.build_engine()
        ctx.call_on_close(obj["engine"].close)
    return obj["engine"]


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON; dates and amounts as text."""
    click.echo(json.dumps(value, default=plain_json, indent=2, ensure_ascii=False))


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what the engine does.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """e-Kerjasama: BPMN processes for regional cooperation agreements."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx.ensure_object(dict)


@cli.command("init-db")
@click.pass_context
def init_db(ctx: click.Context) -> None:
    """Create or upgrade the database schema."""
    engine = command_engine(ctx)
    engine.init_db()
    click.echo(f"Database is up to date: {engine.db!r}")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--user", default="system", show_default=True, help="Who deploys.")
@click.pass_context
def deploy(ctx: click.Context, paths: tuple[Path, ...], user: str) -> None:
    """Deploy .bpmn and .dmn files (files or folders; default: processes/)."""
    engine = command_engine(ctx)
    engine.init_db()
    paths = paths or (Path(config_module.load_config()["PROCESSES_PATH"]),)
    try:
        results = engine.deploy(list(paths), Actor(user))
    except DefinitionError as e:
        for problem in e.problems:
            click.echo(str(problem), err=True)
        _fail(f"Nothing was deployed: {len(e.problems)} problem(s).")
        return
    for result in results:
        state = "deployed" if result.created else "unchanged"
        click.echo(f"{result.process_id} v{result.version} ({state})")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_context
def lint(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Check .bpmn and .dmn files without deploying them."""
    engine = command_engine(ctx)
    engine.init_db()
    paths = paths or (Path(config_module.load_config()["PROCESSES_PATH"]),)
    problems = engine.lint(list(paths))
    for problem in problems:
        click.echo(str(problem), err=True)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        _fail(f"{len(errors)} error(s).")
    click.echo(f"No errors in {', '.join(str(p) for p in paths)}.")


@cli.command()
@click.option(
    "--status", help="Only instances in this status (active, completed, cancelled)."
)
@click.option("--process", "process_id", help="Only instances of this process id.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def instances(ctx: click.Context, status, process_id, as_json: bool) -> None:
    """List instances, newest first."""
    found = command_engine(ctx).list_instances(status=status, process_id=process_id)
    if as_json:
        print_json([asdict(i) for i in found])
        return
    for i in found:
        key = f" [{i.business_key}]" if i.business_key else ""
        click.echo(f"{i.id}\t{i.process_id} v{i.version}\t{i.status}{key}")
    click.echo(f"{len(found)} instance(s).")


@cli.command()
@click.option("--instance", "instance_id", type=int, help="Tasks of this instance.")
@click.option(
    "--role", "roles", multiple=True, help="Open tasks of this lane (repeat)."
)
@click.option("--user", help="With --role: also the tasks claimed by this user.")
@click.option("--all", "show_all", is_flag=True, help="Include completed tasks.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def tasks(ctx: click.Context, instance_id, roles, user, show_all, as_json) -> None:
    """List open tasks of an instance or of lanes."""
    filters: dict[str, Any] = {"instance_id": instance_id}
    if roles or user:
        filters["actor"] = Actor(user or "-", roles)
    if show_all:
        filters["states"] = None
    found = command_engine(ctx).list_tasks(**filters)
    if as_json:
        print_json([asdict(t) for t in found])
        return
    for t in found:
        who = f" ({t.assignee})" if t.assignee else ""
        click.echo(
            f"{t.id}\t{t.instance_id}\t{t.lane or '-'}\t{t.title}\t{t.state}{who}"
        )
    click.echo(f"{len(found)} task(s).")


def _parse_data(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise click.BadParameter(
            f"not valid JSON: {e.msg}.", param_hint="--data"
        ) from None
    if not isinstance(data, dict):
        raise click.BadParameter("must be a JSON object ({...}).", param_hint="--data")
    return data


@cli.command()
@click.argument("process_id")
@click.option("--business-key", help="The agreement's own reference, e.g. PKS/12/2025.")
@click.option("--data", help="Start data as a JSON object.")
@click.option("--user", default="system", show_default=True, help="Who starts it.")
@click.option("--role", "roles", multiple=True, help="A role the user holds (repeat).")
@click.pass_context
def start(ctx, process_id: str, business_key, data, user: str, roles) -> None:
    """Start an instance of PROCESS_ID."""
    start_data = _parse_data(data)
    engine = command_engine(ctx)
    try:
        instance_id = engine.start(
            process_id,
            actor=Actor(user, roles),
            business_key=business_key,
            data=start_data,
        )
    except EngineError as e:
        _fail(str(e))
        return
    click.echo(f"Started instance {instance_id} of {process_id}.")


@cli.command()
@click.argument("task_id")
@click.option("--data", help="The task's answers as a JSON object.")
@click.option("--user", required=True, help="Who completes it.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    help="A role the user holds (repeat); it must include the task's lane.",
)
@click.pass_context
def complete(ctx, task_id: str, data, user: str, roles) -> None:
    """Complete the open task TASK_ID."""
    answers = _parse_data(data)
    engine = command_engine(ctx)
    try:
        engine.complete_task(task_id, answers, actor=Actor(user, roles))
    except EngineError as e:
        _fail(str(e))
        return
    click.echo(f"Completed task {task_id}.")


_loaded: set[str] = set()


def load_commands() -> click.Group:
    """Add the commands of :data:`COMMAND_MODULES` to the group, once each."""
    for name in COMMAND_MODULES:
        if name not in _loaded:
            importlib.import_module(name).register(cli)
            _loaded.add(name)
    return cli


def main() -> None:
    load_commands()(prog_name="ekerjasama")


if __name__ == "__main__":
    main()
