"""Booking an appointment with a sales or care adviser instead of signing up online.

A prospect picks a free slot of an agent calendar and leaves a name and a contact: the
customer and the booking are made together (`register_by_appointment`), the prospect is
signed in and sees the booking, which they may move or cancel. A slot taken meanwhile is a
409 with the form shown again; the service's conditional update makes double booking
impossible.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_name
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from firstmile.appointments import service as appointments_service
from firstmile.appointments.models import Booking, BookingStatus, Calendar, CalendarKind, Slot
from firstmile.auth import sessions as web_sessions
from firstmile.customers import repository as customers_repository
from firstmile.customers import service as customers_service
from firstmile.customers.models import Customer
from firstmile.customers.schemas import AppointmentRegistrationCreate
from firstmile.kit.errors import Conflict, InvalidInput
from firstmile.kit.http import Db
from firstmile.kit.i18n import pick
from firstmile.kit.time import utcnow
from firstmile.packs import loader as packs
from firstmile.web import locale as web_locale
from firstmile.web.pages import (
    PageRoute,
    PortalCustomer,
    customer_actor,
    own,
    redirect,
    render,
    session_of,
    translator,
)
from firstmile.web.portal import limits
from firstmile.web.portal.login import sign_in
from firstmile.web.portal.signup import (
    SIGNUP_ACTOR,
    PostedForm,
    Translate,
    form_field,
    language_options,
    message_for,
    pydantic_path,
    text,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
AGENT_KINDS = (CalendarKind.SALES, CalendarKind.CARE)
SLOTS_SHOWN = 60
FIELDS = ("given_name", "family_name", "email", "phone", "language", "note")
RULES = (
    ("customer.given_name", "given_name"),
    ("customer.family_name", "family_name"),
    ("preferences.language", "language"),
    ("slot_id", "slot_id"),
    ("note", "note"),
)


def _signed_in(request: Request, db: Db) -> Customer | None:
    """The signed-in customer, if any; their page in their language and time zone, by the
    rule of every portal page (`web_locale.choose`: `?lang=`, the cookie, then theirs)."""
    row = session_of(request, db, web_sessions.CUSTOMER)
    customer = customers_repository.find(db, row.subject_id) if row is not None else None
    if customer is not None:
        request.state.customer = customer
        request.state.customer_time_zone = customer.time_zone
        request.state.locale = web_locale.choose(request, customer.language)
    return customer


def _agent_calendars(db: Db) -> list[Calendar]:
    return [c for c in appointments_service.calendars(db) if c.kind in AGENT_KINDS]


def _chosen(calendars: list[Calendar], code: str | None, locale: str) -> Calendar | None:
    """The calendar asked for, else the first whose advisers speak the page's language."""
    for calendar in calendars:
        if calendar.code == code:
            return calendar
    speaking = [c for c in calendars if locale in c.languages]
    return next(iter(speaking or calendars), None)


