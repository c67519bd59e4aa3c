"""Contracts API: the whole signature path over HTTP, and 401/403/404/409/422 answers."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.contracts import service as contracts_service
from tests.conftest import RunJobs
from tests.factories import contracts as factories


def _contract(sessions: sessionmaker[Session], **kw: object) -> tuple[str, str]:
    with sessions() as db:
        order = factories.order(db, **kw)
        contract = contracts_service.prepare_contract(db, order, actor=SYSTEM)  # type: ignore[arg-type]
        db.commit()
        return contract.id, order.id


def test_signs_seals_and_validates_a_contract_through_the_api(
    client: TestClient,
    agent: dict[str, str],
    sessions: sessionmaker[Session],
    telco: str,
    run_jobs: RunJobs,
) -> None:
    contract_id, order_id = _contract(sessions)
    run_jobs()
    listed = client.get("/api/contracts", params={"order_id": order_id}, headers=agent)
    assert [c["id"] for c in listed.json()] == [contract_id]
    sent = client.post(
        f"/api/contracts/{contract_id}/signature-requests", json={"channel": "email"}, headers=agent
    )
    assert sent.status_code == 202
    assert sent.json()["masked_address"] == "e***@example.com"
    run_jobs()
    with sessions() as db:
        code = factories.last_code(db, listed.json()[0]["customer_id"])
    signed = client.post(
        f"/api/contracts/{contract_id}/sign",
        json={"code": code},
        headers={**agent, "User-Agent": "contract-test/1.0"},
    )
    assert signed.status_code == 200
    assert signed.json()["status"] == "signed"
    signature = client.get(f"/api/contracts/{contract_id}/signature", headers=agent).json()
    assert (signature["ip"], signature["user_agent"]) == ("testclient", "contract-test/1.0")
    assert signature["document_sha256"] == signed.json()["unsigned_sha256"]
    run_jobs()
    document = client.get(f"/api/contracts/{contract_id}/document", headers=agent)
    assert document.headers["content-type"] == "application/pdf"
    assert client.get(f"/api/contracts/{contract_id}", headers=agent).json()["status"] == "sealed"
    again = client.get(f"/api/contracts/{contract_id}/document", headers=agent)
    assert again.content == document.content
    validation = client.get(f"/api/contracts/{contract_id}/validation", headers=agent).json()
    assert validation["valid"] is True
    assert validation["customer_signed_bytes_intact"] is True


def test_contracts_need_a_token(client: TestClient) -> None:
    assert client.get("/api/contracts").status_code == 401


def test_contracts_refuse_an_unknown_token(client: TestClient) -> None:
    answer = client.get("/api/contracts/x", headers={"Authorization": "Bearer not-a-token"})
    assert answer.status_code == 401


def test_unknown_contract_is_404(client: TestClient, agent: dict[str, str]) -> None:
    for path in ("", "/document", "/signature", "/validation"):
        assert client.get(f"/api/contracts/nope{path}", headers=agent).status_code == 404
    answer = client.post("/api/contracts/nope/sign", json={"code": "123456"}, headers=agent)
    assert answer.status_code == 404


def test_document_is_409_while_preparing(
    client: TestClient, agent: dict[str, str], sessions: sessionmaker[Session], telco: str
) -> None:
    contract_id, _ = _contract(sessions)
    answer = client.get(f"/api/contracts/{contract_id}/document", headers=agent)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "contract_not_ready"


def test_signature_request_without_verified_phone_is_409(
    client: TestClient,
    agent: dict[str, str],
    sessions: sessionmaker[Session],
    telco: str,
    run_jobs: RunJobs,
) -> None:
    contract_id, _ = _contract(sessions, phone=None)
    run_jobs()
    answer = client.post(
        f"/api/contracts/{contract_id}/signature-requests", json={"channel": "sms"}, headers=agent
    )
    assert answer.status_code == 409
    assert "verified mobile number" in answer.json()["error"]["message"]


def test_signature_request_with_unknown_channel_is_422(
    client: TestClient, agent: dict[str, str], sessions: sessionmaker[Session], telco: str
) -> None:
    contract_id, _ = _contract(sessions)
    answer = client.post(
        f"/api/contracts/{contract_id}/signature-requests", json={"channel": "fax"}, headers=agent
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "channel"


def test_sign_without_a_code_is_422(
    client: TestClient, agent: dict[str, str], sessions: sessionmaker[Session], telco: str
) -> None:
    contract_id, _ = _contract(sessions)
    answer = client.post(f"/api/contracts/{contract_id}/sign", json={}, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "code"


def test_sign_with_a_wrong_code_is_422_on_code(
    client: TestClient,
    agent: dict[str, str],
    sessions: sessionmaker[Session],
    telco: str,
    run_jobs: RunJobs,
) -> None:
    contract_id, _ = _contract(sessions)
    run_jobs()
    client.post(
        f"/api/contracts/{contract_id}/signature-requests", json={"channel": "sms"}, headers=agent
    )
    run_jobs()
    with sessions() as db:
        code = factories.last_code(db, contracts_service.get_contract(db, contract_id).customer_id)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answer = client.post(f"/api/contracts/{contract_id}/sign", json={"code": wrong}, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "code"
    assert "4 attempts left" in answer.json()["error"]["message"]


def test_validation_is_409_before_sealing(
    client: TestClient,
    agent: dict[str, str],
    sessions: sessionmaker[Session],
    telco: str,
    run_jobs: RunJobs,
) -> None:
    contract_id, _ = _contract(sessions)
    run_jobs()
    assert client.get(f"/api/contracts/{contract_id}/validation", headers=agent).status_code == 409
