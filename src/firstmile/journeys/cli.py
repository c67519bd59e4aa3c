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
    """Check one journey file; prints {"valid": ..., "issues": [...]} (file:line field: ...)."""
    import yaml
    from pydantic import ValidationError

    from firstmile.eventlog import catalogue
    from firstmile.journeys import actions
    from firstmile.journeys.definition import DefinitionInvalid, JourneyFile, compile_journey
    from firstmile.packs.yamlfile import read_yaml

    issues: list[str] = []
    try:
        loaded = read_yaml(path)
        model = JourneyFile.model_validate(loaded.data)
        compile_journey(
            model, known_events=set(catalogue.load_catalogue()), known_actions=set(actions.names())
        )
    except yaml.YAMLError as exc:
        issues.append(f"{path.name}: YAML syntax: {exc}")
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            field = ".".join(map(str, loc))
            issues.append(f"{path.name}:{loaded.line_of(loc)} {field}: {err['msg']}")
    except DefinitionInvalid as exc:
        for problem in exc.problems:
            field = ".".join(map(str, problem.loc))
            issues.append(f"{path.name}:{loaded.line_of(problem.loc)} {field}: {problem.message}")
    typer.echo(json.dumps({"valid": not issues, "issues": issues}, ensure_ascii=False))
    if issues:
        raise typer.Exit(1)
