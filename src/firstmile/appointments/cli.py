"""`firstmile appointments ...`: slot generation by hand (the daily job does it too)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="Agent calendars and technician slots.", no_args_is_help=True)


@app.command("generate-slots")
def generate_slots(
    days: Annotated[
        int | None, typer.Option(min=1, max=366, help="Days ahead; default: each horizon.")
    ] = None,
) -> None:
    """Generate every active calendar's slots (idempotent) and print a JSON summary."""
    from firstmile.appointments import service
    from firstmile.auth.scopes import cli_actor
    from firstmile.kit import migrate
    from firstmile.kit.db import make_engine, make_sessionmaker
    from firstmile.kit.settings import load_settings

    engine = make_engine(load_settings().database_url)
    migrate.upgrade(engine)
    try:
        with make_sessionmaker(engine)() as db:
            summary = service.extend_slots(db, actor=cli_actor(), days=days)
            service.schedule_next_extension(db)
            db.commit()
    finally:
        engine.dispose()
    typer.echo(json.dumps(summary))
