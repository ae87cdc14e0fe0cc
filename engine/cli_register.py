"""The ``ekerjasama agreements`` command: print the agreement register."""

from __future__ import annotations

import json
from datetime import date
from datetime import datetime
from typing import Any

import click


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"Cannot encode {type(value).__name__} as JSON.")


@click.command("agreements")
@click.option("--status", help="Only agreements in this status, e.g. berlaku.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def agreements(ctx: click.Context, status: str | None, as_json: bool) -> None:
    """List the agreement register, refreshed from the instances."""
    from . import register
    from .cli import _engine

    rows = register.list_agreements(_engine(ctx), status=status)
    if as_json:
        click.echo(json.dumps(rows, default=_default, indent=2, ensure_ascii=False))
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
