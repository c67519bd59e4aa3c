from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firstmile.customers import service
from firstmile.customers.models import Customer
from firstmile.messaging.models import Message
from tests.factories import appointments as make_appointments
from tests.factories import customers as make

Headers = dict[str, str]


def _register(client: TestClient, headers: Headers, **overrides: Any) -> dict[str, Any]:
    answer = client.post(
        "/api/customers", json=make.registration_body(**overrides), headers=headers
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _field(answer: Any) -> str:
    assert answer.status_code == 422, answer.text
    field: str = answer.json()["error"]["field"]
    return field


def _medium(customer: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(m for m in customer["contact_media"] if m["kind"] == kind)


def test_registration_answers_the_whole_customer(client: TestClient, agent: Headers) -> None:
    body = _register(
        client,
        agent,
        accounts=[{"kind": "residential"}, make.business_account()],
        consents=[{"purpose": "marketing", "channel": "email", "granted": True}],
    )
    assert body["registered_via"] == "online_form"
    assert body["display_name"] == "Eva Nováková"
    assert sorted(a["kind"] for a in body["accounts"]) == ["business", "residential"]
    assert {m["kind"] for m in body["contact_media"]} == {"email", "phone", "postal"}
    assert [(c["purpose"], c["channel"], c["granted"]) for c in body["consents"]] == [
        ("marketing", "email", True)
    ]


def test_integrations_may_register_too(client: TestClient, integration: Headers) -> None:
    assert _register(client, integration)["status"] == "prospect"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contacts": [make.email("not-an-email")]}, "contacts.0.value"),
        ({"contacts": [make.email(), make.phone("+420 12")]}, "contacts.1.value"),
        (
            {"customer": make.organization(vat_number="CZ25123890")},
            "customer.vat_number",
        ),
        ({"preferences": {"time_zone": "Europe/Atlantis"}}, "preferences.time_zone"),
        ({"preferences": {"language": "xx"}}, "preferences.language"),
        (
            {"preferences": {"preferred_channels": ["sms", "email", "sms"]}},
            "preferences.preferred_channels.2",
        ),
        ({"preferences": {"preferred_channels": ["pigeon"]}}, "preferences.preferred_channels.0"),
        ({"accounts": []}, "accounts"),
        ({"accounts": [{"kind": "residential"}, {"kind": "business"}]}, "accounts.1.company"),
        ({"customer": make.person(given_name=None)}, "customer.given_name"),
        ({"customer": make.person(country="XX")}, "customer.country"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_registration_names_the_field(
    client: TestClient, agent: Headers, db: Session, overrides: dict[str, Any], field: str
) -> None:
    answer = client.post("/api/customers", json=make.registration_body(**overrides), headers=agent)
    assert _field(answer) == field
    assert db.scalar(select(func.count()).select_from(Customer)) == 0


def test_bad_vat_message_says_check_digit(client: TestClient, agent: Headers) -> None:
    body = make.registration_body(customer=make.organization(vat_number="CZ25123890"))
    answer = client.post("/api/customers", json=body, headers=agent)
    assert "check digit does not match" in answer.json()["error"]["message"]


def test_registration_needs_a_token(client: TestClient) -> None:
    assert client.post("/api/customers", json=make.registration_body()).status_code == 401


def test_unknown_customer_is_404(client: TestClient, agent: Headers) -> None:
    assert client.get("/api/customers/nope", headers=agent).status_code == 404
    assert client.patch("/api/customers/nope", json={}, headers=agent).status_code == 404
    accounts = {"accounts": [{"kind": "residential"}]}
    assert (
        client.post("/api/customers/nope/accounts", json=accounts, headers=agent).status_code == 404
    )
    assert client.get("/api/customers/nope/consents", headers=agent).status_code == 404
    assert client.get("/api/accounts/nope", headers=agent).status_code == 404


def test_read_customer_back(client: TestClient, agent: Headers) -> None:
    created = _register(client, agent)
    answer = client.get(f"/api/customers/{created['id']}", headers=agent)
    assert answer.status_code == 200
    assert answer.json() == created


def test_search_is_paged(client: TestClient, agent: Headers) -> None:
    for index in range(3):
        _register(client, agent, contacts=[make.email(f"eva{index}@example.com")])
    page = client.get("/api/customers", params={"name": "eva", "limit": 2}, headers=agent)
    assert page.status_code == 200
    assert (len(page.json()["items"]), page.json()["total"]) == (2, 3)
    one = client.get("/api/customers", params={"email": "EVA1@example.com"}, headers=agent)
    assert one.json()["total"] == 1


def test_search_by_national_phone_number_names_the_field(
    client: TestClient, agent: Headers
) -> None:
    answer = client.get("/api/customers", params={"phone": "601123456"}, headers=agent)
    assert _field(answer) == "phone"


def test_patch_changes_preferences(client: TestClient, agent: Headers) -> None:
    created = _register(client, agent)
    body = {"language": "ar", "time_zone": "Asia/Dubai", "preferred_channels": ["inapp", "post"]}
    answer = client.patch(f"/api/customers/{created['id']}", json=body, headers=agent)
    assert answer.status_code == 200
    got = answer.json()
    assert (got["language"], got["time_zone"], got["preferred_channels"]) == (
        "ar",
        "Asia/Dubai",
        ["inapp", "post"],
    )


def test_patch_with_bad_time_zone_names_it(client: TestClient, agent: Headers) -> None:
    created = _register(client, agent)
    answer = client.patch(
        f"/api/customers/{created['id']}", json={"time_zone": "Nowhere"}, headers=agent
    )
    assert _field(answer) == "time_zone"


def test_open_several_accounts_in_one_request(client: TestClient, agent: Headers) -> None:
    created = _register(client, agent)
    body = {"accounts": [make.business_account(), {"kind": "residential", "name": "Chata"}]}
    answer = client.post(f"/api/customers/{created['id']}/accounts", json=body, headers=agent)
    assert answer.status_code == 201
    assert [a["kind"] for a in answer.json()] == ["business", "residential"]
    listed = client.get(f"/api/customers/{created['id']}/accounts", headers=agent).json()
    assert len(listed) == 3


def test_open_accounts_with_empty_list_names_the_field(client: TestClient, agent: Headers) -> None:
    created = _register(client, agent)
    answer = client.post(
        f"/api/customers/{created['id']}/accounts", json={"accounts": []}, headers=agent
    )
    assert _field(answer) == "accounts"


def test_withdrawn_consent_is_honoured(client: TestClient, agent: Headers, db: Session) -> None:
    created = _register(
        client, agent, consents=[{"purpose": "marketing", "channel": "sms", "granted": True}]
    )
    url = f"/api/customers/{created['id']}/consents"
    withdraw = {"purpose": "marketing", "channel": "sms", "granted": False, "source": "agent"}
    assert client.post(url, json=withdraw, headers=agent).status_code == 201
    current = client.get(url, headers=agent).json()
    assert [(c["granted"], c["version"]) for c in current] == [(False, 2)]
    history = client.get(f"{url}/history", headers=agent).json()
    assert [c["granted"] for c in history] == [True, False]
    assert not service.may_contact(db, created["id"], purpose="marketing", channel="sms")


def test_consent_with_unknown_purpose_names_the_field(client: TestClient, agent: Headers) -> None:
    created = _register(client, agent)
    body = {"purpose": "gossip", "channel": "sms", "granted": True}
    answer = client.post(f"/api/customers/{created['id']}/consents", json=body, headers=agent)
    assert _field(answer) == "purpose"


def test_add_update_and_remove_a_contact(client: TestClient, agent: Headers) -> None:
    created = _register(client, agent)
    url = f"/api/customers/{created['id']}/contact-media"
    added = client.post(url, json=make.phone("+46 70 123 45 67"), headers=agent)
    assert added.status_code == 201
    assert (added.json()["value"], added.json()["phone_type"]) == ("+46701234567", "mobile")
    medium_url = f"{url}/{added.json()['id']}"
    updated = client.patch(medium_url, json={"label": "work", "preferred": True}, headers=agent)
    assert (updated.json()["label"], updated.json()["preferred"]) == ("work", True)
    assert client.delete(medium_url, headers=agent).status_code == 204
    assert client.patch(medium_url, json={"label": "x"}, headers=agent).status_code == 404


def test_adding_a_bad_phone_names_the_field(client: TestClient, agent: Headers) -> None:
    created = _register(client, agent)
    url = f"/api/customers/{created['id']}/contact-media"
    assert _field(client.post(url, json=make.phone("12"), headers=agent)) == "body.value"


def test_adding_a_held_contact_is_409(client: TestClient, agent: Headers) -> None:
    created = _register(client, agent)
    url = f"/api/customers/{created['id']}/contact-media"
    assert client.post(url, json=make.email(), headers=agent).status_code == 409


def _message(db: Session, message_id: str) -> tuple[str | None, str, str]:
    """(recipient, locale, body); ends the read so the API's writes are not locked out."""
    message = db.get(Message, message_id)
    assert message is not None
    seen = (message.recipient, message.locale, message.body_text)
    db.rollback()
    return seen


def _code_sent(db: Session, message_id: str) -> str:
    found = re.search(r"\b(\d{6})\b", _message(db, message_id)[2])
    assert found is not None
    return found.group(1)


@pytest.mark.usefixtures("telco")
def test_email_verified_with_the_code_sent(client: TestClient, agent: Headers, db: Session) -> None:
    created = _register(client, agent)
    email = _medium(created, "email")
    url = f"/api/customers/{created['id']}/contact-media/{email['id']}/verification"
    sent = client.post(url, headers=agent)
    assert sent.status_code == 202, sent.text
    assert sent.json()["channel"] == "email"
    recipient, locale, _body = _message(db, sent.json()["message_id"])
    assert (recipient, locale) == ("eva.novakova@example.com", "cs")
    confirmed = client.post(
        f"{url}/confirm", json={"code": _code_sent(db, sent.json()["message_id"])}, headers=agent
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["verified_at"] is not None
    assert service.contact_for(db, created["id"], "email") == "eva.novakova@example.com"


@pytest.mark.usefixtures("telco")
def test_wrong_code_names_the_field(client: TestClient, agent: Headers, db: Session) -> None:
    created = _register(client, agent)
    phone = _medium(created, "phone")
    url = f"/api/customers/{created['id']}/contact-media/{phone['id']}/verification"
    sent = client.post(url, headers=agent)
    assert sent.json()["channel"] == "sms"
    wrong = "000000" if _code_sent(db, sent.json()["message_id"]) != "000000" else "111111"
    assert _field(client.post(f"{url}/confirm", json={"code": wrong}, headers=agent)) == "code"


def test_fixed_line_cannot_get_a_code(client: TestClient, agent: Headers) -> None:
    created = _register(client, agent, contacts=[make.phone("+420 222 123 456")])
    phone = _medium(created, "phone")
    assert phone["phone_type"] == "fixed"
    url = f"/api/customers/{created['id']}/contact-media/{phone['id']}/verification"
    assert client.post(url, headers=agent).status_code == 409


def test_agent_verifies_in_person_with_a_reason(
    client: TestClient, agent: Headers, integration: Headers
) -> None:
    created = _register(client, agent)
    postal = _medium(created, "postal")
    url = f"/api/customers/{created['id']}/contact-media/{postal['id']}/verification/in-person"
    body = {"reason": "utility bill shown at the shop"}
    assert client.post(url, json=body, headers=integration).status_code == 403
    answer = client.post(url, json=body, headers=agent)
    assert answer.status_code == 200
    assert answer.json()["verified_at"] is not None
    assert client.post(url, json=body, headers=agent).status_code == 409
    timeline = client.get(f"/api/customers/{created['id']}/timeline", headers=agent).json()
    verified = [e for e in timeline["events"] if e["type"] == "contact.verified"]
    assert verified[0]["payload"]["reason"] == body["reason"]


def test_verification_of_unknown_medium_is_404(client: TestClient, agent: Headers) -> None:
    created = _register(client, agent)
    url = f"/api/customers/{created['id']}/contact-media/nope/verification"
    assert client.post(url, headers=agent).status_code == 404


def _appointment_body(slot_id: str) -> dict[str, Any]:
    return {
        "customer": make.person(),
        "contacts": [make.phone()],
        "slot_id": slot_id,
    }


def test_registration_by_appointment_books_the_slot(
    client: TestClient, agent: Headers, db: Session
) -> None:
    slot = make_appointments.slot(db, make_appointments.calendar(db))
    db.commit()
    answer = client.post(
        "/api/registrations/appointment", json=_appointment_body(slot.id), headers=agent
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["booking_id"]
    assert (body["customer"]["registered_via"], body["customer"]["accounts"]) == (
        "appointment",
        [],
    )


def test_full_slot_writes_no_prospect(client: TestClient, agent: Headers, db: Session) -> None:
    slot = make_appointments.slot(db, make_appointments.calendar(db), capacity=1)
    make_appointments.booking(db, slot)
    db.commit()
    answer = client.post(
        "/api/registrations/appointment", json=_appointment_body(slot.id), headers=agent
    )
    assert answer.status_code == 409
    assert db.scalar(select(func.count()).select_from(Customer)) == 1  # the earlier booker


def test_unknown_slot_is_404(client: TestClient, agent: Headers) -> None:
    answer = client.post(
        "/api/registrations/appointment", json=_appointment_body("nope"), headers=agent
    )
    assert answer.status_code == 404


def test_a_customer_without_a_time_zone_gets_the_operators(
    energy: str, client: TestClient, agent: Headers
) -> None:
    body = make.registration_body()
    body["preferences"].pop("time_zone", None)
    answer = client.post("/api/customers", json=body, headers=agent)
    assert answer.status_code == 201, answer.text
    assert answer.json()["time_zone"] == "Europe/Stockholm"  # the energy pack's, not UTC
