"""The ``ekerjasama agreements`` command: print the agreement register."""

from __future__ import annotations

import click


@click.command("agreements")
@click.option("--status", help="Only agreements in this status, e.g. berlaku.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def agreements(ctx: click.Context, status: str | None, as_json: bool) -> None:
    """List the agreement register, refreshed from the instances."""
    from . import register
    from .cli import command_engine
    from .cli import print_json

    rows = register.list_agreements(command_engine(ctx), status=status)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        end = row["tanggal_berakhir"] or "-"
        click.echo(
            f"{row['instance_id']}\t{row['jenis'] or '-'}\t{row['status']}\t"
            f"{end}\t{row['judul']} ({row['mitra'] or '-'})"
        )
    click.echo(f"{len(rows)} agreement(s).")


def register(cli: click.Group) -> None:
    """Add the register commands to ``cli``."""
    cli.add_command(agreements)
