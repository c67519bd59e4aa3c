"""Provisioning's job handlers and event subscribers."""

from __future__ import annotations

from typing import Any

from firstmile.eventlog import service as eventlog_service
from firstmile.eventlog.models import Event
from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.kit.settings import current
from firstmile.provisioning import events
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.adapters import simulator
from firstmile.provisioning.service import activation, termination
from firstmile.provisioning.service.common import SUBMIT_JOB


@jobs.handler(SUBMIT_JOB)
def submission_due(db: Session, args: dict[str, Any]) -> None:
    provisioning_service.submit(db, str(args["service_order_id"]), current())


@jobs.handler(activation.CANCEL_JOB)
def cancellation_due(db: Session, args: dict[str, Any]) -> None:
    activation.send_cancellation(
        db, str(args["service_order_id"]), current(), attempt=int(args["attempt"])
    )


@jobs.handler(simulator.REPORT_JOB)
def simulator_reported(db: Session, args: dict[str, Any]) -> None:
    simulator.report(db, args)


@eventlog_service.on(events.NETWORK_SERVICE_ORDER_COMPLETED)
def on_network_completed(db: Session, event: Event) -> None:
    provisioning_service.network_completed(db, event)


@eventlog_service.on("product.terminated")
def on_product_terminated(db: Session, event: Event) -> None:
    termination.product_terminated(db, event)


@eventlog_service.on(events.NETWORK_SERVICE_ORDER_FAILED)
def on_network_failed(db: Session, event: Event) -> None:
    provisioning_service.network_failed(db, event)
