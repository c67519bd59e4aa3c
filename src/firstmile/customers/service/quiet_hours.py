"""The customer's own quiet hours, which messaging routing honours instead of the pack's."""

from __future__ import annotations

from datetime import time

from firstmile.auth.scopes import Actor
from firstmile.customers import events
from firstmile.customers.models import Customer
from firstmile.customers.schemas import QuietHoursUpdate
from firstmile.customers.service.registration import get_customer
from firstmile.eventlog import service as eventlog_service
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput


def set_quiet_hours(
    db: Session, customer_id: str, data: QuietHoursUpdate, *, actor: Actor
) -> Customer:
    """Set both times, or clear both (the pack's quiet hours apply again).

    InvalidInput when only one time is given, or both are the same (a window of no length
    or of the whole day: neither is meant)."""
    if (data.start is None) != (data.end is None):
        field = "end" if data.end is None else "start"
        raise InvalidInput("give both the start and the end, or neither", field=field)
    start, end = _minute(data.start), _minute(data.end)
    if start is not None and start == end:
        raise InvalidInput("the end must differ from the start", field="end")
    customer = get_customer(db, customer_id)
    if (customer.quiet_hours_start, customer.quiet_hours_end) == (start, end):
        return customer
    customer.quiet_hours_start, customer.quiet_hours_end = start, end
    db.flush()
    eventlog_service.record(
        db,
        events.CUSTOMER_UPDATED,
        actor=actor.ref,
        customer_id=customer.id,
        subject_id=customer.id,
        payload={"fields": ["quiet_hours"]},
    )
    return customer


def _minute(value: time | None) -> time | None:
    """Local wall-clock minutes: seconds and any UTC offset are dropped."""
    return value.replace(second=0, microsecond=0, tzinfo=None) if value is not None else None
