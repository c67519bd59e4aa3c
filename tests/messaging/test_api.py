from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from firstmile.auth.scopes import SYSTEM
from firstmile.messaging import service
from firstmile.messaging.models import Message
from tests.conftest import RunJobs
from tests.factories.messaging import customer, message_template

WELCOME = {"en": {"subject": "Welcome", "body": "Welcome, {{ name }}."}}


@pytest.fixture(autouse=True)
def _templates(db: Session) -> None:
    message_template(db, "contract_signature_code")
    message_template(db, "welcome", WELCOME)


def _message(db: Session, customer_id: str, *, key: str = "k-1", **kw: object) -> Message:
    values: dict[str, object] = {
        "customer_id": customer_id,
        "purpose": "contract_signature_code",
        "channel": "sms",
        "data": {"code": "271828"},
        "idempotency_key": key,
        "actor": SYSTEM,
    }
    values.update(kw)
    message = service.send(db, **values)  # type: ignore[arg-type]
    db.commit()
    return message


def test_agent_lists_a_customers_messages_without_codes(
    client: TestClient, agent: dict[str, str], db: Session
) -> None:
    eva = customer(db, language="en")
    signature = _message(db, eva.id)
    welcome = _message(db, eva.id, key="k-2", purpose="welcome", data={"name": "Eva"})
    answer = client.get("/api/messages", params={"customer_id": eva.id}, headers=agent)
    assert answer.status_code == 200
    by_id = {m["id"]: m for m in answer.json()["messages"]}
    assert set(by_id) == {signature.id, welcome.id}
    assert by_id[signature.id]["body_text"] is None
    assert "271828" not in answer.text
    assert by_id[welcome.id]["body_text"] == "Welcome, Eva."


def test_agent_reads_one_message(client: TestClient, agent: dict[str, str], db: Session) -> None:
    message = _message(db, customer(db).id)
    answer = client.get(f"/api/messages/{message.id}", headers=agent)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "queued"
    assert body["channel"] == "sms"
    assert body["recipient"] == "+420601123456"


def test_unknown_message_is_404(client: TestClient, agent: dict[str, str]) -> None:
    answer = client.get("/api/messages/nope", headers=agent)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_messages_of_unknown_customer_is_404(client: TestClient, agent: dict[str, str]) -> None:
    answer = client.get("/api/messages", params={"customer_id": "nope"}, headers=agent)
    assert answer.status_code == 404


def test_listing_without_customer_names_the_field(
    client: TestClient, agent: dict[str, str]
) -> None:
    answer = client.get("/api/messages", headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "query.customer_id"


def test_bad_limit_names_the_field(client: TestClient, agent: dict[str, str]) -> None:
    answer = client.get("/api/messages", params={"customer_id": "x", "limit": 0}, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "query.limit"


def test_messages_need_a_token(client: TestClient) -> None:
    assert client.get("/api/messages", params={"customer_id": "x"}).status_code == 401


def test_integration_token_cannot_read_messages(
    client: TestClient, integration: dict[str, str]
) -> None:
    answer = client.get("/api/messages", params={"customer_id": "x"}, headers=integration)
    assert answer.status_code == 403


def test_admin_reads_the_simulated_code_in_the_outbox(
    client: TestClient, admin: dict[str, str], db: Session, run_jobs: RunJobs
) -> None:
    eva = customer(db, language="ja")
    message = _message(db, eva.id)
    run_jobs()
    answer = client.get(
        "/api/messaging/simulator/outbox", params={"customer_id": eva.id}, headers=admin
    )
    assert answer.status_code == 200
    [delivery] = answer.json()["deliveries"]
    assert delivery["message_id"] == message.id
    assert delivery["body_text"] == "コードは 271828 です。"
    assert delivery["recipient"] == "+420601123456"


def test_agent_cannot_read_the_outbox(client: TestClient, agent: dict[str, str]) -> None:
    answer = client.get(
        "/api/messaging/simulator/outbox", params={"customer_id": "x"}, headers=agent
    )
    assert answer.status_code == 403


def test_outbox_of_unknown_customer_is_404(client: TestClient, admin: dict[str, str]) -> None:
    answer = client.get(
        "/api/messaging/simulator/outbox", params={"customer_id": "nope"}, headers=admin
    )
    assert answer.status_code == 404
