"""`firstmile screening load|match` (also `firstmile kyc screening load|match` and
`firstmile kyc screening-load|screening-match`).

Each command prints one JSON object; exit code 0 when the command did its work (a match
with no hits included), 2 with `{"error": {...}}` when the input was unusable (a malformed
list file, naming the file, line and field; an unknown format; a malformed date).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

app = typer.Typer(help="Sanctions and PEP screening.", no_args_is_help=True)


def _emit(body: dict[str, Any]) -> None:
    typer.echo(json.dumps(body, ensure_ascii=False))


def _unusable(error: dict[str, Any]) -> NoReturn:
    _emit({"error": error})
    raise typer.Exit(2)


@app.command("load")
def load_command(
    path: Annotated[Path, typer.Argument(help="The list file (ofac: sdn.csv or its folder).")],
    format: Annotated[str, typer.Option("--format", help="un, eu, ofac or ftm.")],
    source: Annotated[
        str | None, typer.Option(help="Name of the list (default: the format).")
    ] = None,
    aliases: Annotated[
        Path | None, typer.Option(help="ofac: alt.csv, if not beside sdn.csv.")
    ] = None,
    rescreen: Annotated[
        bool, typer.Option(help="Re-screen screened customers against new and changed entries.")
    ] = True,
) -> None:
    """Load a list; a reload of the same source adds, changes and removes entries by id and
    content, then re-screens customers against what is new. Prints the counts and new hits."""
    from firstmile.auth.scopes import cli_actor
    from firstmile.kit import migrate
    from firstmile.kit.db import make_engine, make_sessionmaker
    from firstmile.kit.errors import InvalidInput
    from firstmile.kit.settings import current
    from firstmile.kyc import screening_link
    from firstmile.kyc.screening import service

    engine = make_engine(current().database_url)
    migrate.upgrade(engine)
    try:
        with make_sessionmaker(engine)() as db:
            result = service.load_file(db, format, path, source=source, aliases=aliases)
            hits = service.rescreen_after_load(db, result) if rescreen else []
            cases = screening_link.open_cases(db, hits, actor=cli_actor())
            db.commit()
            new_hits = [_hit(hit) for hit in hits]
            review_cases = [case.id for case in cases]
    except InvalidInput as exc:
        _unusable(exc.to_dict())
    finally:
        engine.dispose()
    _emit({"load": result.to_dict(), "new_hits": new_hits, "review_cases": review_cases})


def _hit(hit: Any) -> dict[str, Any]:
    return {
        "id": hit.id,
        "customer_id": hit.customer_id,
        "entry_id": hit.entry_id,
        "score": hit.score,
        "listed": hit.explanation.get("name", {}).get("listed"),
    }


@app.command("match")
def match_command(
    name: Annotated[str, typer.Argument(help="The name, in any script.")],
    birth_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    country: Annotated[str | None, typer.Option(help="Nationality, ISO alpha-2.")] = None,
    schema: Annotated[str | None, typer.Option(help="person or company.")] = None,
    threshold: Annotated[float | None, typer.Option(help="0..1 (default 0.80).")] = None,
) -> None:
    """Screen a name against the loaded lists; prints the hits with scores and reasons
    (nothing is recorded)."""
    from firstmile.kit.db import make_engine, make_sessionmaker
    from firstmile.kit.errors import InvalidInput
    from firstmile.kit.settings import current
    from firstmile.kyc.screening import service
    from firstmile.kyc.screening.entries import Schema
    from firstmile.kyc.screening.matching import DEFAULT_THRESHOLD

    if schema is not None and schema not in ("person", "company"):
        _unusable(
            {"code": "invalid_input", "message": "must be person or company", "field": "schema"}
        )
    level = DEFAULT_THRESHOLD if threshold is None else threshold
    engine = make_engine(current().database_url)
    try:
        with make_sessionmaker(engine)() as db:
            matches = service.match(
                db, name, birth_date=_day(birth_date), country=country,
                schema=Schema(schema) if schema else None, threshold=level,
            )  # fmt: skip
    except InvalidInput as exc:
        _unusable(exc.to_dict())
    finally:
        engine.dispose()
    query = {"name": name, "birth_date": birth_date, "country": country, "schema": schema}
    _emit({"query": query, "threshold": level, "hits": [m.to_dict() for m in matches]})


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _unusable(
            {"code": "invalid_input", "message": f"{text!r} is not a date (YYYY-MM-DD)",
             "field": "birth_date"}
        )  # fmt: skip
