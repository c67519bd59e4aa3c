"""What the network reported: completion, temporary failure (retry), permanent failure (fallout).

Idempotent on state: only a service order that is awaiting a report (submitted, or pending in
the submission job itself) moves, and a report naming an older attempt is ignored.
"""

from __future__ import annotations

from typing import Any

from firstmile.eventlog import service as eventlog_service
from firstmile.eventlog.models import Event
from firstmile.kit.db import Session, serialize_order
from firstmile.kit.errors import InvalidInput
from firstmile.kit.time import utcnow
from firstmile.provisioning import events
from firstmile.provisioning import repository as repo
from firstmile.provisioning.models import (
    ErrorKind,
    Service,
    ServiceOrder,
    ServiceOrderKind,
    ServiceOrderStatus,
    ServiceStatus,
)
from firstmile.provisioning.service import fallout, termination
from firstmile.provisioning.service.common import (
    MAX_ATTEMPTS,
    activate,
    record_activated,
    retry_delay,
    schedule_submission,
    so_event,
)


def _reported_order(db: Session, event: Event) -> ServiceOrder | None:
    """The service order a network event is about, or None when the report is stale."""
    payload = event.payload or {}
    so_id = payload.get("service_order_id") or event.subject_id
    if not isinstance(so_id, str) or not so_id:
        raise InvalidInput("names no service order", field="payload.service_order_id")
    unlocked = repo.service_order(db, so_id)
    if unlocked is None:
        raise InvalidInput(f"unknown service order {so_id}", field="payload.service_order_id")
    serialize_order(db, unlocked.order_id)
    so = repo.service_order(db, so_id, lock=True)
    assert so is not None  # service orders are never deleted
    attempt = payload.get("attempt")
    if attempt is not None and (not isinstance(attempt, int) or isinstance(attempt, bool)):
        raise InvalidInput("must be an integer", field="payload.attempt")
    if attempt is not None and attempt != so.attempts:
        return None
    if so.status != ServiceOrderStatus.SUBMITTED:
        return None
    return so


def _identifiers(payload: dict[str, Any]) -> dict[str, Any]:
    found = payload.get("identifiers") or {}
    if not isinstance(found, dict):
        raise InvalidInput("must be an object", field="payload.identifiers")
    return found


def network_completed(db: Session, event: Event) -> None:
    identifiers = _identifiers(event.payload or {})
    so = _reported_order(db, event)
    if so is not None:
        complete(db, so, identifiers, actor=event.actor)


def network_failed(db: Session, event: Event) -> None:
    payload = event.payload or {}
    try:
        kind = ErrorKind(str(payload.get("error_kind")))
    except ValueError:
        raise InvalidInput("must be temporary or permanent", field="payload.error_kind") from None
    message = str(payload.get("message") or "the network gave no reason")[:2000]
    so = _reported_order(db, event)
    if so is not None:
        failed(db, so, kind, message, actor=event.actor)


def complete(db: Session, so: ServiceOrder, identifiers: dict[str, Any], *, actor: str) -> None:
    service = repo.service(db, so.service_id)
    assert service is not None
    so.status, so.completed_at = ServiceOrderStatus.COMPLETED, utcnow()
    so.result = {"identifiers": identifiers}
    service.identifiers = {**service.identifiers, **identifiers}
    if identifiers.get("smdp_address"):
        service.smdp_address = str(identifiers["smdp_address"])
    so_event(db, events.SERVICE_ORDER_COMPLETED, so, actor=actor, identifiers=identifiers)
    case = repo.open_case_for(db, so.id)
    if case is not None:
        fallout.resolve(db, case, note="completed after retry", actor=actor)
    for after in repo.dependents_of(db, so.id):
        if after.status == ServiceOrderStatus.PENDING:
            schedule_submission(db, after)
    if so.kind == ServiceOrderKind.SERVICE_TERMINATION:
        termination.service_taken_down(db, so, service, actor=actor)
        return
    _item_progress(db, so, service, actor=actor)


def _item_progress(db: Session, so: ServiceOrder, service: Service, *, actor: str) -> None:
    siblings = repo.service_orders_of_service(db, service.id, so.order_item_id)
    if any(o.status != ServiceOrderStatus.COMPLETED for o in siblings):
        return
    if all(o.kind == ServiceOrderKind.FEATURE_CHANGE for o in siblings):
        for change in siblings:
            service.features = {**service.features, **dict(change.data.get("features") or {})}
        record_activated(
            db, service, order_id=so.order_id, order_item_id=so.order_item_id, actor=actor
        )
        return
    if service.status != ServiceStatus.PENDING_ACTIVATION:
        return
    if service.self_activation and service.sim_type == "physical":
        service.status = ServiceStatus.AWAITING_SELF_ACTIVATION
        eventlog_service.record(
            db,
            events.SERVICE_AWAITING_SELF_ACTIVATION,
            actor=actor,
            customer_id=service.customer_id,
            subject_id=service.id,
            payload={
                "order_id": service.order_id,
                "order_item_id": service.order_item_id,
                "service_id": service.id,
            },
        )
        return
    activate(db, service, actor=actor)


def failed(db: Session, so: ServiceOrder, kind: ErrorKind, message: str, *, actor: str) -> None:
    """Retry a temporary failure with backoff; after MAX_ATTEMPTS, or when permanent, fall out."""
    so.last_error = message
    if kind == ErrorKind.TEMPORARY and so.round_attempts < MAX_ATTEMPTS:
        retry_at = utcnow() + retry_delay(so.round_attempts)
        so.status, so.next_attempt_at = ServiceOrderStatus.PENDING, retry_at
        schedule_submission(db, so, run_at=retry_at)
        so_event(
            db,
            events.SERVICE_ORDER_RETRY_SCHEDULED,
            so,
            actor=actor,
            attempt=so.attempts,
            retry_at=retry_at.isoformat(),
            message=message,
        )
        return
    if kind == ErrorKind.TEMPORARY:
        message = f"gave up after {so.round_attempts} attempts: {message}"
    so.status, so.next_attempt_at = ServiceOrderStatus.FAILED, None
    so_event(
        db, events.SERVICE_ORDER_FAILED, so, actor=actor, error_kind=str(kind), message=message
    )
    fallout.open_case(db, so, kind, message, actor=actor)
