"""Operations endpoints and the API document."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_healthz_answers_without_a_database_round_trip(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_missing_pack(client: TestClient) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["pack"] == "no pack loaded"
    assert answer.json()["checks"]["schema"] == "ok"


def test_readyz_is_ready_with_a_pack(client: TestClient, telco: str) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.json()


def test_docs_page_uses_packaged_assets_only(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200


def test_openapi_document_lists_the_api(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert "/api/events" in document["paths"]
    assert document["components"]["securitySchemes"]


def test_serve_believes_forwarded_headers_only_from_the_proxies_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Behind a load balancer the limits must count each customer's address, not the
    balancer's: uvicorn is told which proxies' X-Forwarded-For to believe."""
    import uvicorn
    from typer.testing import CliRunner

    from firstmile import cli

    started: dict[str, object] = {}
    monkeypatch.setattr(cli, "_prepare", lambda settings, pack: None)
    monkeypatch.setattr(cli, "_has_staff", lambda settings: True)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(options))
    monkeypatch.setenv("FIRSTMILE_FORWARDED_ALLOW_IPS", "10.0.0.0/8")
    result = CliRunner().invoke(cli.app, ["serve", "--port", "8999"])
    assert result.exit_code == 0, result.output
    assert started["proxy_headers"] is True
    assert started["forwarded_allow_ips"] == "10.0.0.0/8"
