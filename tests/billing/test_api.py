"""Billing API: answers, error codes with the field named, no full IBAN ever returned."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories.billing import (
    billing_account_body,
    card_body,
    customer_account,
    pack_meta_only,
    sepa_body,
)

BASE = "/api/billing-accounts"


@pytest.fixture
def pack(db: Session) -> str:
    return pack_meta_only(db)


@pytest.fixture
def account_id(db: Session, pack: str) -> str:
    return customer_account(db)[1].id


@pytest.fixture
def billing_id(client: TestClient, agent: dict[str, str], account_id: str) -> str:
    answer = client.post(BASE, json=billing_account_body(account_id), headers=agent)
    assert answer.status_code == 201
    return str(answer.json()["id"])


def _error(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error: dict[str, Any] = answer.json()["error"]
    return error


def test_creates_and_reads_a_billing_account(
    client: TestClient, agent: dict[str, str], billing_id: str, account_id: str
) -> None:
    body = client.get(f"{BASE}/{billing_id}", headers=agent).json()
    assert body["account_id"] == account_id
    assert body["currency"] == "CZK"
    assert body["billable"] is False
    found = client.get(BASE, params={"account_id": account_id}, headers=agent).json()
    assert [b["id"] for b in found] == [billing_id]


def test_requires_a_token(client: TestClient, account_id: str) -> None:
    answer = client.post(BASE, json=billing_account_body(account_id))
    assert _error(answer, 401)["code"] == "unauthorized"


def test_second_billing_account_is_409(
    client: TestClient, integration: dict[str, str], billing_id: str, account_id: str
) -> None:
    answer = client.post(BASE, json=billing_account_body(account_id), headers=integration)
    assert _error(answer, 409)["field"] == "account_id"


def test_unknown_account_is_404(client: TestClient, agent: dict[str, str], pack: str) -> None:
    answer = client.post(BASE, json=billing_account_body("missing"), headers=agent)
    assert _error(answer, 404)["code"] == "not_found"


def test_unknown_billing_account_is_404(client: TestClient, agent: dict[str, str]) -> None:
    assert _error(client.get(f"{BASE}/missing", headers=agent), 404)["code"] == "not_found"
    answer = client.post(f"{BASE}/missing/payment-methods", json=sepa_body(), headers=agent)
    assert _error(answer, 404)["code"] == "not_found"


@pytest.mark.parametrize("day", [0, 29])
def test_cycle_day_out_of_range_is_422(
    client: TestClient, agent: dict[str, str], account_id: str, day: int
) -> None:
    answer = client.post(BASE, json=billing_account_body(account_id, cycle_day=day), headers=agent)
    assert _error(answer, 422)["field"] == "cycle_day"


def test_patch_changes_cycle_day(
    client: TestClient, agent: dict[str, str], billing_id: str
) -> None:
    answer = client.patch(f"{BASE}/{billing_id}", json={"cycle_day": 20}, headers=agent)
    assert answer.status_code == 200
    assert answer.json()["cycle_day"] == 20


def test_patch_unknown_field_is_422(
    client: TestClient, agent: dict[str, str], billing_id: str
) -> None:
    answer = client.patch(f"{BASE}/{billing_id}", json={"currency": "EUR"}, headers=agent)
    assert _error(answer, 422)["field"] == "currency"


def test_adds_sepa_mandate_and_never_returns_the_full_iban(
    client: TestClient, agent: dict[str, str], billing_id: str
) -> None:
    answer = client.post(f"{BASE}/{billing_id}/payment-methods", json=sepa_body(), headers=agent)
    assert answer.status_code == 201, answer.text
    listed = client.get(f"{BASE}/{billing_id}/payment-methods", headers=agent)
    for text in (answer.text, listed.text):
        assert "0800000019200014" not in text
    body = answer.json()
    assert body["iban_masked"] == "CZ65 **** **** **** **** 5399"
    assert body["mandate_reference"].startswith("FM-")
    assert "iban" not in body


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"iban": "CZ6608000000192000145399"}, "iban", "check digits do not match"),
        ({"iban": "TR330006100519786457841326", "bic": None}, "iban", "SEPA"),
        ({"bic": "COBADEFFXXX"}, "bic", "does not match the IBAN's country"),
        ({"mandate_signed_on": "2999-01-01"}, "mandate_signed_on", "future"),
    ],
)
def test_bad_sepa_details_are_422_naming_the_field(
    client: TestClient,
    agent: dict[str, str],
    billing_id: str,
    overrides: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    answer = client.post(
        f"{BASE}/{billing_id}/payment-methods", json=sepa_body(**overrides), headers=agent
    )
    error = _error(answer, 422)
    assert error["field"] == field
    assert reason in error["message"]


def test_card_number_is_refused(client: TestClient, agent: dict[str, str], billing_id: str) -> None:
    body = card_body(token_reference="4242 4242 4242 4242")
    answer = client.post(f"{BASE}/{billing_id}/payment-methods", json=body, headers=agent)
    error = _error(answer, 422)
    assert error["field"] == "token_reference"
    assert "card numbers must never be sent" in error["message"]


def test_unknown_payment_kind_is_422(
    client: TestClient, agent: dict[str, str], billing_id: str
) -> None:
    body = {"kind": "cash"}
    answer = client.post(f"{BASE}/{billing_id}/payment-methods", json=body, headers=agent)
    assert _error(answer, 422)["code"] == "invalid_input"


def test_card_token_is_added_and_revoked_once(
    client: TestClient, agent: dict[str, str], billing_id: str
) -> None:
    added = client.post(f"{BASE}/{billing_id}/payment-methods", json=card_body(), headers=agent)
    method = added.json()
    assert (method["brand"], method["last4"], method["is_default"]) == ("visa", "4242", True)
    assert "token_reference" not in method
    url = f"{BASE}/{billing_id}/payment-methods/{method['id']}"
    assert client.delete(url, headers=agent).json()["status"] == "revoked"
    assert _error(client.delete(url, headers=agent), 409)["code"] == "conflict"


def test_revoking_unknown_method_is_404(
    client: TestClient, agent: dict[str, str], billing_id: str
) -> None:
    url = f"{BASE}/{billing_id}/payment-methods/missing"
    assert _error(client.delete(url, headers=agent), 404)["code"] == "not_found"


def test_preview_with_unsupported_locale_is_422(
    client: TestClient, agent: dict[str, str], billing_id: str
) -> None:
    url = f"{BASE}/{billing_id}/first-bill-preview"
    answer = client.get(url, params={"locale": "xx"}, headers=agent)
    assert _error(answer, 422)["field"] == "locale"


def test_preview_before_any_order_is_409(
    client: TestClient, agent: dict[str, str], billing_id: str
) -> None:
    answer = client.get(f"{BASE}/{billing_id}/first-bill-preview", headers=agent)
    assert _error(answer, 409)["code"] == "conflict"
