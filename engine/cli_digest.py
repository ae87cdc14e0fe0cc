"""The ``ekerjasama digest`` command: the supervisors' weekly digest."""

from __future__ import annotations

import click

from . import config as config_module
from . import digest


@click.command("digest")
@click.option(
    "--send",
    is_flag=True,
    help="Queue the digest in the outbox now, even if this week's was queued.",
)
@click.option(
    "--role",
    default=None,
    help="The role whose users get it (default: the DIGEST_ROLE setting).",
)
@click.pass_context
def digest_command(ctx: click.Context, send: bool, role: str | None) -> None:
    """Print the weekly digest for supervisors, or queue it with --send."""
    config = config_module.load_config()
    engine = config_module.build_engine(config)
    ctx.call_on_close(engine.close)
    engine.init_db()
    role = role or config.get("DIGEST_ROLE") or "supervisor"
    if not send:
        built = digest.build(engine)
        click.echo(f"Subject: {built.subject}\n")
        click.echo(built.body, nl=False)
        return
    queued = digest.queue(engine, role, force=True)
    if not queued:
        raise click.ClickException(
            f"Nobody holding the {role!r} role has an e-mail address. Add theirs "
            "to EKERJASAMA_NOTIFY_EMAILS."
        )
    click.echo(f"Queued the digest for {queued} address(es) in the outbox.")


def register(cli: click.Group) -> None:
    cli.add_command(digest_command)
