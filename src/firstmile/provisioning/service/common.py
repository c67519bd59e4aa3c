"""Helpers the provisioning services share: events about service orders, submission jobs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from firstmile.eventlog import service as eventlog_service
from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.kit.errors import NotFound
from firstmile.kit.time import utcnow
from firstmile.provisioning import events
from firstmile.provisioning import repository as repo
from firstmile.provisioning.models import (
    Service,
    ServiceOrder,
    ServiceOrderStatus,
    ServiceStatus,
)

SUBMIT_JOB = "provisioning.submission_due"
MAX_ATTEMPTS = 5  # temporary failures in a row before the service order falls out
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 3600


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after `attempts` failed submissions: 30 s, 60 s, 120 s... up to 1 h."""
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_CAP_SECONDS))


def so_event(db: Session, event_type: str, so: ServiceOrder, *, actor: str, **extra: Any) -> None:
    payload = {
        "order_id": so.order_id,
        "order_item_id": so.order_item_id,
        "service_order_id": so.id,
        "kind": str(so.kind),
        **extra,
    }
    eventlog_service.record(
        db, event_type, actor=actor, customer_id=so.customer_id, subject_id=so.id, payload=payload
    )


def schedule_submission(db: Session, so: ServiceOrder, *, run_at: datetime | None = None) -> None:
    """Queue (once per round and attempt) the job that hands `so` to the network adapter."""
    jobs.enqueue(
        db,
        SUBMIT_JOB,
        {"service_order_id": so.id},
        run_at=run_at,
        key=f"{SUBMIT_JOB}:{so.id}:{so.submission_round}:{so.attempts}",
        priority=jobs.HIGH,
    )


def cancel_service_order(db: Session, so: ServiceOrder, *, reason: str, actor: str) -> bool:
    """Cancel `so` unless it already completed or was cancelled; returns whether it changed."""
    if so.status in (ServiceOrderStatus.COMPLETED, ServiceOrderStatus.CANCELLED):
        return False
    so.status = ServiceOrderStatus.CANCELLED
    so.next_attempt_at = None
    so_event(db, events.SERVICE_ORDER_CANCELLED, so, actor=actor, reason=reason)
    return True


def activate(db: Session, service: Service, *, actor: str) -> None:
    """The service is live: `service.activated` (what orders waits for)."""
    service.status = ServiceStatus.ACTIVE
    service.activated_at = service.activated_at or utcnow()
    record_activated(
        db, service, order_item_id=service.order_item_id, order_id=service.order_id, actor=actor
    )


def record_activated(
    db: Session, service: Service, *, order_id: str, order_item_id: str, actor: str
) -> None:
    eventlog_service.record(
        db,
        events.SERVICE_ACTIVATED,
        actor=actor,
        customer_id=service.customer_id,
        subject_id=service.id,
        payload={"order_id": order_id, "order_item_id": order_item_id, "service_id": service.id},
    )


def must_service(db: Session, service_id: str) -> Service:
    found = repo.service(db, service_id)
    if found is None:
        raise NotFound("service", service_id)
    return found
