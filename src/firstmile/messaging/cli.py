"""`firstmile messaging ...`: read what the simulator channel "sent" (demo)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Customer messages.", no_args_is_help=True)


@app.command("outbox")
def outbox(
    who: Annotated[
        str | None,
        typer.Argument(
            help="An email address, a phone number or a customer's id (default: anyone)."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Newest first.")] = 20,
) -> None:
    """Print the simulator's newest deliveries as one JSON object (codes included): to
    anyone, to an email address or phone number, or to a customer."""
    from firstmile.kit.db import make_engine, make_sessionmaker
    from firstmile.kit.errors import NotFound
    from firstmile.kit.settings import load_settings
    from firstmile.messaging import service
    from firstmile.messaging.schemas import OutboxRead

    engine = make_engine(load_settings().database_url)
    try:
        with make_sessionmaker(engine)() as db:
            deliveries = service.simulated_outbox(db, who, limit=limit)
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


@app.command("smpp-receiver")
def smpp_receiver() -> None:
    """Hold a receiver bind to the SMS centre (FIRSTMILE_SMPP_*) and record its delivery
    receipts; stops cleanly on SIGTERM. Run one per SMSC account next to the workers."""
    import signal
    import threading

    from firstmile.kit.db import Session, make_engine, make_sessionmaker
    from firstmile.kit.registry import load_job_handlers
    from firstmile.kit.settings import configure, load_settings
    from firstmile.messaging import delivery
    from firstmile.messaging.channels.sms.smpp_receiver import ReceiptListener
    from firstmile.messaging.models import ReceiptState

    settings = load_settings()
    configure(settings)
    if not settings.smpp_system_id:
        typer.echo("FIRSTMILE_SMPP_SYSTEM_ID is not set", err=True)
        raise typer.Exit(2)
    load_job_handlers()  # a failed receipt queues the next channel's delivery job
    engine = make_engine(settings.database_url, pool_size=2)

    def record(db: Session, reference: str, state: ReceiptState, detail: str) -> object:
        return delivery.record_receipt(
            db, adapter="smpp", reference=reference, state=state, detail=detail
        )

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    listener = ReceiptListener.from_settings(settings, make_sessionmaker(engine), record)
    typer.echo(f"receiving delivery receipts from {settings.smpp_host}:{settings.smpp_port}")
    try:
        listener.run(stop)
    finally:
        engine.dispose()
