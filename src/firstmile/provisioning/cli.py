"""`firstmile provisioning ...`: the fallout queue and service orders from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from firstmile.auth.scopes import cli_actor
from firstmile.kit.db import Session, make_engine, make_sessionmaker
from firstmile.kit.settings import load_settings
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.models import FalloutStatus

app = typer.Typer(help="Service orders, activation and fallout.", no_args_is_help=True)


@contextmanager
def _session() -> Iterator[Session]:
    """One session (one transaction per command) on an engine that is closed afterwards."""
    engine = make_engine(load_settings().database_url, pool_size=2)
    try:
        with make_sessionmaker(engine)() as db:
            yield db
    finally:
        engine.dispose()


@app.command()
def fallout(
    status: Annotated[
        FalloutStatus, typer.Option(help="Which cases to list.")
    ] = FalloutStatus.OPEN,
    retry: Annotated[str | None, typer.Option(help="Retry this case.")] = None,
    cancel: Annotated[str | None, typer.Option(help="Cancel this case (give --reason).")] = None,
    reason: Annotated[str, typer.Option(help="Why the case is cancelled.")] = "",
) -> None:
    """List fallout cases, or retry / cancel one."""
    with _session() as db:
        if retry is not None:
            case = provisioning_service.retry_fallout(db, retry, actor=cli_actor())
            db.commit()
            typer.echo(f"{case.id} {case.status}")
            return
        if cancel is not None:
            if not reason:
                raise typer.BadParameter("give --reason to cancel", param_hint="--reason")
            case = provisioning_service.cancel_fallout(db, cancel, reason=reason, actor=cli_actor())
            db.commit()
            typer.echo(f"{case.id} {case.status}")
            return
        for case in provisioning_service.fallout_queue(db, status=status, limit=500):
            typer.echo(
                f"{case.id}  {case.status:<9} {case.error_kind:<9} order {case.order_id}  "
                f"{case.assignee or '-'}  {case.reason}"
            )


@app.command("service-orders")
def service_orders(order_id: Annotated[str, typer.Argument(help="The order.")]) -> None:
    """The service orders of an order and their progress."""
    with _session() as db:
        for so in provisioning_service.service_orders(db, order_id):
            typer.echo(f"{so.id}  {so.kind:<25} {so.status:<10} attempts {so.attempts}")
