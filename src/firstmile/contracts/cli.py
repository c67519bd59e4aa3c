"""`firstmile contracts ...`: validate a sealed contract PDF, make the demo certificate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Contracts: sealing and validation.", no_args_is_help=True)


@app.command("validate")
def validate(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A PDF file.")
    ],
) -> None:
    """Check the operator's seal on FILE; prints one JSON object, exits 1 unless valid."""
    from firstmile.contracts import sealing
    from firstmile.kit.settings import load_settings

    report = sealing.validate(file.read_bytes(), settings=load_settings())
    typer.echo(json.dumps(report, sort_keys=True))
    if not report["valid"]:
        raise typer.Exit(1)


@app.command("demo-certificate")
def demo_certificate() -> None:
    """Make the demo sealing certificate now (otherwise made at first use); prints its path."""
    from firstmile.contracts import sealing
    from firstmile.kit.settings import load_settings

    typer.echo(str(sealing.ensure_demo_certificate(load_settings())))
