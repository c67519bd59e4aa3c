"""Event types the appointments domain records."""

from firstmile.eventlog.catalogue import declare

_BOOKING = {
    "booking_id": "the booking",
    "slot_id": "the slot it holds",
    "starts_at": "slot start, ISO 8601 UTC",
    "ends_at": "slot end, ISO 8601 UTC",
    "calendar": "calendar code (agent calendar or technician area)",
    "calendar_kind": "sales, care or technician",
    "purpose": "registration, consultation, installation or repair",
}

APPOINTMENT_BOOKED = declare(
    "appointment.booked",
    "A customer's appointment was booked in a free slot of an agent's or technician calendar.",
    subject="booking",
    payload=_BOOKING,
)
APPOINTMENT_RESCHEDULED = declare(
    "appointment.rescheduled",
    "A booked appointment moved to another slot; the old slot's place was freed.",
    subject="booking",
    payload={
        **_BOOKING,
        "previous_slot_id": "the slot it left",
        "previous_starts_at": "the old start, ISO 8601 UTC",
        "previous_ends_at": "the old end, ISO 8601 UTC",
    },
)
APPOINTMENT_CANCELLED = declare(
    "appointment.cancelled",
    "A booked appointment was cancelled and its place freed.",
    subject="booking",
    payload={**_BOOKING, "reason": "why, as given (may be null)"},
)
CALENDARS_LOADED = declare(
    "appointments.calendars_loaded",
    "The pack's agent calendars and technician areas replaced those in force; calendars no "
    "longer in the pack were deactivated and their future slots withdrawn.",
    subject="calendar",
    payload={
        "pack": "code of the operator pack",
        "calendars": "codes of the calendars in force",
        "deactivated": "codes of calendars no longer in the pack",
    },
)
SLOTS_EXTENDED = declare(
    "appointments.slots_extended",
    "Slots were generated (idempotently) up to each active calendar's horizon.",
    subject="calendar",
    payload={
        "calendars": "number of active calendars",
        "slots": "number of future slots in their schedules (new or already there)",
        "withdrawn": "future free slots no longer in a schedule",
        "days": "days ahead covered",
    },
)
