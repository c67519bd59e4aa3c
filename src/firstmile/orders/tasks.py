"""Orders' event subscribers and job handlers."""

from __future__ import annotations

from typing import Any

from firstmile.eventlog import service as eventlog_service
from firstmile.eventlog.models import Event
from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.orders import service as orders_service
from firstmile.orders.service.cancellation import TERMINATE_JOB


@eventlog_service.on("contract.signed")
def on_contract_signed(db: Session, event: Event) -> None:
    orders_service.contract_signed(db, event)


@eventlog_service.on("service.activated")
def on_service_activated(db: Session, event: Event) -> None:
    orders_service.service_activated(db, event)


@eventlog_service.on("service.activation_failed")
def on_service_activation_failed(db: Session, event: Event) -> None:
    orders_service.activation_failed(db, event)


@jobs.handler(TERMINATE_JOB)
def terminate_products(db: Session, args: dict[str, Any]) -> None:
    orders_service.terminate_due(db, str(args["order_id"]))
