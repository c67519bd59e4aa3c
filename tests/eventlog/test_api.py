from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firstmile.customers.models import Customer, CustomerKind
from firstmile.eventlog.models import Event


def _customer(db: Session) -> Customer:
    c = Customer(
        kind=CustomerKind.INDIVIDUAL, given_name="Eva", family_name="Nováková", country="CZ"
    )
    db.add(c)
    db.commit()
    return c


def test_repeated_external_event_is_recorded_once(
    client: TestClient, integration: dict[str, str], db: Session
) -> None:
    customer = _customer(db)
    body = {
        "type": "portal.first_login",
        "source": "portal",
        "idempotency_key": "login-1",
        "customer_id": customer.id,
    }
    first = client.post("/api/events", json=body, headers=integration)
    second = client.post("/api/events", json=body, headers=integration)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["created"] is False
    assert (
        db.scalar(select(func.count()).select_from(Event).where(Event.type == "portal.first_login"))
        == 1
    )


def test_rejects_internal_event_type_from_outside(
    client: TestClient, integration: dict[str, str]
) -> None:
    body = {"type": "token.created", "source": "crm", "idempotency_key": "x"}
    answer = client.post("/api/events", json=body, headers=integration)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "type"


def test_same_key_different_payload_is_refused(
    client: TestClient, integration: dict[str, str]
) -> None:
    base = {"type": "crm.contact_logged", "source": "crm", "idempotency_key": "c-1"}
    assert (
        client.post(
            "/api/events", json={**base, "payload": {"channel": "phone"}}, headers=integration
        ).status_code
        == 201
    )
    again = client.post(
        "/api/events", json={**base, "payload": {"channel": "chat"}}, headers=integration
    )
    assert again.status_code == 422
    assert again.json()["error"]["field"] == "idempotency_key"


def test_malformed_event_names_the_field(client: TestClient, integration: dict[str, str]) -> None:
    answer = client.post("/api/events", json={"type": "x.y", "source": ""}, headers=integration)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] in {"source", "idempotency_key"}


def test_timeline_lists_customer_events_in_order(
    client: TestClient, integration: dict[str, str], agent: dict[str, str], db: Session
) -> None:
    customer = _customer(db)
    for i in range(3):
        client.post(
            "/api/events",
            json={
                "type": "crm.contact_logged",
                "source": "crm",
                "idempotency_key": f"k{i}",
                "customer_id": customer.id,
                "payload": {"n": i},
            },
            headers=integration,
        )
    answer = client.get(f"/api/customers/{customer.id}/timeline", headers=agent)
    assert answer.status_code == 200
    assert [e["payload"]["n"] for e in answer.json()["events"]] == [0, 1, 2]


def test_timeline_of_unknown_customer_is_404(client: TestClient, agent: dict[str, str]) -> None:
    assert client.get("/api/customers/nope/timeline", headers=agent).status_code == 404


def test_requires_a_token(client: TestClient) -> None:
    answer = client.post("/api/events", json={})
    assert answer.status_code == 401


def test_agent_cannot_ingest(client: TestClient, agent: dict[str, str]) -> None:
    body = {"type": "portal.first_login", "source": "portal", "idempotency_key": "a"}
    assert client.post("/api/events", json=body, headers=agent).status_code == 403
