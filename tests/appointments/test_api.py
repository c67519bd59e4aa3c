from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from firstmile.appointments.models import CalendarKind
from firstmile.kit.time import utcnow
from tests.factories import appointments as f


def _setup(db: Session, capacity: int = 1) -> tuple[str, str, str]:
    """A calendar with two future slots and a customer: (slot, other slot, customer)."""
    cal = f.calendar(db, capacity=capacity)
    first = f.slot(db, cal)
    second = f.slot(db, cal, starts_at=first.starts_at + timedelta(hours=1))
    who = f.customer(db)
    db.commit()
    return first.id, second.id, who.id


def _book(client: TestClient, headers: dict[str, str], slot: str, customer: str) -> dict[str, Any]:
    answer = client.post(
        "/api/appointments",
        json={"slot_id": slot, "customer_id": customer, "purpose": "consultation"},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_calendars_of_the_pack_are_listed(
    client: TestClient, agent: dict[str, str], telco: str
) -> None:
    answer = client.get("/api/calendars", params={"kind": "technician"}, headers=agent)
    assert answer.status_code == 200
    codes = [c["code"] for c in answer.json()["items"]]
    assert codes == ["brno", "ostrava", "plzen", "praha"]


def test_postcode_finds_the_slots_of_its_technician_area(
    client: TestClient, integration: dict[str, str], telco: str
) -> None:
    answer = client.get(
        "/api/appointments/slots", params={"postcode": "602 00", "limit": 5}, headers=integration
    )
    assert answer.status_code == 200
    body = answer.json()
    assert len(body["items"]) == 5
    assert {s["calendar"] for s in body["items"]} == {"brno"}
    assert body["next_offset"] == 5


def test_uncovered_postcode_finds_no_slot(
    client: TestClient, agent: dict[str, str], telco: str
) -> None:
    answer = client.get("/api/appointments/slots", params={"postcode": "999 99"}, headers=agent)
    assert answer.json()["items"] == []


def test_book_read_list_reschedule_and_cancel(
    client: TestClient, agent: dict[str, str], db: Session
) -> None:
    slot, other, customer = _setup(db)
    booked = _book(client, agent, slot, customer)
    assert booked["status"] == "booked"
    assert booked["slot"]["free"] == 0
    assert (
        client.get(f"/api/appointments/{booked['id']}", headers=agent).json()["id"] == booked["id"]
    )
    listed = client.get("/api/appointments", params={"customer_id": customer}, headers=agent)
    assert [b["id"] for b in listed.json()["items"]] == [booked["id"]]
    moved = client.post(
        f"/api/appointments/{booked['id']}/reschedule", json={"slot_id": other}, headers=agent
    )
    assert moved.status_code == 200
    assert moved.json()["slot"]["id"] == other
    cancelled = client.post(
        f"/api/appointments/{booked['id']}/cancel", json={"reason": "moved away"}, headers=agent
    )
    assert cancelled.json()["status"] == "cancelled"
    timeline = client.get(f"/api/customers/{customer}/timeline", headers=agent).json()
    assert [e["type"] for e in timeline["events"]] == [
        "appointment.booked",
        "appointment.rescheduled",
        "appointment.cancelled",
    ]


def test_full_slot_answers_409(client: TestClient, agent: dict[str, str], db: Session) -> None:
    slot, _, customer = _setup(db)
    _book(client, agent, slot, customer)
    other = f.customer(db, given_name="Jan")
    db.commit()
    answer = client.post(
        "/api/appointments",
        json={"slot_id": slot, "customer_id": other.id, "purpose": "registration"},
        headers=agent,
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "slot_full"


def test_cancelling_twice_answers_409(
    client: TestClient, agent: dict[str, str], db: Session
) -> None:
    slot, _, customer = _setup(db)
    booking = _book(client, agent, slot, customer)
    url = f"/api/appointments/{booking['id']}/cancel"
    assert client.post(url, json={"reason": "no time"}, headers=agent).status_code == 200
    again = client.post(url, json={"reason": "no time"}, headers=agent)
    assert again.status_code == 409


def test_unknown_purpose_answers_422_naming_it(
    client: TestClient, agent: dict[str, str], db: Session
) -> None:
    slot, _, customer = _setup(db)
    answer = client.post(
        "/api/appointments",
        json={"slot_id": slot, "customer_id": customer, "purpose": "party"},
        headers=agent,
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "purpose"


def test_past_slot_answers_422_naming_slot_id(
    client: TestClient, agent: dict[str, str], db: Session
) -> None:
    past = f.slot(db, f.calendar(db), starts_at=utcnow() - timedelta(hours=2))
    who = f.customer(db)
    db.commit()
    answer = client.post(
        "/api/appointments",
        json={"slot_id": past.id, "customer_id": who.id, "purpose": "registration"},
        headers=agent,
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "slot_id"


def test_cancel_without_reason_answers_422(
    client: TestClient, agent: dict[str, str], db: Session
) -> None:
    slot, _, customer = _setup(db)
    booking = _book(client, agent, slot, customer)
    answer = client.post(f"/api/appointments/{booking['id']}/cancel", json={}, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "reason"


def test_unexpected_field_answers_422(client: TestClient, agent: dict[str, str]) -> None:
    answer = client.post(
        "/api/appointments/x/reschedule", json={"slot_id": "a", "when": "now"}, headers=agent
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "when"


def test_naive_since_answers_422(client: TestClient, agent: dict[str, str]) -> None:
    answer = client.get(
        "/api/appointments/slots", params={"since": "2030-01-01T10:00:00"}, headers=agent
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "since"


def test_until_before_since_answers_422(client: TestClient, agent: dict[str, str]) -> None:
    params = {"since": "2030-01-02T10:00:00Z", "until": "2030-01-01T10:00:00Z"}
    answer = client.get("/api/appointments/slots", params=params, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "until"


def test_far_future_since_answers_422(client: TestClient, agent: dict[str, str]) -> None:
    answer = client.get(
        "/api/appointments/slots", params={"since": "9999-12-31T23:59:59Z"}, headers=agent
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "since"


def test_unknown_kind_answers_422(client: TestClient, agent: dict[str, str]) -> None:
    answer = client.get("/api/appointments/slots", params={"kind": "plumber"}, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "query.kind"


def test_unknown_booking_answers_404(client: TestClient, agent: dict[str, str]) -> None:
    assert client.get("/api/appointments/nope", headers=agent).status_code == 404
    moved = client.post("/api/appointments/nope/reschedule", json={"slot_id": "x"}, headers=agent)
    assert moved.status_code == 404
    cancelled = client.post("/api/appointments/nope/cancel", json={"reason": "x"}, headers=agent)
    assert cancelled.status_code == 404


def test_unknown_slot_or_customer_answers_404(
    client: TestClient, agent: dict[str, str], db: Session
) -> None:
    slot, _, customer = _setup(db)
    for body in (
        {"slot_id": "nope", "customer_id": customer, "purpose": "repair"},
        {"slot_id": slot, "customer_id": "nobody", "purpose": "repair"},
    ):
        assert client.post("/api/appointments", json=body, headers=agent).status_code == 404
    listed = client.get("/api/appointments", params={"customer_id": "nobody"}, headers=agent)
    assert listed.status_code == 404


def test_reschedule_into_another_kind_answers_422(
    client: TestClient, agent: dict[str, str], db: Session
) -> None:
    slot, _, customer = _setup(db)
    area = f.calendar(db, code="praha", kind=CalendarKind.TECHNICIAN, postcode_prefixes=["1"])
    visit = f.slot(db, area)
    db.commit()
    booking = _book(client, agent, slot, customer)
    answer = client.post(
        f"/api/appointments/{booking['id']}/reschedule", json={"slot_id": visit.id}, headers=agent
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "slot_id"


def test_endpoints_need_a_token(client: TestClient) -> None:
    assert client.get("/api/calendars").status_code == 401
    assert client.get("/api/appointments/slots").status_code == 401
    answer = client.post(
        "/api/appointments", json={"slot_id": "a", "customer_id": "b", "purpose": "repair"}
    )
    assert answer.status_code == 401
