"""Every query of the appointments domain.

The `booked` counter of a slot changes only through `take_place` and `release_place`: one
conditional UPDATE each, whose row count says whether it happened. Concurrent requests
therefore cannot overbook: on PostgreSQL the second UPDATE waits for the first's row lock
and re-checks `booked < capacity` against the committed value; SQLite has one writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Insert, Table, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import contains_eager, joinedload

from firstmile.appointments.models import Booking, BookingStatus, Calendar, CalendarKind, Slot
from firstmile.appointments.schedule import Period
from firstmile.kit.db import Session


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def calendar_by_code(db: Session, code: str) -> Calendar | None:
    return db.scalar(select(Calendar).where(Calendar.code == code))


def calendars(
    db: Session, *, kind: CalendarKind | None = None, active: bool | None = True
) -> list[Calendar]:
    stmt = select(Calendar).order_by(Calendar.kind, Calendar.code)
    if kind is not None:
        stmt = stmt.where(Calendar.kind == kind)
    if active is not None:
        stmt = stmt.where(Calendar.active.is_(active))
    return list(db.scalars(stmt))


def technician_areas(db: Session, country: str) -> list[Calendar]:
    return list(
        db.scalars(
            select(Calendar).where(
                Calendar.kind == CalendarKind.TECHNICIAN,
                Calendar.country == country,
                Calendar.active.is_(True),
            )
        )
    )


def _insert(db: Session) -> Any:
    dialect = db.get_bind().dialect.name
    table = Slot.__table__
    assert isinstance(table, Table)
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def upsert_slots(db: Session, calendar: Calendar, periods: Sequence[Period]) -> None:
    """Create the missing slots; reopen existing ones with the calendar's capacity.

    Idempotent and safe against a concurrent generator (ON CONFLICT on calendar+start).
    Capacity never drops below what is already booked.
    """
    if not periods:
        return
    stmt = _insert(db)
    stmt = stmt.on_conflict_do_update(
        index_elements=["calendar_id", "starts_at"],
        set_={
            "ends_at": stmt.excluded.ends_at,
            "open": True,
            "capacity": case(
                (Slot.__table__.c.booked > stmt.excluded.capacity, Slot.__table__.c.booked),
                else_=stmt.excluded.capacity,
            ),
        },
    )
    rows = [
        {
            "calendar_id": calendar.id,
            "starts_at": start,
            "ends_at": end,
            "capacity": calendar.capacity,
            "booked": 0,
            "open": True,
        }
        for start, end in periods
    ]
    db.execute(cast(Insert, stmt), rows)


def withdraw_slots(
    db: Session,
    calendar_id: str,
    *,
    since: datetime,
    until: datetime | None = None,
    keep: Sequence[datetime] = (),
) -> int:
    """Close the calendar's open slots starting in [since, until) except those in `keep`."""
    stmt = update(Slot).where(
        Slot.calendar_id == calendar_id, Slot.starts_at >= since, Slot.open.is_(True)
    )
    if until is not None:
        stmt = stmt.where(Slot.starts_at < until)
    if keep:
        stmt = stmt.where(Slot.starts_at.not_in(list(keep)))
    result = db.execute(stmt.values(open=False).execution_options(synchronize_session=False))
    return _rowcount(result)


def slot_with_calendar(db: Session, slot_id: str) -> Slot | None:
    return db.scalar(
        select(Slot)
        .join(Slot.calendar)
        .options(contains_eager(Slot.calendar))
        .where(Slot.id == slot_id)
        .execution_options(populate_existing=True)
    )


