"""Background work of the journey engine: event triggers and wake-ups, webhook calls."""

from __future__ import annotations

from typing import Any

from firstmile.eventlog import service as eventlog_service
from firstmile.eventlog.models import Event
from firstmile.journeys import runner, webhooks
from firstmile.kit import jobs
from firstmile.kit.db import Session


@eventlog_service.on("*")
def journey_event(db: Session, event: Event) -> None:
    runner.on_event(db, event)


@jobs.handler(runner.WEBHOOK_JOB)
def call_webhook(db: Session, args: dict[str, Any]) -> None:
    webhooks.call(args)
