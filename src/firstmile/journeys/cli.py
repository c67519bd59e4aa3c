"""`firstmile journeys ...`: the definition format's JSON Schema, and checking a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Journey definitions.", no_args_is_help=True)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of a journey file (published as docs/journey.schema.json)."""
    from firstmile.journeys.definition import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@app.command("check")
def check(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Check one journey file; prints {"valid": ..., "issues": ["file:line: field: ..."]}
    (message purposes are checked when the whole pack is loaded)."""
    from firstmile.eventlog import catalogue
    from firstmile.journeys.definition import JourneyFile
    from firstmile.journeys.pack import check_journey
    from firstmile.packs.loader import read_part
    from firstmile.packs.yamlfile import PackIssue

    issues: list[PackIssue] = []
    part = read_part(path, path.parent, JourneyFile, issues)
    if part is not None:
        loaded, model = part
        issues += check_journey(path.name, loaded, model, set(catalogue.load_catalogue()), None)
    texts = [str(issue) for issue in issues]
    typer.echo(json.dumps({"valid": not texts, "issues": texts}, ensure_ascii=False))
    if texts:
        raise typer.Exit(1)
