"""The ``ekerjasama demo`` command: load the demo agreements."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path

import click


@click.command("demo")
@click.option(
    "--folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder with agreements.json and users.json (default: demo/).",
)
def demo(folder: Path | None) -> None:
    """Load the sixteen demo agreements, each run to its stage by the processes."""
    from . import config as config_module
    from . import demo as demo_module
    from .clock import MovableClock

    config = config_module.load_config()
    engine = config_module.build_engine(
        config, clock=MovableClock(datetime(2025, 1, 1, tzinfo=UTC))
    )
    try:
        created = demo_module.load_demo(
            engine,
            Path(config["PROCESSES_PATH"]),
            Path(config["FORMS_PATH"]),
            folder or demo_module.DEMO,
        )
        total = len(engine.list_instances(process_id=demo_module.PROCESS))
    finally:
        engine.close()
    click.echo(f"Loaded {created} demo agreement(s); the register holds {total}.")


def register(cli: click.Group) -> None:
    """Add the demo command to ``cli``."""
    cli.add_command(demo)