def slot_days(slots: list[Slot], locale: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Slots grouped by their local day: [(day, [(slot id, time)])], in the calendar's zone."""
    days: dict[str, list[tuple[str, str]]] = {}
    for slot in slots:
        fmt = web_locale.Formats(locale, slot.calendar.timezone)
        day = fmt.date(slot.starts_at, "full")
        days.setdefault(day, []).append((slot.id, fmt.time(slot.starts_at)))
    return list(days.items())


def _free(
    db: Db, calendar: Calendar | None, *, skip: str | None = None, after: datetime | None = None
) -> list[Slot]:
    if calendar is None:
        return []
    found = appointments_service.free_slots(
        db,
        calendar_kind=calendar.kind,
        calendar_code=calendar.code,
        since=after,
        limit=SLOTS_SHOWN,
    )
    return [s for s in found if s.id != skip]


def _after(value: str | None) -> datetime | None:
    """Where a page of slots starts (`?after=`, as the "later times" link gives it)."""
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def slot_context(
    calendar: Calendar | None, slots: list[Slot], locale: str, base: str
) -> dict[str, Any]:
    """What the slot list shows: the days, the calendar's zone, the link to later times."""
    later = ""
    if calendar is not None and len(slots) >= SLOTS_SHOWN:
        query = {"calendar": calendar.code, "after": slots[-1].starts_at.isoformat()}
        later = f"{base}?{urlencode(query)}"
    zone = get_timezone_name(ZoneInfo(calendar.timezone), locale=locale) if calendar else ""
    return {"days": slot_days(slots, locale), "zone": zone, "later": later}


def _booking_page(
    request: Request,
    db: Db,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    me: Customer | None,
    calendar_code: str | None = None,
    after: datetime | None = None,
    status: int = 200,
) -> Response:
    locale = request.state.locale
    calendars = _agent_calendars(db)
    chosen = _chosen(calendars, calendar_code, locale)
    slots = _free(db, chosen, after=after)
    context: dict[str, Any] = {
        "v": values,
        "errors": errors,
        "me": me,
        "calendars": [(c.code, pick(c.name, locale)) for c in calendars],
        "chosen": chosen.code if chosen is not None else "",
        **slot_context(chosen, slots, locale, "/portal/appointment"),
        "language_options": language_options(),
        "bookings": _active_bookings(db, me) if me is not None else [],
    }
    return render(request, "portal/appointment.html", context, status=status)


def _active_bookings(db: Db, me: Customer) -> list[Booking]:
    return appointments_service.bookings_for_customer(db, me.id, status=BookingStatus.BOOKED)


@router.get("/portal/appointment", response_class=HTMLResponse)
def appointment_page(
    request: Request,
    db: Db,
    calendar: Annotated[str | None, Query(max_length=60)] = None,
    after: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    me = _signed_in(request, db)
    values = dict.fromkeys(FIELDS, "") | {"language": request.state.locale}
    return _booking_page(
        request, db, values=values, errors={}, me=me, calendar_code=calendar, after=_after(after)
    )


@router.post("/portal/appointment", response_class=HTMLResponse)
def book(request: Request, db: Db, form: PostedForm) -> Response:
    me = _signed_in(request, db)
    _ = translator(request.state.locale)
    values = {name: text(form, name) for name in FIELDS} | {"slot_id": text(form, "slot_id")}
    calendar_code = text(form, "calendar") or None
    errors = _checks(values, me, _)
    if not errors:
        try:
            booking_id = _book(request, db, values, form.get("marketing") is not None, me)
        except ValidationError as exc:
            errors = _error(form_field(pydantic_path(exc), _rules(values)), _)
        except InvalidInput as exc:
            errors = _error(form_field(exc.field, _rules(values)), _)
        except Conflict:
            errors = {"slot_id": _("Sorry, this time was just taken. Please choose another.")}
            return _booking_page(
                request,
                db,
                values=values,
                errors=errors,
                me=me,
                calendar_code=calendar_code,
                status=409,
            )
        else:
            return redirect(request, f"/portal/appointment/{booking_id}")
    return _booking_page(
        request, db, values=values, errors=errors, me=me, calendar_code=calendar_code, status=422
    )


def _checks(values: dict[str, str], me: Customer | None, _: Translate) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not values["slot_id"]:
        errors["slot_id"] = _("Choose a time.")
    if me is None:
        for name in ("given_name", "family_name"):
            if not values[name]:
                errors[name] = message_for(name, _)
        if not values["email"] and not values["phone"]:
            errors["email"] = _("Give an email address or a mobile number, so we can confirm.")
    return errors


def _error(name: str, _: Translate) -> dict[str, str]:
    if name == "slot_id":
        return {name: _("This time cannot be booked any more. Please choose another.")}
    if name == "note":
        return {name: _("The note is too long.")}
    return {name: message_for(name, _)}


def _contacts(values: dict[str, str]) -> list[tuple[str, str]]:
    """(kind, value) of the contacts given, in the order they are registered."""
    return [(kind, values[kind]) for kind in ("email", "phone") if values[kind]]


def _rules(values: dict[str, str]) -> list[tuple[str, str]]:
    given = [(f"contacts.{i}", kind) for i, (kind, _value) in enumerate(_contacts(values))]
    return [*RULES, *given, ("contacts", "email"), ("consents", "email")]


def _book(
    request: Request, db: Db, values: dict[str, str], marketing: bool, me: Customer | None
) -> str:
    """The booking's id: for a signed-in customer a consultation; for a prospect the
    registration appointment, and the prospect is signed in."""
    note = values["note"] or None
    if me is not None:
        booking = appointments_service.book(
            db,
            slot_id=values["slot_id"],
            customer_id=me.id,
            purpose="consultation",
            actor=customer_actor(me),
            note=note,
        )
        return booking.id
    contacts = _contacts(values)
    limits.count_registration(request, db, [value for _kind, value in contacts])
    meta = packs.current_meta(db)
    channels = ["sms" if kind == "phone" else "email" for kind, _value in contacts]
    body = {
        "customer": {
            "kind": "individual",
            "country": meta.country,
            "given_name": values["given_name"],
            "family_name": values["family_name"],
        },
        "preferences": {
            "language": values["language"] or "en",
            "time_zone": meta.timezone,
            "preferred_channels": channels,
        },
        "contacts": [{"kind": kind, "value": value} for kind, value in contacts],
        "consents": [
            {"purpose": "marketing", "channel": ch, "granted": True, "source": "web_form"}
            for ch in channels
            if marketing
        ],
        "slot_id": values["slot_id"],
        "note": note,
    }
    data = AppointmentRegistrationCreate.model_validate(body)
    customer, booking_id = customers_service.register_by_appointment(db, data, actor=SIGNUP_ACTOR)
    sign_in(request, db, customer.id, method="appointment")
    return booking_id


# --- the booking: confirmation, reschedule, cancel --------------------------------------


def _owned(db: Db, me: Customer, booking_id: str) -> Booking:
    booking = appointments_service.get_booking(db, booking_id)
    own(me, booking.customer_id, "booking", booking_id)
    return booking


def _manage_page(
    request: Request,
    db: Db,
    booking: Booking,
    *,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    after: datetime | None = None,
    status: int = 200,
) -> Response:
    locale = request.state.locale
    slot = booking.slot
    changeable = booking.status == BookingStatus.BOOKED and slot.starts_at > utcnow()
    free = _free(db, slot.calendar, skip=slot.id, after=after) if changeable else []
    context = {
        "booking": booking,
        "calendar_name": pick(slot.calendar.name, locale),
        "changeable": changeable,
        **slot_context(slot.calendar, free, locale, f"/portal/appointment/{booking.id}"),
        "errors": errors or {},
        "notice": notice,
    }
    return render(request, "portal/appointment_booking.html", context, status=status)


@router.get("/portal/appointment/{booking_id}", response_class=HTMLResponse)
def booking_page(
    request: Request,
    db: Db,
    me: PortalCustomer,
    booking_id: str,
    after: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return _manage_page(request, db, _owned(db, me, booking_id), after=_after(after))


@router.post("/portal/appointment/{booking_id}/reschedule", response_class=HTMLResponse)
def reschedule(
    request: Request, db: Db, me: PortalCustomer, booking_id: str, form: PostedForm
) -> Response:
    _ = translator(request.state.locale)
    booking = _owned(db, me, booking_id)
    slot_id = text(form, "slot_id")
    if not slot_id:
        return _manage_page(
            request, db, booking, errors={"slot_id": _("Choose a time.")}, status=422
        )
    try:
        moved = appointments_service.reschedule(
            db, booking.id, slot_id=slot_id, actor=customer_actor(me)
        )
    except InvalidInput:
        errors = {"slot_id": _("This time cannot be booked any more. Please choose another.")}
        return _manage_page(request, db, booking, errors=errors, status=422)
    except Conflict:
        errors = {"slot_id": _("Sorry, this time was just taken. Please choose another.")}
        return _manage_page(request, db, _owned(db, me, booking_id), errors=errors, status=409)
    return _manage_page(request, db, moved, notice=_("Your appointment was moved."))


@router.post("/portal/appointment/{booking_id}/cancel", response_class=HTMLResponse)
def cancel(
    request: Request, db: Db, me: PortalCustomer, booking_id: str, form: PostedForm
) -> Response:
    _ = translator(request.state.locale)
    booking = _owned(db, me, booking_id)
    reason = text(form, "reason")[:500] or None
    cancelled = appointments_service.cancel(db, booking.id, actor=customer_actor(me), reason=reason)
    return _manage_page(request, db, cancelled, notice=_("Your appointment is cancelled."))
