"""Calendars, slots and bookings: the rules. Never commits; every change records its event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from firstmile.appointments import events, schedule
from firstmile.appointments import repository as repo
from firstmile.appointments.errors import BookingNotActive, SlotFull
from firstmile.appointments.models import (
    Booking,
    BookingStatus,
    Calendar,
    CalendarKind,
    Purpose,
    Slot,
)
from firstmile.appointments.schemas import CalendarDefinition
from firstmile.auth.scopes import Actor
from firstmile.customers import repository as customers_repo
from firstmile.eventlog import service as eventlog_service
from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.time import utcnow

EXTEND_JOB = "appointments.slots_extended"
MAX_SLOTS = 500
MAX_AHEAD = timedelta(days=3660)


# -- calendars and slot generation -------------------------------------------------------


def calendars(db: Session, *, kind: CalendarKind | None = None) -> list[Calendar]:
    return repo.calendars(db, kind=kind)


def load_calendars(
    db: Session, *, pack: str, definitions: Sequence[CalendarDefinition], actor: Actor
) -> list[Calendar]:
    """Make `definitions` the calendars in force, then generate their slots.

    Calendars missing from the pack are deactivated (bookings keep pointing at them) and
    their future slots withdrawn; existing ones are updated in place by code.
    """
    wanted = {d.code: d for d in definitions}
    now = utcnow()
    deactivated = []
    for calendar in repo.calendars(db, active=True):
        if calendar.code not in wanted:
            calendar.active = False
            repo.withdraw_slots(db, calendar.id, since=now)
            deactivated.append(calendar.code)
    loaded = []
    for definition in definitions:
        calendar = repo.calendar_by_code(db, definition.code) or Calendar(code=definition.code)
        for name, value in vars(definition).items():
            setattr(calendar, name, value)
        calendar.pack, calendar.active = pack, True
        db.add(calendar)
        loaded.append(calendar)
    db.flush()
    eventlog_service.record(
        db,
        events.CALENDARS_LOADED,
        actor=actor.ref,
        payload={"pack": pack, "calendars": sorted(wanted), "deactivated": deactivated},
    )
    extend_slots(db, actor=actor)
    schedule_next_extension(db)
    return loaded


def _extend_one(db: Session, calendar: Calendar, days: int, now: datetime) -> tuple[int, int]:
    today = now.astimezone(ZoneInfo(calendar.timezone)).date()
    periods = [
        p
        for p in schedule.periods(
            calendar.rules,
            calendar.timezone,
            start=today,
            days=days,
            closed=calendar.closed_dates,
        )
        if p[0] > now
    ]
    repo.upsert_slots(db, calendar, periods)
    until = schedule.local_midnight(today + timedelta(days=days), calendar.timezone)
    withdrawn = repo.withdraw_slots(
        db, calendar.id, since=now, until=until, keep=[start for start, _ in periods]
    )
    return len(periods), withdrawn


def extend_slots(db: Session, *, actor: Actor, days: int | None = None) -> dict[str, int]:
    """Generate every active calendar's slots `days` ahead (default: its horizon).

    Idempotent: running it twice changes nothing; slots dropped from a schedule are
    withdrawn (closed) unless booked, never deleted, so bookings keep their slot.
    """
    if days is not None and not 1 <= days <= 366:
        raise InvalidInput("must be between 1 and 366", field="days")
    now = utcnow()
    active = repo.calendars(db, active=True)
    slots = withdrawn = 0
    for calendar in active:
        made, closed = _extend_one(db, calendar, days or calendar.horizon_days, now)
        slots, withdrawn = slots + made, withdrawn + closed
    summary = {
        "calendars": len(active),
        "slots": slots,
        "withdrawn": withdrawn,
        "days": days or max((c.horizon_days for c in active), default=0),
    }
    eventlog_service.record(db, events.SLOTS_EXTENDED, actor=actor.ref, payload=summary)
    return summary


def schedule_next_extension(db: Session) -> jobs.Job:
    """The next daily run (00:30 UTC tomorrow)."""
    return jobs.enqueue_tomorrow(db, EXTEND_JOB, after_midnight=timedelta(minutes=30))


# -- finding slots -----------------------------------------------------------------------


def area_for_postcode(db: Session, country: str, postcode: str) -> str | None:
    """The technician area whose longest postcode prefix matches; None if none covers it."""
    normal = "".join(postcode.split()).upper()
    best: tuple[int, str] | None = None
    for area in repo.technician_areas(db, country.upper()):
        for prefix in area.postcode_prefixes:
            if normal.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), area.code)
    return best[1] if best else None


def free_slots(
    db: Session,
    *,
    calendar_kind: CalendarKind | str | None,
    calendar_code: str | None = None,
    area: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Slot]:
    """Open, not yet full, future slots in [since, until), earliest first.

    `area` is a technician area's code (see `area_for_postcode`); it implies the
    technician kind. Each slot comes with its calendar loaded.
    """
    kind = _kind(calendar_kind)
    if area is not None:
        if kind not in (None, CalendarKind.TECHNICIAN):
            raise InvalidInput("an area applies to technician calendars only", field="area")
        if calendar_code not in (None, area):
            return []
        kind, calendar_code = CalendarKind.TECHNICIAN, area
    now = utcnow()
    if since is not None and since > now + MAX_AHEAD:
        raise InvalidInput("must be within ten years from now", field="since")
    if until is not None and since is not None and until <= since:
        raise InvalidInput("must be after since", field="until")
    start = max(since or now, now)
    end = until or start + timedelta(days=28)
    if not 1 <= limit <= MAX_SLOTS:
        raise InvalidInput(f"must be between 1 and {MAX_SLOTS}", field="limit")
    return repo.free_slots(
        db,
        kind=kind,
        calendar_code=calendar_code,
        since=start,
        until=end,
        limit=limit,
        offset=offset,
    )


def _kind(value: CalendarKind | str | None) -> CalendarKind | None:
    if value is None:
        return None
    try:
        return CalendarKind(value)
    except ValueError:
        raise InvalidInput(
            f"must be one of {', '.join(CalendarKind)}", field="calendar_kind"
        ) from None


# -- bookings ----------------------------------------------------------------------------


def get_booking(db: Session, booking_id: str) -> Booking:
    """The booking with its slot and calendar loaded."""
    found = repo.booking(db, booking_id)
    if found is None:
        raise NotFound("booking", booking_id)
    return found


def bookings_for_customer(
    db: Session, customer_id: str, *, status: BookingStatus | None = None, limit: int = 100
) -> list[Booking]:
    if customers_repo.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    return repo.bookings_of(db, customer_id, status=status, limit=limit)


def book(
    db: Session,
    *,
    slot_id: str,
    customer_id: str,
    purpose: Purpose | str,
    actor: Actor,
    note: str | None = None,
) -> Booking:
    """Hold a place in the slot for the customer; SlotFull (409) when no place is left.

    The place is taken by a conditional UPDATE, so concurrent requests never overbook.
    """
    reason = _purpose(purpose)
    if customers_repo.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    slot = _bookable_slot(db, slot_id)
    _not_already_there(db, slot.id, customer_id)
    if not repo.take_place(db, slot.id):
        raise SlotFull("the slot has no free place left", slot_id=slot.id)
    booking = Booking(
        customer_id=customer_id,
        purpose=reason,
        status=BookingStatus.BOOKED,
        note=note,
        booked_by=actor.ref,
    )
    booking.slot = slot
    _flush_booking(db, booking)
    db.expire(slot, ["booked"])
    _record(db, events.APPOINTMENT_BOOKED, booking, actor)
    return booking


def reschedule(db: Session, booking_id: str, *, slot_id: str, actor: Actor) -> Booking:
    """Move a booking: the new place is taken first, then the old one freed, atomically."""
    booking = _active_for_change(db, booking_id)
    old = booking.slot
    if slot_id == old.id:
        raise InvalidInput("the booking is already in this slot", field="slot_id")
    repo.lock_slots(db, [old.id, slot_id])
    new = _bookable_slot(db, slot_id)
    if new.calendar.kind != old.calendar.kind:
        raise InvalidInput(f"must be a slot of a {old.calendar.kind} calendar", field="slot_id")
    _not_already_there(db, new.id, booking.customer_id)
    if not repo.take_place(db, new.id):
        raise SlotFull("the slot has no free place left", slot_id=new.id)
    repo.release_place(db, old.id)
    booking.slot = new
    _flush_booking(db, booking)
    db.expire(old, ["booked"])
    db.expire(new, ["booked"])
    previous = {
        "previous_slot_id": old.id,
        "previous_starts_at": old.starts_at.isoformat(),
        "previous_ends_at": old.ends_at.isoformat(),
    }
    _record(db, events.APPOINTMENT_RESCHEDULED, booking, actor, extra=previous)
    return booking


def cancel(db: Session, booking_id: str, *, actor: Actor, reason: str | None = None) -> Booking:
    """Cancel and free the place, once: a second cancel is BookingNotActive (409)."""
    booking = _active_for_change(db, booking_id)
    repo.release_place(db, booking.slot_id)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at, booking.cancelled_by = utcnow(), actor.ref
    booking.cancel_reason = reason
    db.flush()
    db.expire(booking.slot, ["booked"])
    _record(db, events.APPOINTMENT_CANCELLED, booking, actor, extra={"reason": reason})
    return booking


def _purpose(value: Purpose | str) -> Purpose:
    try:
        return Purpose(value)
    except ValueError:
        raise InvalidInput(f"must be one of {', '.join(Purpose)}", field="purpose") from None


def _bookable_slot(db: Session, slot_id: str) -> Slot:
    slot = repo.slot_with_calendar(db, slot_id)
    if slot is None:
        raise NotFound("slot", slot_id)
    if slot.starts_at <= utcnow():
        raise InvalidInput("the slot has already begun; choose a future slot", field="slot_id")
    if not slot.open or not slot.calendar.active:
        raise Conflict("the slot was withdrawn from the calendar", slot_id=slot.id)
    return slot


def _not_already_there(db: Session, slot_id: str, customer_id: str) -> None:
    if repo.active_booking(db, slot_id=slot_id, customer_id=customer_id) is not None:
        raise Conflict("the customer already holds a booking in this slot", slot_id=slot_id)


def _active_for_change(db: Session, booking_id: str) -> Booking:
    """The booking, row-locked, still booked and not yet begun."""
    booking = repo.booking(db, booking_id, lock=True)
    if booking is None:
        raise NotFound("booking", booking_id)
    if booking.status != BookingStatus.BOOKED:
        raise BookingNotActive(f"the booking is {booking.status}", booking_id=booking.id)
    if booking.slot.starts_at <= utcnow():
        raise Conflict("the appointment has already begun", booking_id=booking.id)
    return booking


def _flush_booking(db: Session, booking: Booking) -> None:
    """Add and flush; a concurrent twin (same customer, same slot) becomes a Conflict."""
    from sqlalchemy.exc import IntegrityError

    db.add(booking)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        raise Conflict(
            "the customer already holds a booking in this slot", slot_id=booking.slot_id
        ) from None


def _record(
    db: Session,
    event_type: str,
    booking: Booking,
    actor: Actor,
    extra: dict[str, Any] | None = None,
) -> None:
    slot = booking.slot
    payload = {
        "booking_id": booking.id,
        "slot_id": slot.id,
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
        "calendar": slot.calendar.code,
        "calendar_kind": str(slot.calendar.kind),
        "purpose": str(booking.purpose),
        **(extra or {}),
    }
    eventlog_service.record(
        db,
        event_type,
        actor=actor.ref,
        customer_id=booking.customer_id,
        subject_id=booking.id,
        payload=payload,
    )


# -- the back office's calendar view -------------------------------------------------------


def calendar_by_code(db: Session, code: str) -> Calendar:
    found = repo.calendar_by_code(db, code)
    if found is None:
        raise NotFound("calendar", code)
    return found


def week_of(
    db: Session, calendar: Calendar, *, since: datetime, until: datetime
) -> tuple[list[Slot], list[Booking]]:
    """The calendar's slots in [since, until) (withdrawn ones too, as bookings may hold
    them) and their active bookings."""
    if until <= since or until - since > timedelta(days=31):
        raise InvalidInput("must be after since and at most 31 days later", field="until")
    slots = repo.slots_between(db, calendar.id, since=since, until=until)
    return slots, repo.bookings_in(db, [s.id for s in slots])


def bookings_count(db: Session, *, since: datetime, until: datetime) -> int:
    """How many appointments (active bookings, all calendars) start in [since, until)."""
    return repo.count_bookings_between(db, since=since, until=until)
