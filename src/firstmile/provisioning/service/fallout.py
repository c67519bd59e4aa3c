"""Fallout: service orders the network refused, worked by agents (retry, cancel, assign)."""

from __future__ import annotations

from firstmile.auth.scopes import Actor
from firstmile.eventlog import service as eventlog_service
from firstmile.kit.db import Session, serialize_order
from firstmile.kit.errors import Conflict, NotFound
from firstmile.kit.time import utcnow
from firstmile.provisioning import events
from firstmile.provisioning import repository as repo
from firstmile.provisioning.models import (
    ErrorKind,
    FalloutCase,
    FalloutStatus,
    ServiceOrder,
    ServiceOrderStatus,
    ServiceStatus,
)
from firstmile.provisioning.service.common import (
    cancel_service_order,
    schedule_submission,
    so_event,
)


def _case_event(
    db: Session, event_type: str, case: FalloutCase, *, actor: str, **extra: str
) -> None:
    eventlog_service.record(
        db,
        event_type,
        actor=actor,
        customer_id=case.customer_id,
        subject_id=case.id,
        payload={"fallout_case_id": case.id, "service_order_id": case.service_order_id, **extra},
    )


def open_case(
    db: Session, so: ServiceOrder, kind: ErrorKind, reason: str, *, actor: str
) -> FalloutCase:
    """Open a case for a failed service order (or reopen the one being retried)."""
    case = repo.open_case_for(db, so.id)
    if case is None:
        case = FalloutCase(service_order_id=so.id, order_id=so.order_id, customer_id=so.customer_id)
        db.add(case)
    case.status, case.reason, case.error_kind = FalloutStatus.OPEN, reason, kind
    db.flush()
    _case_event(
        db,
        events.FALLOUT_OPENED,
        case,
        actor=actor,
        order_id=so.order_id,
        error_kind=str(kind),
        reason=reason,
    )
    eventlog_service.record(
        db,
        events.SERVICE_ACTIVATION_FAILED,
        actor=actor,
        customer_id=so.customer_id,
        subject_id=so.service_id,
        payload={
            "order_id": so.order_id,
            "order_item_id": so.order_item_id,
            "service_id": so.service_id,
            "reason": reason,
        },
    )
    return case


def resolve(db: Session, case: FalloutCase, *, note: str, actor: str) -> None:
    case.status, case.resolution_note = FalloutStatus.RESOLVED, note
    case.resolved_at, case.resolved_by = utcnow(), actor
    _case_event(db, events.FALLOUT_RESOLVED, case, actor=actor, outcome="resolved", note=note)


def must_case(db: Session, case_id: str) -> FalloutCase:
    """The case, locked after its order (`serialize_order`): retry and cancel change its
    service orders, which cancels and network reports change too."""
    unlocked = repo.fallout_case(db, case_id)
    if unlocked is not None:
        serialize_order(db, unlocked.order_id)
    case = repo.fallout_case(db, case_id, lock=True)
    if case is None:
        raise NotFound("fallout case", case_id)
    return case


def retry(db: Session, case_id: str, *, actor: Actor) -> FalloutCase:
    """Submit the failed service order again, from a fresh attempt count."""
    case = must_case(db, case_id)
    if case.status != FalloutStatus.OPEN:
        raise Conflict(f"the case is {case.status}; only an open case can be retried")
    so = repo.service_order(db, case.service_order_id, lock=True)
    if so is None or so.status != ServiceOrderStatus.FAILED:
        raise Conflict("the service order is no longer failed")
    case.status = FalloutStatus.RETRYING
    so.status, so.round_attempts, so.next_attempt_at = ServiceOrderStatus.PENDING, 0, None
    so.submission_round += 1
    db.flush()
    schedule_submission(db, so)
    _case_event(db, events.FALLOUT_RETRIED, case, actor=actor.ref)
    so_event(
        db,
        events.SERVICE_ORDER_RETRY_SCHEDULED,
        so,
        actor=actor.ref,
        attempt=so.attempts,
        retry_at=utcnow().isoformat(),
        message="retried by an agent",
    )
    return case


def cancel(db: Session, case_id: str, *, reason: str, actor: Actor) -> FalloutCase:
    """Give up: cancel the service order, what waits on it, and the service it was for."""
    case = must_case(db, case_id)
    if case.status not in repo.OPEN_FALLOUT:
        raise Conflict(f"the case is already {case.status}")
    so = repo.service_order(db, case.service_order_id, lock=True)
    assert so is not None
    case.status, case.resolution_note = FalloutStatus.CANCELLED, reason
    case.resolved_at, case.resolved_by = utcnow(), actor.ref
    waiting = repo.service_orders_of_service(db, so.service_id, so.order_item_id)
    while waiting:  # the item's orders, and whatever waits on them (an add-on's change)
        item_so = waiting.pop()
        if cancel_service_order(
            db, item_so, reason=f"fallout cancelled: {reason}", actor=actor.ref
        ):
            waiting.extend(repo.dependents_of(db, item_so.id))
    service = repo.service(db, so.service_id)
    if service is not None and service.status == ServiceStatus.PENDING_ACTIVATION:
        service.status = ServiceStatus.TERMINATED
    _case_event(
        db, events.FALLOUT_RESOLVED, case, actor=actor.ref, outcome="cancelled", note=reason
    )
    return case


def assign(db: Session, case_id: str, *, assignee: str, actor: Actor) -> FalloutCase:
    case = must_case(db, case_id)
    if case.status not in repo.OPEN_FALLOUT:
        raise Conflict(f"the case is already {case.status}")
    case.assignee = assignee
    _case_event(db, events.FALLOUT_ASSIGNED, case, actor=actor.ref, assignee=assignee)
    return case
