"""Calendars in the back office: the week of a calendar with its slots and bookings, and an
agent booking, moving and cancelling a customer's appointment (each change recorded with
the agent as actor)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.appointments import service as appointments_service
from firstmile.appointments.models import Booking, BookingStatus, Slot
from firstmile.eventlog.models import Event
from firstmile.kit.time import utcnow
from tests.factories import appointments as appointment_factories
from tests.factories.web import post_form, sign_in_staff


def _calendar(sessions: sessionmaker[Session]) -> tuple[str, str, str, str]:
    """A sales calendar with two slots the day after tomorrow, and a customer."""
    with sessions() as db:
        calendar = appointment_factories.calendar(db)
        start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        first = appointment_factories.slot(db, calendar, starts_at=start)
        second = appointment_factories.slot(db, calendar, starts_at=start + timedelta(hours=1))
        customer = appointment_factories.customer(db)
        db.commit()
        return first.id, second.id, customer.id, start.date().isoformat()


def test_an_agent_books_moves_and_cancels_an_appointment(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    first, second, customer_id, day = _calendar(sessions)
    user = sign_in_staff(client, sessions)
    assert 'href="/backoffice/calendars/sales-test"' in client.get("/backoffice/calendars").text
    week = f"/backoffice/calendars/sales-test?week={day}&customer={customer_id}"
    shown = client.get(week)
    assert shown.status_code == 200
    assert shown.text.count('name="slot_id"') == 2  # both slots offered for the customer
    booked = post_form(
        client,
        "/backoffice/calendars/sales-test/bookings",
        {"slot_id": first, "customer_id": customer_id, "purpose": "consultation", "week": day},
        via=week,
    )
    assert booked.status_code == 303
    assert "The appointment is booked." in client.get(booked.headers["location"]).text
    with sessions() as db:
        [booking] = db.scalars(select(Booking)).all()
        assert (booking.slot_id, booking.booked_by) == (first, f"staff:{user.id}")
        booking_id = booking.id

    moving = f"/backoffice/calendars/sales-test?week={day}&move={booking_id}"
    page = client.get(moving)
    assert f'action="/backoffice/appointments/{booking_id}/reschedule"' in page.text
    moved = post_form(
        client,
        f"/backoffice/appointments/{booking_id}/reschedule",
        {"slot_id": second, "week": day},
        via=moving,
    )
    assert moved.status_code == 303
    with sessions() as db:
        assert appointments_service.get_booking(db, booking_id).slot_id == second

    cancel = f"/backoffice/appointments/{booking_id}/cancel"
    via = f"/backoffice/calendars/sales-test?week={day}"
    refused = post_form(client, cancel, {"reason": "", "week": day}, via=via)
    assert refused.status_code == 422
    assert f'id="e-cancel-{booking_id}"' in refused.text
    done = post_form(client, cancel, {"reason": "the customer is ill", "week": day}, via=via)
    assert done.status_code == 303
    with sessions() as db:
        booking = appointments_service.get_booking(db, booking_id)
        assert (booking.status, booking.cancel_reason) == (
            BookingStatus.CANCELLED,
            "the customer is ill",
        )
        actors = set(db.scalars(select(Event.actor).where(Event.type.like("appointment.%"))).all())
    assert actors == {f"staff:{user.id}"}


def test_the_week_shows_who_holds_a_place_and_finds_customers(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    first, _second, customer_id, day = _calendar(sessions)
    with sessions() as db:
        slot = db.get(Slot, first)
        assert slot is not None
        appointment_factories.booking(db, slot)
        db.commit()
    sign_in_staff(client, sessions)
    week = client.get("/backoffice/calendars/sales-test", params={"week": day})
    assert "Full" in week.text
    assert "Eva Nováková" in week.text
    found = client.get("/backoffice/calendars/sales-test", params={"week": day, "q": "Eva"})
    assert f"customer={customer_id}" in found.text
    bad = client.get("/backoffice/calendars/sales-test", params={"week": "31.12.2030"})
    assert bad.status_code == 422


def test_a_slot_that_began_cannot_be_booked(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    with sessions() as db:
        calendar = appointment_factories.calendar(db)
        past = appointment_factories.slot(db, calendar, starts_at=utcnow() - timedelta(hours=1))
        customer = appointment_factories.customer(db)
        db.commit()
        slot_id, customer_id = past.id, customer.id
    sign_in_staff(client, sessions)
    via = f"/backoffice/calendars/sales-test?customer={customer_id}"
    refused = post_form(
        client,
        "/backoffice/calendars/sales-test/bookings",
        {"slot_id": slot_id, "customer_id": customer_id, "purpose": "consultation"},
        via=via,
    )
    assert refused.status_code == 422
    assert "already begun" in refused.text
