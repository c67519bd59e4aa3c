"""Calendars, their slots and the bookings made in them (TMF646 Appointment vocabulary).

One mechanism serves both uses: an agent's calendar (kind `sales` or `care`) and a technician
area's crews (kind `technician`, its code is the area code). A slot's `booked` counter is only
ever changed by conditional UPDATEs (see repository.take_place), never read-modify-written.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from firstmile.kit.db import Base, IdMixin, TimestampMixin


class CalendarKind(StrEnum):
    SALES = "sales"
    CARE = "care"
    TECHNICIAN = "technician"


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class Purpose(StrEnum):
    REGISTRATION = "registration"
    CONSULTATION = "consultation"
    INSTALLATION = "installation"
    REPAIR = "repair"


class Calendar(IdMixin, TimestampMixin, Base):
    """An agent's or a technician area's calendar, as the pack defines it.

    `rules` holds the weekly schedule the slots are generated from:
    `{"weekdays": {"1": [["09:00", "12:00"], ...], ...}, "slot_minutes": 30 | null}`
    (ISO weekdays; a null slot length makes every window one slot).
    """

    __tablename__ = "appointment_calendars"

    code: Mapped[str] = mapped_column(String(60), unique=True)
    pack: Mapped[str] = mapped_column(String(40))
    kind: Mapped[CalendarKind] = mapped_column(String(16), index=True)
    name: Mapped[dict[str, Any]] = mapped_column(JSON)  # {locale: text}
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    postcode_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int]
    horizon_days: Mapped[int]
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    closed_dates: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates, local
    active: Mapped[bool] = mapped_column(default=True)


class Slot(IdMixin, Base):
    """A bookable period of one calendar with room for `capacity` bookings."""

    __tablename__ = "appointment_slots"
    __table_args__ = (
        UniqueConstraint("calendar_id", "starts_at"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        Index("ix_appointment_slots_starts_at", "starts_at"),
    )

    calendar_id: Mapped[str] = mapped_column(ForeignKey("appointment_calendars.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)
    open: Mapped[bool] = mapped_column(default=True)  # false: withdrawn from the schedule

    calendar: Mapped[Calendar] = relationship(lazy="raise")

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0) if self.open else 0


class Booking(IdMixin, TimestampMixin, Base):
    """A customer's appointment in a slot; its history is in the event log."""

    __tablename__ = "appointment_bookings"
    __table_args__ = (
        # one active booking per customer and slot; cancelled ones may repeat
        Index(
            "uq_appointment_bookings_active",
            "slot_id",
            "customer_id",
            unique=True,
            postgresql_where=text("status = 'booked'"),
            sqlite_where=text("status = 'booked'"),
        ),
    )

    slot_id: Mapped[str] = mapped_column(ForeignKey("appointment_slots.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    purpose: Mapped[Purpose] = mapped_column(String(20))
    status: Mapped[BookingStatus] = mapped_column(String(16), default=BookingStatus.BOOKED)
    note: Mapped[str | None] = mapped_column(Text)
    booked_by: Mapped[str] = mapped_column(String(120))
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(120))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    slot: Mapped[Slot] = relationship(lazy="raise")
