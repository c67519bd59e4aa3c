"""`firstmile messaging ...`: read what the simulator channel "sent" (demo)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Customer messages.", no_args_is_help=True)


@app.command("outbox")
def outbox(
    customer_id: Annotated[str, typer.Argument(help="The customer's id.")],
    limit: Annotated[int, typer.Option(min=1, max=500, help="Newest first.")] = 20,
) -> None:
    """Print the simulator's deliveries to a customer as one JSON object (codes included)."""
    from firstmile.kit.db import make_engine, make_sessionmaker
    from firstmile.kit.errors import NotFound
    from firstmile.kit.settings import load_settings
    from firstmile.messaging import service
    from firstmile.messaging.schemas import OutboxRead

    engine = make_engine(load_settings().database_url)
    try:
        with make_sessionmaker(engine)() as db:
            deliveries = service.simulated_deliveries(db, customer_id, limit=limit)
            body = OutboxRead.model_validate({"deliveries": deliveries}, from_attributes=True)
    except NotFound as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(body.model_dump_json())


@app.command("sms-info")
def sms_info(text: Annotated[str, typer.Argument(help="The SMS text.")]) -> None:
    """Print one JSON object: the encoding (GSM-7 or UCS-2), the segment count and the
    characters per segment (160/153 for GSM-7, 70/67 for UCS-2)."""
    import json

    from firstmile.kit.errors import InvalidInput
    from firstmile.messaging.channels.sms.encoding import analyse

    try:
        info = analyse(text)
    except InvalidInput as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(info.to_dict(), ensure_ascii=False))
