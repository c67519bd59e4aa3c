"""Operations endpoints and the API document."""

from __future__ import annotations

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
