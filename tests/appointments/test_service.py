from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from firstmile.appointments import service
from firstmile.appointments.errors import BookingNotActive, SlotFull
from firstmile.appointments.models import BookingStatus, CalendarKind, Slot
from firstmile.auth.scopes import SYSTEM
from firstmile.eventlog.models import Event
from firstmile.kit import time as clock
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.time import utcnow
from tests.factories import appointments as f


def _booked(db: Session, slot: Slot) -> int:
    db.expire_all()
    return db.get_one(Slot, slot.id).booked


def test_book_takes_a_place_and_records_the_event(db: Session) -> None:
    slot = f.slot(db, f.calendar(db))
    who = f.customer(db)
    booking = service.book(
        db, slot_id=slot.id, customer_id=who.id, purpose="registration", actor=SYSTEM, note="hi"
    )
    assert booking.status == BookingStatus.BOOKED
    assert _booked(db, slot) == 1
    event = db.scalars(select(Event).where(Event.type == "appointment.booked")).one()
    assert event.customer_id == who.id
    assert event.payload["booking_id"] == booking.id
    assert event.payload["calendar"] == "sales-test"
    assert event.payload["purpose"] == "registration"


def test_full_slot_refuses_another_booking(db: Session) -> None:
    slot = f.slot(db, f.calendar(db))
    f.booking(db, slot)
    with pytest.raises(SlotFull):
        f.booking(db, slot)
    assert _booked(db, slot) == 1


def test_past_slot_cannot_be_booked(db: Session) -> None:
    slot = f.slot(db, f.calendar(db), starts_at=utcnow() - timedelta(minutes=5))
    with pytest.raises(InvalidInput) as caught:
        f.booking(db, slot)
    assert caught.value.field == "slot_id"


def test_unknown_slot_is_not_found(db: Session) -> None:
    who = f.customer(db)
    with pytest.raises(NotFound):
        service.book(db, slot_id="nope", customer_id=who.id, purpose="repair", actor=SYSTEM)


def test_unknown_customer_is_not_found(db: Session) -> None:
    slot = f.slot(db, f.calendar(db))
    with pytest.raises(NotFound):
        service.book(db, slot_id=slot.id, customer_id="nobody", purpose="repair", actor=SYSTEM)


def test_unknown_purpose_names_the_field(db: Session) -> None:
    slot = f.slot(db, f.calendar(db))
    who = f.customer(db)
    with pytest.raises(InvalidInput) as caught:
        service.book(db, slot_id=slot.id, customer_id=who.id, purpose="party", actor=SYSTEM)
    assert caught.value.field == "purpose"


def test_customer_cannot_hold_two_bookings_in_one_slot(db: Session) -> None:
    slot = f.slot(db, f.calendar(db, capacity=3))
    who = f.customer(db)
    f.booking(db, slot, customer_row=who)
    with pytest.raises(Conflict):
        f.booking(db, slot, customer_row=who)
    assert _booked(db, slot) == 1


def test_customer_may_book_again_after_cancelling(db: Session) -> None:
    slot = f.slot(db, f.calendar(db))
    who = f.customer(db)
    first = f.booking(db, slot, customer_row=who)
    service.cancel(db, first.id, actor=SYSTEM)
    again = f.booking(db, slot, customer_row=who)
    assert again.id != first.id
    assert _booked(db, slot) == 1


def test_withdrawn_slot_cannot_be_booked(db: Session) -> None:
    slot = f.slot(db, f.calendar(db), open=False)
    with pytest.raises(Conflict):
        f.booking(db, slot)


def test_reschedule_takes_the_new_place_and_frees_the_old(db: Session) -> None:
    cal = f.calendar(db)
    old = f.slot(db, cal)
    new = f.slot(db, cal, starts_at=old.starts_at + timedelta(hours=1))
    booking = f.booking(db, old)
    moved = service.reschedule(db, booking.id, slot_id=new.id, actor=SYSTEM)
    assert moved.slot_id == new.id
    assert (_booked(db, old), _booked(db, new)) == (0, 1)
    event = db.scalars(select(Event).where(Event.type == "appointment.rescheduled")).one()
    assert event.payload["previous_slot_id"] == old.id
    assert event.payload["slot_id"] == new.id


def test_reschedule_into_a_full_slot_keeps_the_booking(db: Session) -> None:
    cal = f.calendar(db)
    old, full = f.slot(db, cal), f.slot(db, cal, starts_at=utcnow() + timedelta(days=2))
    booking = f.booking(db, old)
    f.booking(db, full)
    db.commit()
    with pytest.raises(SlotFull):
        service.reschedule(db, booking.id, slot_id=full.id, actor=SYSTEM)
    db.rollback()
    assert service.get_booking(db, booking.id).slot_id == old.id
    assert _booked(db, old) == 1


