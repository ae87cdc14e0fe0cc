"""The ``ekerjasama scenarios`` commands: saved test runs of processes.

Designers save scenarios in the studio; ``export`` writes one to
``processes/scenarios/<process id>/<name>.json`` for the repository, and
``run`` replays those files against the diagrams, as the test suite does.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click


@click.group("scenarios")
def scenarios() -> None:
    """Saved test runs of processes (see the designer studio)."""


@scenarios.command("list")
@click.argument("process_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_scenarios(ctx: click.Context, process_id: str | None, as_json: bool) -> None:
    """List the scenarios saved in the store (of PROCESS_ID only, if given)."""
    from .cli import command_engine
    from .cli import print_json

    engine = command_engine(ctx)
    found = engine.scenarios.list(process_id)
    if as_json:
        print_json([engine.scenarios.export(s.id) | {"id": s.id} for s in found])
        return
    for scenario in found:
        click.echo(
            f"{scenario.id}\t{scenario.process_id}\t{scenario.name}\t"
            f"{len(scenario.steps)} step(s)\t{scenario.saved_by}\t"
            f"{scenario.saved_at:%Y-%m-%d %H:%M}"
        )
    click.echo(f"{len(found)} scenario(s).")


@scenarios.command("export")
@click.argument("scenario_id", type=int)
@click.option(
    "--folder",
    type=click.Path(path_type=Path),
    help="Where to write <process id>/<name>.json. Default: processes/scenarios.",
)
@click.pass_context
def export_scenario(ctx: click.Context, scenario_id: int, folder: Path | None) -> None:
    """Write a saved scenario to a file that the test suite replays."""
    from .cli import _fail
    from .cli import command_engine
    from .config import load_config
    from .errors import NotFound
    from .scenarios import scenario_path

    folder = folder or Path(load_config()["PROCESSES_PATH"]) / "scenarios"
    try:
        exported = command_engine(ctx).scenarios.export(scenario_id)
    except NotFound as e:
        _fail(str(e))
    path = scenario_path(folder, exported)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(exported, indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {path}.")


@scenarios.command("run")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def run_scenarios(paths: tuple[Path, ...]) -> None:
    """Replay scenario files (default: processes/scenarios/) against processes/.

    Exits with 1 when a scenario fails or takes another path than it expects.
    The replay runs in the sandbox; no store is read or written.
    """
    from .config import build_engine
    from .config import load_config
    from .definitions import read_paths
    from .scenarios import replay

    config = load_config()
    processes = Path(config["PROCESSES_PATH"])
    chosen = _scenario_files(paths or (processes / "scenarios",))
    files = read_paths([processes])
    changed = 0
    with tempfile.TemporaryDirectory(prefix="ekerjasama-scenarios-") as folder:
        config["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'studio.sqlite'}"
        engine = build_engine(config)
        try:
            engine.init_db()
            for path in chosen:
                exported = json.loads(path.read_text(encoding="utf-8"))
                result = replay(engine, exported, files)
                verdict = _verdict(result, exported["expected"])
                changed += verdict != "ok"
                click.echo(f"{verdict}\t{exported['process_id']}/{exported['name']}")
        finally:
            engine.close()
    click.echo(f"{len(chosen) - changed} of {len(chosen)} scenario(s) took their path.")
    if changed:
        sys.exit(1)


def _scenario_files(paths) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found += sorted(path.glob("*/*.json")) if path.is_dir() else [path]
    return found


def _verdict(result, expected: list[dict]) -> str:
    if result.error:
        return f"failed: {result.error}"
    taken = result.path()
    for number, step in enumerate(expected):
        if number >= len(taken) or taken[number] != step:
            return f"changed at step {number}"
    return "ok" if len(taken) == len(expected) else "changed: more steps ran"


def register(cli: click.Group) -> None:
    """Add the scenario commands to ``cli``."""
    cli.add_command(scenarios)
