"""What the appointments API reads and answers, and the calendar definitions packs produce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from firstmile.appointments.models import (
    Booking,
    BookingStatus,
    CalendarKind,
    Purpose,
    Slot,
)

Id = Field(min_length=1, max_length=36)


@dataclass(frozen=True)
class CalendarDefinition:
    """One calendar as a pack defines it; the columns of `Calendar` minus identity."""

    code: str
    kind: CalendarKind
    name: dict[str, str]
    languages: list[str]
    timezone: str
    country: str
    postcode_prefixes: list[str]
    capacity: int
    horizon_days: int
    rules: dict[str, Any]
    closed_dates: list[str]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BookingCreate(_Input):
    slot_id: str = Id
    customer_id: str = Id
    purpose: Purpose
    note: str | None = Field(default=None, max_length=2000)


class BookingReschedule(_Input):
    slot_id: str = Id


class BookingCancel(_Input):
    reason: str = Field(min_length=1, max_length=500)


class CalendarRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    kind: CalendarKind
    name: dict[str, str]
    languages: list[str]
    timezone: str
    country: str
    postcode_prefixes: list[str]
    capacity: int


class CalendarList(BaseModel):
    items: list[CalendarRead]


class SlotRead(BaseModel):
    id: str
    calendar: str
    calendar_kind: CalendarKind
    starts_at: datetime
    ends_at: datetime
    capacity: int
    free: int

    @classmethod
    def of(cls, slot: Slot) -> SlotRead:
        """Needs `slot.calendar` loaded."""
        return cls(
            id=slot.id,
            calendar=slot.calendar.code,
            calendar_kind=slot.calendar.kind,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            capacity=slot.capacity,
            free=slot.free,
        )


class SlotPage(BaseModel):
    items: list[SlotRead]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page; null on the last")


class BookingRead(BaseModel):
    id: str
    status: BookingStatus
    purpose: Purpose
    customer_id: str
    note: str | None
    slot: SlotRead
    booked_by: str
    created_at: datetime
    cancelled_at: datetime | None
    cancelled_by: str | None
    cancel_reason: str | None

    @classmethod
    def of(cls, booking: Booking) -> BookingRead:
        """Needs `booking.slot` and its calendar loaded."""
        return cls(
            id=booking.id,
            status=booking.status,
            purpose=booking.purpose,
            customer_id=booking.customer_id,
            note=booking.note,
            slot=SlotRead.of(booking.slot),
            booked_by=booking.booked_by,
            created_at=booking.created_at,
            cancelled_at=booking.cancelled_at,
            cancelled_by=booking.cancelled_by,
            cancel_reason=booking.cancel_reason,
        )


class BookingList(BaseModel):
    items: list[BookingRead]
