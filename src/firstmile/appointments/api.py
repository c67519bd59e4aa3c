"""JSON API: calendars, free slots, and booking, rescheduling and cancelling appointments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from firstmile.appointments import service
from firstmile.appointments.models import BookingStatus, CalendarKind
from firstmile.appointments.schemas import (
    BookingCancel,
    BookingCreate,
    BookingList,
    BookingRead,
    BookingReschedule,
    CalendarList,
    CalendarRead,
    SlotPage,
    SlotRead,
)
from firstmile.kit.errors import InvalidInput
from firstmile.kit.http import AnyActor, Db, TxRoute
from firstmile.packs import loader as packs

router = APIRouter(prefix="/api", tags=["appointments"], route_class=TxRoute)


@router.get("/calendars", response_model=CalendarList)
def list_calendars(
    db: Db, _actor: AnyActor, kind: Annotated[CalendarKind | None, Query()] = None
) -> CalendarList:
    """Active agent calendars (sales, care) and technician areas."""
    return CalendarList(
        items=[CalendarRead.model_validate(c) for c in service.calendars(db, kind=kind)]
    )


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput("must include a time zone offset", field=field)
    return value


@router.get("/appointments/slots", response_model=SlotPage)
def search_slots(
    db: Db,
    _actor: AnyActor,
    kind: Annotated[CalendarKind | None, Query()] = None,
    calendar: Annotated[str | None, Query(max_length=60)] = None,
    area: Annotated[str | None, Query(max_length=60)] = None,
    postcode: Annotated[str | None, Query(min_length=1, max_length=20)] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_SLOTS)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> SlotPage:
    """Free slots, earliest first. `postcode` finds the technician area that covers it
    (in `country`, by default the pack's); a postcode no area covers finds nothing."""
    if postcode is not None:
        found = service.area_for_postcode(db, country or packs.current_meta(db).country, postcode)
        if found is None or (area is not None and area != found):
            return SlotPage(items=[], limit=limit, offset=offset, next_offset=None)
        area = found
    slots = service.free_slots(
        db,
        calendar_kind=kind,
        calendar_code=calendar,
        area=area,
        since=_aware(since, "since"),
        until=_aware(until, "until"),
        limit=limit,
        offset=offset,
    )
    return SlotPage(
        items=[SlotRead.of(s) for s in slots],
        limit=limit,
        offset=offset,
        next_offset=offset + limit if len(slots) == limit else None,
    )


@router.post("/appointments", response_model=BookingRead, status_code=201)
def book_appointment(body: BookingCreate, db: Db, actor: AnyActor) -> BookingRead:
    """Book a place in a free slot (409 `slot_full` when none is left)."""
    booking = service.book(
        db,
        slot_id=body.slot_id,
        customer_id=body.customer_id,
        purpose=body.purpose,
        note=body.note,
        actor=actor,
    )
    return BookingRead.of(booking)


@router.get("/appointments", response_model=BookingList)
def customer_appointments(
    db: Db,
    _actor: AnyActor,
    customer_id: Annotated[str, Query(min_length=1, max_length=36)],
    status: Annotated[BookingStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> BookingList:
    """A customer's bookings, newest first."""
    found = service.bookings_for_customer(db, customer_id, status=status, limit=limit)
    return BookingList(items=[BookingRead.of(b) for b in found])


@router.get("/appointments/{booking_id}", response_model=BookingRead)
def read_appointment(booking_id: str, db: Db, _actor: AnyActor) -> BookingRead:
    return BookingRead.of(service.get_booking(db, booking_id))


@router.post("/appointments/{booking_id}/reschedule", response_model=BookingRead)
def reschedule_appointment(
    booking_id: str, body: BookingReschedule, db: Db, actor: AnyActor
) -> BookingRead:
    """Move to another slot of the same kind; the old place is freed in the same step."""
    return BookingRead.of(service.reschedule(db, booking_id, slot_id=body.slot_id, actor=actor))


@router.post("/appointments/{booking_id}/cancel", response_model=BookingRead)
def cancel_appointment(
    booking_id: str, body: BookingCancel, db: Db, actor: AnyActor
) -> BookingRead:
    """Cancel and free the place; cancelling twice is a 409."""
    return BookingRead.of(service.cancel(db, booking_id, actor=actor, reason=body.reason))
