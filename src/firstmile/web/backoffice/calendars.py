"""Appointment calendars: sales and care agents' calendars and the technicians' areas, a
week of one calendar with its slots and bookings, and booking, moving and cancelling an
appointment for a customer. Times show in the calendar's own time zone.

A booking starts from a customer (`?customer=<id>`, from the customer page or the search on
this page); a move from a booking (`?move=<booking id>`): the week then offers its free
slots for it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.appointments import service as appointments_service
from firstmile.appointments.models import Booking, BookingStatus, Calendar, Purpose, Slot
from firstmile.customers import repository as customers_repository
from firstmile.customers.models import Customer
from firstmile.kit.db import Session
from firstmile.kit.errors import FirstmileError, InvalidInput
from firstmile.kit.http import Db
from firstmile.kit.i18n import pick
from firstmile.kit.time import utcnow
from firstmile.web import locale as web_locale
from firstmile.web.backoffice.common import Translate, field_errors, local_midnight, page
from firstmile.web.backoffice.common import week_start as monday_of
from firstmile.web.backoffice.customer_search import find_customers
from firstmile.web.pages import AgentUser, PageRoute, redirect, translator

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]
Id = Annotated[str, Form(max_length=36)]
Week = Annotated[str, Form(max_length=10)]


def _notices(_: Translate) -> dict[str, str]:
    return {
        "booked": _("The appointment is booked."),
        "moved": _("The appointment was moved."),
        "cancelled": _("The appointment was cancelled."),
    }


def purposes(_: Translate) -> list[tuple[str, str]]:
    names = {
        Purpose.REGISTRATION: _("Registration"),
        Purpose.CONSULTATION: _("Consultation"),
        Purpose.INSTALLATION: _("Installation"),
        Purpose.REPAIR: _("Repair"),
    }
    return [(str(p), names[p]) for p in Purpose]


def kinds(_: Translate) -> dict[str, str]:
    return {"sales": _("Sales"), "care": _("Customer care"), "technician": _("Technicians")}


@router.get("/backoffice/calendars", response_class=HTMLResponse)
def calendars(
    request: Request,
    db: Db,
    _staff: AgentUser,
    customer: Annotated[str | None, Query(max_length=36)] = None,
) -> HTMLResponse:
    _ = translator(request.state.locale)
    rows = [
        {"calendar": c, "name": pick(c.name, request.state.locale)}
        for c in appointments_service.calendars(db)
    ]
    chosen = customers_repository.find(db, customer) if customer else None
    context = {"rows": rows, "kinds": kinds(_), "customer_for": chosen}
    return page(request, db, "backoffice/calendars.html", context)


def _days(
    request: Request, calendar: Calendar, monday: date, slots: list[Slot], bookings: list[Booking]
) -> list[dict[str, Any]]:
    formats = web_locale.Formats(request.state.locale, calendar.timezone)
    by_slot: dict[str, list[Booking]] = {}
    for booking in bookings:
        by_slot.setdefault(booking.slot_id, []).append(booking)
    days: list[dict[str, Any]] = [
        {"date": monday + timedelta(days=i), "slots": []} for i in range(7)
    ]
    now = utcnow()
    for slot in slots:
        local = slot.starts_at.astimezone(formats.tz).date()
        days[(local - monday).days]["slots"].append(
            {
                "slot": slot,
                "starts": formats.time(slot.starts_at),
                "ends": formats.time(slot.ends_at),
                "bookings": by_slot.get(slot.id, []),
                "bookable": slot.free > 0 and slot.starts_at > now,
                "future": slot.starts_at > now,
            }
        )
    return days


def _week_context(
    request: Request,
    db: Session,
    code: str,
    week: str | None,
    *,
    customer: str | None = None,
    move: str | None = None,
    q: str | None = None,
) -> dict[str, Any]:
    _ = translator(request.state.locale)
    calendar = appointments_service.calendar_by_code(db, code)
    monday = monday_of(week, calendar.timezone)
    since = local_midnight(monday, calendar.timezone)
    until = local_midnight(monday + timedelta(days=7), calendar.timezone)
    slots, bookings = appointments_service.week_of(db, calendar, since=since, until=until)
    moving = appointments_service.get_booking(db, move) if move else None
    if moving is not None and moving.status != BookingStatus.BOOKED:
        raise InvalidInput("only a booked appointment can be moved", field="move")
    customers: dict[str, Customer | None] = {
        cid: customers_repository.find(db, cid) for cid in {b.customer_id for b in bookings}
    }
    chosen = customers_repository.find(db, customer) if customer else None
    found = find_customers(db, q)[0] if q else []
    return {
        "calendar": calendar,
        "calendar_name": pick(calendar.name, request.state.locale),
        "kinds": kinds(_),
        "monday": monday,
        "week": monday.isoformat(),
        "previous_week": (monday - timedelta(days=7)).isoformat(),
        "next_week": (monday + timedelta(days=7)).isoformat(),
        "days": _days(request, calendar, monday, slots, bookings),
        "customers": customers,
        "customer_for": chosen,
        "moving": moving
        if moving is not None and moving.slot.calendar.kind == calendar.kind
        else None,
        "found": found,
        "q": q or "",
        "purposes": purposes(_),
        "purpose_names": dict(purposes(_)),
        "errors": {},
    }


@router.get("/backoffice/calendars/{code}", response_class=HTMLResponse)
def week_view(
    code: str,
    request: Request,
    db: Db,
    _staff: AgentUser,
    week: Annotated[str | None, Query(max_length=10)] = None,
    customer: Annotated[str | None, Query(max_length=36)] = None,
    move: Annotated[str | None, Query(max_length=36)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    _ = translator(request.state.locale)
    try:
        context = _week_context(request, db, code, week, customer=customer, move=move, q=q)
    except InvalidInput as exc:
        if exc.field != "q":
            raise
        context = _week_context(request, db, code, week, customer=customer, move=move)
        context |= {"q": q, "errors": field_errors(exc, "q")}
        return page(request, db, "backoffice/calendar_week.html", context, status=422)
    return page(request, db, "backoffice/calendar_week.html", context, notices=_notices(_))


def _refused(
    request: Request, db: Session, code: str, week: str, exc: FirstmileError, **query: str
) -> HTMLResponse:
    """The week again, with what the service refused (a form field, or the slot's state)."""
    context = _week_context(request, db, code, week or None, **query)
    context["errors"] = field_errors(exc, "slot_id")
    return page(request, db, "backoffice/calendar_week.html", context, status=exc.status_code)


@router.post("/backoffice/calendars/{code}/bookings")
def book(
    code: str,
    request: Request,
    db: Db,
    staff: AgentUser,
    slot_id: Id = "",
    customer_id: Id = "",
    purpose: Annotated[str, Form(max_length=20)] = "",
    note: Text = "",
    week: Week = "",
) -> Response:
    try:
        appointments_service.book(
            db,
            slot_id=slot_id,
            customer_id=customer_id,
            purpose=purpose,
            note=note.strip() or None,
            actor=staff.actor,
        )
    except InvalidInput as exc:
        db.rollback()
        return _refused(request, db, code, week, exc, customer=customer_id)
    return redirect(request, f"/backoffice/calendars/{code}?week={week}&done=booked")


@router.post("/backoffice/appointments/{booking_id}/reschedule")
def reschedule(
    booking_id: str,
    request: Request,
    db: Db,
    staff: AgentUser,
    slot_id: Id = "",
    week: Week = "",
) -> Response:
    booking = appointments_service.get_booking(db, booking_id)
    code = booking.slot.calendar.code
    try:
        moved = appointments_service.reschedule(db, booking_id, slot_id=slot_id, actor=staff.actor)
    except InvalidInput as exc:
        db.rollback()
        return _refused(request, db, code, week, exc, move=booking_id)
    target = moved.slot.calendar.code
    return redirect(request, f"/backoffice/calendars/{target}?week={week}&done=moved")


@router.post("/backoffice/appointments/{booking_id}/cancel")
def cancel(
    booking_id: str,
    request: Request,
    db: Db,
    staff: AgentUser,
    reason: Annotated[str, Form(max_length=500)] = "",
    week: Week = "",
) -> Response:
    booking = appointments_service.get_booking(db, booking_id)
    code = booking.slot.calendar.code
    if not reason.strip():
        _ = translator(request.state.locale)
        context = _week_context(request, db, code, week or None)
        context["errors"] = {f"cancel_{booking_id}": _("Please write the reason.")}
        return page(request, db, "backoffice/calendar_week.html", context, status=422)
    appointments_service.cancel(db, booking_id, actor=staff.actor, reason=reason.strip())
    return redirect(request, f"/backoffice/calendars/{code}?week={week}&done=cancelled")
