"""Schemathesis drives every operation of the OpenAPI document: no input may cause a 500."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error


@pytest.fixture
def api_schema(app_client: TestClient, telco: str) -> object:
    return schemathesis.openapi.from_asgi("/openapi.json", app_client.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_causes_a_server_error(case: schemathesis.Case, admin: dict[str, str]) -> None:
    case.call_and_validate(headers=admin, checks=[not_a_server_error], excluded_checks=[])