def test_booking_cannot_be_moved_into_the_past(db: Session) -> None:
    cal = f.calendar(db)
    booking = f.booking(db, f.slot(db, cal))
    past = f.slot(db, cal, starts_at=utcnow() - timedelta(hours=1))
    with pytest.raises(InvalidInput) as caught:
        service.reschedule(db, booking.id, slot_id=past.id, actor=SYSTEM)
    assert caught.value.field == "slot_id"


def test_booking_cannot_move_to_another_kind_of_calendar(db: Session) -> None:
    booking = f.booking(db, f.slot(db, f.calendar(db)))
    area = f.calendar(db, code="praha", kind=CalendarKind.TECHNICIAN, postcode_prefixes=["1"])
    with pytest.raises(InvalidInput) as caught:
        service.reschedule(db, booking.id, slot_id=f.slot(db, area).id, actor=SYSTEM)
    assert caught.value.field == "slot_id"


def test_cancel_frees_the_place_once(db: Session) -> None:
    slot = f.slot(db, f.calendar(db, capacity=2))
    booking = f.booking(db, slot)
    f.booking(db, slot)
    cancelled = service.cancel(db, booking.id, actor=SYSTEM, reason="ill")
    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.cancel_reason == "ill"
    with pytest.raises(BookingNotActive):
        service.cancel(db, booking.id, actor=SYSTEM)
    assert _booked(db, slot) == 1


def test_cancelled_booking_cannot_be_rescheduled(db: Session) -> None:
    cal = f.calendar(db)
    booking = f.booking(db, f.slot(db, cal))
    service.cancel(db, booking.id, actor=SYSTEM)
    later = f.slot(db, cal, starts_at=utcnow() + timedelta(days=3))
    with pytest.raises(BookingNotActive):
        service.reschedule(db, booking.id, slot_id=later.id, actor=SYSTEM)


def test_appointment_that_has_begun_cannot_be_cancelled(db: Session) -> None:
    slot = f.slot(db, f.calendar(db), starts_at=utcnow() + timedelta(minutes=10))
    booking = f.booking(db, slot)
    clock.travel(timedelta(minutes=15))
    with pytest.raises(Conflict):
        service.cancel(db, booking.id, actor=SYSTEM)


def test_free_slots_leave_out_full_past_and_withdrawn_slots(db: Session) -> None:
    cal = f.calendar(db)
    now = utcnow()
    free = f.slot(db, cal, starts_at=now + timedelta(hours=5))
    f.booking(db, f.slot(db, cal, starts_at=now + timedelta(hours=6)))
    f.slot(db, cal, starts_at=now - timedelta(hours=1))
    f.slot(db, cal, starts_at=now + timedelta(hours=7), open=False)
    found = service.free_slots(db, calendar_kind="sales", since=now - timedelta(days=1))
    assert [s.id for s in found] == [free.id]


def test_free_slots_of_an_area_are_that_area_only(db: Session) -> None:
    praha = f.calendar(db, code="praha", kind=CalendarKind.TECHNICIAN, postcode_prefixes=["1"])
    brno = f.calendar(db, code="brno", kind=CalendarKind.TECHNICIAN, postcode_prefixes=["6"])
    mine = f.slot(db, praha)
    f.slot(db, brno)
    found = service.free_slots(db, calendar_kind=None, area="praha")
    assert [s.id for s in found] == [mine.id]


def test_area_belongs_to_technician_calendars(db: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.free_slots(db, calendar_kind="care", area="praha")
    assert caught.value.field == "area"


def test_area_for_postcode_takes_the_longest_prefix(db: Session) -> None:
    f.calendar(db, code="praha", kind=CalendarKind.TECHNICIAN, postcode_prefixes=["1", "25"])
    f.calendar(db, code="kladno", kind=CalendarKind.TECHNICIAN, postcode_prefixes=["27"])
    f.calendar(db, code="praha-east", kind=CalendarKind.TECHNICIAN, postcode_prefixes=["19"])
    assert service.area_for_postcode(db, "CZ", "110 00") == "praha"
    assert service.area_for_postcode(db, "cz", "190 00") == "praha-east"
    assert service.area_for_postcode(db, "CZ", "272 01") == "kladno"
    assert service.area_for_postcode(db, "CZ", "602 00") is None
    assert service.area_for_postcode(db, "SE", "110 00") is None
