"""The per-process cache of verified tokens: revocation, wrong secrets, expiry."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth import service as auth_service
from firstmile.auth.models import ApiToken
from firstmile.kit.settings import Settings, configure
from firstmile.kit.time import utcnow


def _issue(client: TestClient, admin: dict[str, str]) -> tuple[str, dict[str, str]]:
    token = client.post("/api/tokens", json={"name": "t", "scopes": ["admin"]}, headers=admin)
    assert token.status_code == 201
    body = token.json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


def test_a_token_used_then_revoked_is_refused_at_once(
    client: TestClient, admin: dict[str, str]
) -> None:
    token_id, headers = _issue(client, admin)
    assert client.get("/api/tokens", headers=headers).status_code == 200  # now remembered
    assert client.delete(f"/api/tokens/{token_id}", headers=admin).status_code == 200
    assert client.get("/api/tokens", headers=headers).status_code == 401


def test_a_remembered_token_with_a_wrong_secret_is_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    token_id, headers = _issue(client, admin)
    assert client.get("/api/tokens", headers=headers).status_code == 200
    forged = {"Authorization": f"Bearer fm_{token_id}_not-the-secret"}
    assert client.get("/api/tokens", headers=forged).status_code == 401


def test_a_revocation_by_another_process_applies_when_the_entry_expires(
    client: TestClient,
    admin: dict[str, str],
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token_id, headers = _issue(client, admin)
    now = [1000.0]
    monkeypatch.setattr(auth_service.time, "monotonic", lambda: now[0])
    assert client.get("/api/tokens", headers=headers).status_code == 200
    with sessions() as s:  # another process revokes: this one's cache is not told
        s.execute(update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=utcnow()))
        s.commit()
    assert client.get("/api/tokens", headers=headers).status_code == 200  # still trusted
    now[0] += 5.1  # the default token_cache_seconds has passed
    assert client.get("/api/tokens", headers=headers).status_code == 401


def test_without_the_cache_every_request_reads_the_token(
    client: TestClient,
    admin: dict[str, str],
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    configure(settings.model_copy(update={"token_cache_seconds": 0}))
    token_id, headers = _issue(client, admin)
    assert client.get("/api/tokens", headers=headers).status_code == 200
    with sessions() as s:
        s.execute(update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=utcnow()))
        s.commit()
    assert client.get("/api/tokens", headers=headers).status_code == 401
