"""What the customer does with a provisioned service: self-activate a SIM, fetch the eSIM
activation code, book a technician for the installation."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import segno

from firstmile.auth.scopes import Actor
from firstmile.eventlog import service as eventlog_service
from firstmile.kit import otp
from firstmile.kit.db import Session, serialize_order
from firstmile.kit.errors import Conflict, InvalidInput
from firstmile.kit.time import utcnow
from firstmile.provisioning import events
from firstmile.provisioning import repository as repo
from firstmile.provisioning.models import Service, ServiceStatus
from firstmile.provisioning.service.activation import SELF_ACTIVATION_PURPOSE
from firstmile.provisioning.service.common import activate, must_service

INSTALLATION = "installation"


def self_activate(db: Session, service_id: str, *, activation_code: str, actor: Actor) -> Service:
    """Activate a physical SIM with the code printed on its carrier.

    Wrong code -> InvalidInput on `activation_code` (the attempt stays counted); too many
    wrong attempts -> Conflict. The code is never logged nor recorded."""
    serialize_order(db, must_service(db, service_id).order_id)
    service = repo.service(db, service_id, lock=True)
    assert service is not None  # services are never deleted
    if service.status != ServiceStatus.AWAITING_SELF_ACTIVATION:
        raise Conflict(f"the service is {service.status}, not awaiting self-activation")
    try:
        otp.verify(db, purpose=SELF_ACTIVATION_PURPOSE, subject_id=service.id, code=activation_code)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="activation_code") from None
    eventlog_service.record(
        db,
        events.SERVICE_SELF_ACTIVATED,
        actor=actor.ref,
        customer_id=service.customer_id,
        subject_id=service.id,
        payload={"service_id": service.id},
    )
    activate(db, service, actor=actor.ref)
    return service


def esim_activation_code(db: Session, service_id: str, *, actor: Actor, fmt: str = "text") -> str:
    """The GSMA SGP.22 activation code `LPA:1$<SM-DP+ address>$<matching id>`.

    Issued only once the network prepared the profile; the handing-out is recorded, the code
    itself never is."""
    service = must_service(db, service_id)
    if service.sim_type != "esim" or not service.esim_matching_id:
        raise Conflict("the service has no eSIM")
    if service.status not in (ServiceStatus.ACTIVE, ServiceStatus.AWAITING_SELF_ACTIVATION):
        raise Conflict(f"the eSIM profile is not ready (service {service.status})")
    if not service.smdp_address:
        raise Conflict("the network has not reported the SM-DP+ address yet")
    eventlog_service.record(
        db,
        events.ESIM_CODE_ISSUED,
        actor=actor.ref,
        customer_id=service.customer_id,
        subject_id=service.id,
        payload={"service_id": service.id, "format": fmt},
    )
    return f"LPA:1${service.smdp_address}${service.esim_matching_id}"


def qr_png(text: str, *, scale: int = 8) -> bytes:
    """`text` as a QR code PNG (error correction M, as eSIM QR codes are usually printed)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def _technician_area(db: Session, service: Service) -> str:
    from firstmile.appointments import service as appointments_service
    from firstmile.customers import service as customers_service

    if service.technician not in ("required", "optional"):
        raise Conflict("this service needs no technician")
    address = customers_service.postal_address(db, service.customer_id)
    if address is None:
        raise Conflict("the customer has no service address")
    area = appointments_service.area_for_postcode(
        db, str(getattr(address, "country", "")), str(getattr(address, "postcode", ""))
    )
    if area is None:
        raise Conflict("no technician area covers the service address")
    return area


def technician_slots(
    db: Session, service_id: str, *, since: datetime | None = None, until: datetime | None = None
) -> list[Any]:
    """Free technician slots in the area of the customer's service address."""
    from firstmile.appointments import service as appointments_service

    service = must_service(db, service_id)
    area = _technician_area(db, service)
    start = since or utcnow()
    end = until or start + timedelta(days=14)
    if end <= start:
        raise InvalidInput("must be after since", field="until")
    slots: list[Any] = appointments_service.free_slots(
        db, calendar_kind="technician", calendar_code=None, area=area, since=start, until=end
    )
    return slots


def book_technician(db: Session, service_id: str, *, slot_id: str, actor: Actor) -> Any:
    """Book an installation visit; reschedule and cancel go through the appointments API."""
    from firstmile.appointments import service as appointments_service

    service = must_service(db, service_id)
    _technician_area(db, service)
    if service.status == ServiceStatus.TERMINATED:
        raise Conflict("the service is terminated")
    booking = appointments_service.book(
        db, slot_id=slot_id, customer_id=service.customer_id, purpose=INSTALLATION, actor=actor
    )
    service.technician_booking_id = str(booking.id)
    eventlog_service.record(
        db,
        events.TECHNICIAN_BOOKED,
        actor=actor.ref,
        customer_id=service.customer_id,
        subject_id=service.id,
        payload={"service_id": service.id, "booking_id": str(booking.id)},
    )
    return booking
