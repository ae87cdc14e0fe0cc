"""The ``ekerjasama scheduler`` command: fire due timers, escalations and mail."""

from __future__ import annotations

import signal
import threading

import click

from . import config as config_module
from .scheduler import scheduler_from_config


@click.command("scheduler")
@click.option("--owner", help="Name to hold leases under (default: host:pid).")
@click.option(
    "--once",
    is_flag=True,
    help="Fire what is due now, print the counts and exit.",
)
@click.pass_context
def scheduler_command(ctx: click.Context, owner: str | None, once: bool) -> None:
    """Fire due timers, task escalations and e-mail until stopped."""
    config = config_module.load_config()
    engine = config_module.build_engine(config)
    ctx.call_on_close(engine.close)
    engine.init_db()
    scheduler = scheduler_from_config(engine, config, owner=owner)
    if once:
        counts = scheduler.run_due()
        click.echo(
            f"Fired {counts['timers']} timer(s), {counts['escalations']} "
            f"escalation(s); sent {counts['mails']} e-mail(s)."
        )
        return
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    scheduler.start()
    click.echo(f"Scheduler {scheduler.owner} running; stop with Ctrl+C.")
    stopped.wait()
    scheduler.stop()
    click.echo(f"Scheduler {scheduler.owner} stopped.")


def register(cli: click.Group) -> None:
    cli.add_command(scheduler_command)