def take_place(db: Session, slot_id: str) -> bool:
    """Hold one place in an open slot if one is free; False when it is full or closed."""
    result = db.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.open.is_(True), Slot.booked < Slot.capacity)
        .values(booked=Slot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def release_place(db: Session, slot_id: str) -> bool:
    result = db.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked > 0)
        .values(booked=Slot.booked - 1)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def free_slots(
    db: Session,
    *,
    kind: CalendarKind | None,
    calendar_code: str | None,
    since: datetime,
    until: datetime,
    limit: int,
    offset: int = 0,
) -> list[Slot]:
    stmt = (
        select(Slot)
        .join(Slot.calendar)
        .options(contains_eager(Slot.calendar))
        .where(
            Calendar.active.is_(True),
            Slot.open.is_(True),
            Slot.booked < Slot.capacity,
            Slot.starts_at >= since,
            Slot.starts_at < until,
        )
        .order_by(Slot.starts_at, Calendar.code)
        .limit(limit)
        .offset(offset)
    )
    if kind is not None:
        stmt = stmt.where(Calendar.kind == kind)
    if calendar_code is not None:
        stmt = stmt.where(Calendar.code == calendar_code)
    return list(db.scalars(stmt))


def _with_slot() -> Any:
    return joinedload(Booking.slot, innerjoin=True).joinedload(Slot.calendar, innerjoin=True)


def booking(db: Session, booking_id: str, *, lock: bool = False) -> Booking | None:
    """A booking with its slot and calendar; `lock` holds its row until the transaction ends.

    The row is locked on its own, then read with the join: a join locked at once lost a
    booking that a concurrent reschedule moved (PostgreSQL re-checks the joined old slot
    against the moved row and returns nothing)."""
    if (
        lock
        and db.scalar(select(Booking.id).where(Booking.id == booking_id).with_for_update()) is None
    ):
        return None
    stmt = (
        select(Booking)
        .options(_with_slot())
        .where(Booking.id == booking_id)
        .execution_options(populate_existing=True)
    )
    return db.scalar(stmt)


def active_booking(db: Session, *, slot_id: str, customer_id: str) -> Booking | None:
    return db.scalar(
        select(Booking).where(
            Booking.slot_id == slot_id,
            Booking.customer_id == customer_id,
            Booking.status == BookingStatus.BOOKED,
        )
    )


def bookings_of(
    db: Session, customer_id: str, *, status: BookingStatus | None = None, limit: int = 100
) -> list[Booking]:
    stmt = (
        select(Booking)
        .options(_with_slot())
        .where(Booking.customer_id == customer_id)
        .order_by(Booking.created_at.desc(), Booking.id)
        .limit(limit)
    )
    if status is not None:
        stmt = stmt.where(Booking.status == status)
    return list(db.scalars(stmt))


def lock_slots(db: Session, slot_ids: Sequence[str]) -> None:
    """Row-lock slots in id order, so two moves between the same slots cannot deadlock."""
    db.execute(
        select(Slot.id).where(Slot.id.in_(list(slot_ids))).order_by(Slot.id).with_for_update()
    )


def slots_between(db: Session, calendar_id: str, *, since: datetime, until: datetime) -> list[Slot]:
    """Every slot of the calendar starting in [since, until), open or withdrawn, booked or
    not, earliest first, each with its calendar."""
    return list(
        db.scalars(
            select(Slot)
            .join(Slot.calendar)
            .options(contains_eager(Slot.calendar))
            .where(Slot.calendar_id == calendar_id, Slot.starts_at >= since, Slot.starts_at < until)
            .order_by(Slot.starts_at)
        )
    )


def bookings_in(db: Session, slot_ids: Sequence[str]) -> list[Booking]:
    """The active bookings of those slots, each with its slot and calendar."""
    if not slot_ids:
        return []
    return list(
        db.scalars(
            select(Booking)
            .options(_with_slot())
            .where(Booking.slot_id.in_(list(slot_ids)), Booking.status == BookingStatus.BOOKED)
            .order_by(Booking.created_at, Booking.id)
        )
    )


def count_bookings_between(db: Session, *, since: datetime, until: datetime) -> int:
    """Active bookings whose slot starts in [since, until), in every calendar."""
    stmt = (
        select(func.count())
        .select_from(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.status == BookingStatus.BOOKED,
            Slot.starts_at >= since,
            Slot.starts_at < until,
        )
    )
    return db.scalar(stmt) or 0
