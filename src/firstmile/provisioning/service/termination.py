"""Taking a service down on the network once its product ended (TMF641 action `delete`)."""

from __future__ import annotations

from sqlalchemy import select

from firstmile.eventlog import service as eventlog_service
from firstmile.eventlog.models import Event
from firstmile.kit.db import Session
from firstmile.provisioning import events
from firstmile.provisioning import repository as repo
from firstmile.provisioning.models import (
    Service,
    ServiceOrder,
    ServiceOrderKind,
    ServiceOrderStatus,
    ServiceStatus,
)
from firstmile.provisioning.service.common import schedule_submission

LIVE = (ServiceStatus.ACTIVE, ServiceStatus.AWAITING_SELF_ACTIVATION, ServiceStatus.SUSPENDED)


def product_terminated(db: Session, event: Event) -> ServiceOrder | None:
    """A live service whose product was terminated gets one termination service order.

    A product cancelled before it went live needs none: `cancel_for_order` already stopped
    its service orders. A repeated event finds the termination already under way."""
    payload = event.payload or {}
    service_id = payload.get("service_id")
    if payload.get("status") != "terminated" or not service_id:
        return None
    service = repo.service(db, str(service_id), lock=True)
    if service is None or service.status not in LIVE:
        return None
    under_way = db.scalar(
        select(ServiceOrder.id).where(
            ServiceOrder.service_id == service.id,
            ServiceOrder.kind == ServiceOrderKind.SERVICE_TERMINATION,
            ServiceOrder.status != ServiceOrderStatus.CANCELLED,
        )
    )
    if under_way is not None:
        return None
    so = ServiceOrder(
        order_id=str(payload.get("order_id") or service.order_id),
        order_item_id=service.order_item_id,
        customer_id=service.customer_id,
        service_id=service.id,
        kind=ServiceOrderKind.SERVICE_TERMINATION,
        data={"reason": str(payload.get("reason") or "product terminated")},
    )
    db.add(so)
    db.flush()  # the model's defaults (pending, no attempts yet) are set now
    schedule_submission(db, so)
    return so


def service_taken_down(db: Session, so: ServiceOrder, service: Service, *, actor: str) -> None:
    """The network confirmed the termination: the service is `terminated`."""
    service.status = ServiceStatus.TERMINATED
    eventlog_service.record(
        db,
        events.SERVICE_TERMINATED,
        actor=actor,
        customer_id=service.customer_id,
        subject_id=service.id,
        payload={"order_id": so.order_id, "service_id": service.id},
    )
