"""Schemathesis drives every operation of the OpenAPI document: no input may cause a 500.

Each operation gets valid-looking (positive) and schema-violating (negative) inputs, sent
with an admin token through the same app the other API tests use, with the telco pack loaded.
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, reject, settings
from schemathesis import GenerationMode
from schemathesis.openapi import from_dict

from firstmile.app import create_app
from firstmile.kit.settings import load_settings

# The document only: building the app opens no database connection.
_SCHEMA = from_dict(create_app(load_settings(database_url="sqlite://"), run_worker=False).openapi())
_OPERATIONS = {op.label: op for op in (r.ok() for r in _SCHEMA.get_all_operations())}
# Headers schemathesis may invent that the HTTP client itself refuses to send.
_TRANSPORT_ERRORS = (httpx.InvalidURL, httpx.LocalProtocolError, UnicodeEncodeError, ValueError)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("label", sorted(_OPERATIONS))
def test_no_input_causes_a_server_error(
    label: str, mode: GenerationMode, client: TestClient, admin: dict[str, str], telco: str
) -> None:
    operation = _OPERATIONS[label]
    if mode is GenerationMode.NEGATIVE and not (
        list(operation.iter_parameters()) or operation.body
    ):
        pytest.skip("no input to violate")

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=10,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def probe(case: schemathesis.Case) -> None:
        kwargs = case.as_transport_kwargs(base_url="http://testserver")
        kwargs["headers"] = {
            k: v for k, v in kwargs["headers"].items() if k.lower() != "authorization"
        } | admin
        kwargs.pop("cookies", None)
        try:
            request = client.build_request(**kwargs)
            request.read()  # a body the client cannot encode (an int as a file) is no input
        except (*_TRANSPORT_ERRORS, AttributeError, TypeError):
            reject()
        try:
            answer = client.send(request)
        except _TRANSPORT_ERRORS:
            reject()
        assert answer.status_code < 500, (
            f"{case.method} {case.formatted_path} -> {answer.status_code}: {answer.text[:500]}\n"
            f"{case.as_curl_command()}"
        )
        assert "Traceback" not in answer.text

    probe()
