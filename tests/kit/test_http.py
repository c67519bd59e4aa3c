"""The API edge: transaction per request, idempotency keys, error rendering."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from firstmile.auth.models import ApiToken


def _count_tokens(db: Session) -> int:
    db.expire_all()
    count = db.scalar(select(func.count()).select_from(ApiToken)) or 0
    db.rollback()  # end the read: on SQLite every transaction holds the write lock
    return count


def test_failing_commit_answers_an_error_not_a_success(
    client: TestClient, admin: dict[str, str], db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _count_tokens(db)

    def broken_commit(self: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(Session, "commit", broken_commit)
    answer = client.post("/api/tokens", json={"name": "ci", "scopes": ["agent"]}, headers=admin)
    monkeypatch.undo()
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "unavailable"
    assert _count_tokens(db) == before


def test_same_idempotency_key_replays_without_a_second_change(
    client: TestClient, admin: dict[str, str], db: Session
) -> None:
    headers = {**admin, "Idempotency-Key": "create-ci-token"}
    body = {"name": "ci", "scopes": ["integration"]}
    first = client.post("/api/tokens", json=body, headers=headers)
    before = _count_tokens(db)
    second = client.post("/api/tokens", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert _count_tokens(db) == before


def test_reused_idempotency_key_with_another_body_is_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    headers = {**admin, "Idempotency-Key": "k-1"}
    client.post("/api/tokens", json={"name": "a", "scopes": ["agent"]}, headers=headers)
    again = client.post("/api/tokens", json={"name": "b", "scopes": ["agent"]}, headers=headers)
    assert again.status_code == 422
    assert again.json()["error"]["field"] == "header.Idempotency-Key"


def test_failed_request_does_not_consume_the_idempotency_key(
    client: TestClient, admin: dict[str, str]
) -> None:
    headers = {**admin, "Idempotency-Key": "k-2"}
    bad = client.post("/api/tokens", json={"name": "a", "scopes": ["root"]}, headers=headers)
    assert bad.status_code == 422
    good = client.post("/api/tokens", json={"name": "a", "scopes": ["root"]}, headers=headers)
    assert good.status_code == 422  # same input, same answer, nothing stored either time


def test_validation_error_names_the_field(client: TestClient, admin: dict[str, str]) -> None:
    answer = client.post("/api/tokens", json={"name": "x", "scopes": ["wizard"]}, headers=admin)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "scopes.0"


def test_unknown_route_is_json_404(client: TestClient) -> None:
    answer = client.get("/api/nothing-here")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_agent_token_cannot_manage_tokens(client: TestClient, agent: dict[str, str]) -> None:
    answer = client.post("/api/tokens", json={"name": "x", "scopes": ["admin"]}, headers=agent)
    assert answer.status_code == 403


def test_revoked_token_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    issued = client.post("/api/tokens", json={"name": "t", "scopes": ["admin"]}, headers=admin)
    token = issued.json()
    client.delete(f"/api/tokens/{token['id']}", headers=admin)
    again = client.get("/api/tokens", headers={"Authorization": f"Bearer {token['token']}"})
    assert again.status_code == 401


def test_malformed_bearer_is_401(client: TestClient) -> None:
    assert client.get("/api/tokens", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_nul_characters_are_refused_naming_the_field(
    client: TestClient, admin: dict[str, str]
) -> None:
    answer = client.post(
        "/api/tokens", json={"name": "a\u0000b", "scopes": ["agent"]}, headers=admin
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "name"
    nested = client.post(
        "/api/customers",
        json={
            "customer": {"kind": "individual", "country": "CZ"},
            "accounts": [{"name": "\u0000"}],
        },
        headers=admin,
    )
    assert nested.json()["error"]["field"] == "accounts.0.name"
    query = client.get("/api/customers/x%00y", headers=admin)
    assert (query.status_code, query.json()["error"]["field"]) == (422, "path.customer_id")


def test_a_database_error_is_described_without_the_values_it_refused(db: Session) -> None:
    """A unique clash's message (PostgreSQL's DETAIL) and the statement's parameters name
    the values: logs and jobs' last errors get the rule, not the personal data."""
    from sqlalchemy.exc import IntegrityError

    from firstmile.kit.db import described
    from firstmile.kit.idempotency import IdempotencyRecord

    def record() -> IdempotencyRecord:
        return IdempotencyRecord(
            actor="customer:eva",
            key="eva.novakova@example.com",
            request_hash="h",
            status_code=201,
            body=b"{}",
            media_type="application/json",
        )

    db.add(record())
    db.flush()
    db.add(record())
    with pytest.raises(IntegrityError) as caught:
        db.flush()
    db.rollback()
    text = described(caught.value)
    assert text.startswith("IntegrityError: ")
    assert "idempotency_records" in text or "sqlstate 23505" in text
    assert "eva" not in text
    assert "eva" not in str(caught.value).split("[SQL:")[1]  # parameters hidden
