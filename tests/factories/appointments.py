"""Small builders for appointments tests: customers, calendars, slots, bookings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from firstmile.appointments import service
from firstmile.appointments.models import Booking, Calendar, CalendarKind, Purpose, Slot
from firstmile.auth.scopes import SYSTEM
from firstmile.customers.models import Customer, CustomerKind
from firstmile.kit.time import utcnow

NAMES = {"en": "Test", "ja": "テスト", "cs": "Test", "sv": "Test", "ar": "اختبار"}
EVERY_DAY = {str(d): [["09:00", "10:00"]] for d in range(1, 8)}


def customer(db: Session, **overrides: Any) -> Customer:
    values: dict[str, Any] = {
        "kind": CustomerKind.INDIVIDUAL,
        "given_name": "Eva",
        "family_name": "Nováková",
        "country": "CZ",
    }
    row = Customer(**(values | overrides))
    db.add(row)
    db.flush()
    return row


def calendar(db: Session, **overrides: Any) -> Calendar:
    values: dict[str, Any] = {
        "code": "sales-test",
        "pack": "test",
        "kind": CalendarKind.SALES,
        "name": NAMES,
        "languages": ["cs", "en"],
        "timezone": "Europe/Prague",
        "country": "CZ",
        "postcode_prefixes": [],
        "capacity": 1,
        "horizon_days": 7,
        "rules": {"weekdays": EVERY_DAY, "slot_minutes": 30},
        "closed_dates": [],
    }
    row = Calendar(**(values | overrides))
    db.add(row)
    db.flush()
    return row


def slot(
    db: Session,
    cal: Calendar,
    *,
    starts_at: datetime | None = None,
    minutes: int = 30,
    capacity: int | None = None,
    **overrides: Any,
) -> Slot:
    start = starts_at or utcnow().replace(microsecond=0) + timedelta(days=1)
    row = Slot(
        calendar_id=cal.id,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        capacity=cal.capacity if capacity is None else capacity,
        **overrides,
    )
    db.add(row)
    db.flush()
    return row


def booking(
    db: Session, slot_row: Slot, *, customer_row: Customer | None = None, **overrides: Any
) -> Booking:
    values: dict[str, Any] = {"purpose": Purpose.REGISTRATION, "actor": SYSTEM}
    who = customer_row or customer(db)
    return service.book(db, slot_id=slot_row.id, customer_id=who.id, **(values | overrides))
