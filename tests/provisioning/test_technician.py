from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.customers.models import ContactKind, ContactMedium
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.models import Service
from tests.factories.provisioning import AGENT, count_events, customer, order, spec_for

Headers = dict[str, str]


def _service_for(sessions: sessionmaker[Session], code: str, *, postcode: str = "110 00") -> str:
    with sessions() as db:
        who = customer(db)
        db.add(
            ContactMedium(
                customer_id=who.id,
                kind=ContactKind.POSTAL,
                preferred=True,
                street="Vinohradská",
                house_number="12",
                postcode=postcode,
                city="Praha",
                country="CZ",
                details={},
            )
        )
        placed = order(who.id, code)
        provisioning_service.start(db, placed, actor=AGENT, spec_for=spec_for)
        service_id = db.scalars(select(Service.id).where(Service.order_id == placed.id)).one()
        db.commit()
    return service_id


def test_technician_slots_come_from_the_area_of_the_address(
    client: TestClient, agent: Headers, sessions: sessionmaker[Session], telco: str
) -> None:
    service_id = _service_for(sessions, "fibre")
    answer = client.get(f"/api/services/{service_id}/technician-slots", headers=agent)
    assert answer.status_code == 200
    assert answer.json()


def test_books_a_technician_for_the_installation(
    client: TestClient,
    agent: Headers,
    sessions: sessionmaker[Session],
    db: Session,
    telco: str,
) -> None:
    service_id = _service_for(sessions, "fibre")
    slots = client.get(f"/api/services/{service_id}/technician-slots", headers=agent).json()
    answer = client.post(
        f"/api/services/{service_id}/technician-appointment",
        json={"slot_id": slots[0]["id"]},
        headers=agent,
    )
    assert answer.status_code == 201
    booking_id = answer.json()["booking_id"]
    service = client.get(f"/api/services/{service_id}", headers=agent).json()
    assert service["technician_booking_id"] == booking_id
    assert count_events(db, "service.technician_booked") == 1


def test_no_technician_for_a_mobile_line(
    client: TestClient, agent: Headers, sessions: sessionmaker[Session], telco: str
) -> None:
    service_id = _service_for(sessions, "mobile-plain")
    answer = client.get(f"/api/services/{service_id}/technician-slots", headers=agent)
    assert answer.status_code == 409


def test_address_outside_every_area_is_409(
    client: TestClient, agent: Headers, sessions: sessionmaker[Session], telco: str
) -> None:
    service_id = _service_for(sessions, "fibre", postcode="999 99")
    answer = client.get(f"/api/services/{service_id}/technician-slots", headers=agent)
    assert answer.status_code == 409


def test_appointment_needs_a_slot_id(
    client: TestClient, agent: Headers, sessions: sessionmaker[Session], telco: str
) -> None:
    service_id = _service_for(sessions, "fibre")
    answer = client.post(
        f"/api/services/{service_id}/technician-appointment", json={}, headers=agent
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "slot_id"


def test_unknown_slot_is_404(
    client: TestClient, agent: Headers, sessions: sessionmaker[Session], telco: str
) -> None:
    service_id = _service_for(sessions, "fibre")
    answer = client.post(
        f"/api/services/{service_id}/technician-appointment",
        json={"slot_id": "nope"},
        headers=agent,
    )
    assert answer.status_code == 404


def test_naive_since_is_422(client: TestClient, agent: Headers) -> None:
    answer = client.get(
        "/api/services/x/technician-slots",
        params={"since": "2030-01-01T08:00:00"},
        headers=agent,
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "since"
