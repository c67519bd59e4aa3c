from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from firstmile.customers.models import AccountStatus
from firstmile.kit.time import utcnow
from tests.factories.catalog import (
    SUPPLY_POINT,
    customer_with_account,
    prague_address,
    quote_body,
    stockholm_address,
)


def test_offerings_are_listed_in_the_requested_locale(
    telco: str, client: TestClient, agent: dict[str, str]
) -> None:
    answer = client.get("/api/offerings", params={"locale": "ja"}, headers=agent)
    assert answer.status_code == 200
    by_code = {o["code"]: o for o in answer.json()}
    assert by_code["mobile-10gb"]["name"] == "モバイル 10GB"
    assert "static-ip" in by_code["fibre-300"]["add_ons"]


def test_offering_shows_net_tax_gross_and_features(
    telco: str, client: TestClient, integration: dict[str, str]
) -> None:
    answer = client.get("/api/offerings/mobile-10gb", params={"locale": "ar"}, headers=integration)
    assert answer.status_code == 200
    body = answer.json()
    monthly = next(p for p in body["prices"] if p["code"] == "monthly")
    assert (monthly["net"], monthly["tax"], monthly["gross"]) == ("329.00", "69.09", "398.09")
    roaming = next(f for f in body["features"] if f["code"] == "roaming")
    assert roaming == {
        "code": "roaming",
        "name": "التجوال",
        "default": True,
        "switchable": True,
        "monthly_net": None,
    }
    assert body["service_spec"]["sim_types"] == ["esim", "physical"]


def test_unknown_offering_is_404(telco: str, client: TestClient, agent: dict[str, str]) -> None:
    assert client.get("/api/offerings/nope", headers=agent).status_code == 404


def test_unsupported_locale_is_422(telco: str, client: TestClient, agent: dict[str, str]) -> None:
    answer = client.get("/api/offerings", params={"locale": "xx"}, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "locale"


def test_catalog_needs_a_token(telco: str, client: TestClient) -> None:
    assert client.get("/api/offerings").status_code == 401
    assert client.post("/api/quotes", json={}).status_code == 401


def test_eligibility_endpoint_gives_reasons(
    telco: str, client: TestClient, agent: dict[str, str]
) -> None:
    body = {
        "offering": "fibre-1000",
        "customer_kind": "residential",
        "address": prague_address(postcode="602 00", street="Husova", house_number="5"),
    }
    answer = client.post("/api/eligibility", json=body, headers=agent)
    assert answer.status_code == 200
    assert answer.json()["eligible"] is False
    assert answer.json()["reasons"][0]["code"] == "speed_unavailable"


def test_eligibility_with_bad_customer_kind_is_422(
    telco: str, client: TestClient, agent: dict[str, str]
) -> None:
    body = {"offering": "fibre-1000", "customer_kind": "alien", "address": prague_address()}
    answer = client.post("/api/eligibility", json=body, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "customer_kind"


def test_quote_is_created_and_read_back(
    telco: str, client: TestClient, agent: dict[str, str], db: Session
) -> None:
    customer, account = customer_with_account(db)
    body = quote_body(
        customer, account, {"offering": "mobile-10gb", "features": {"roaming": False}}
    )
    created = client.post("/api/quotes", json=body, headers=agent)
    assert created.status_code == 201
    quote = created.json()
    assert quote["status"] == "open"
    assert quote["monthly_gross"] == quote["content"]["bills"]["regular"]["gross"] == "398.09"
    again = client.get(f"/api/quotes/{quote['id']}", headers=agent)
    assert again.status_code == 200
    assert again.json()["content"] == quote["content"]


def test_non_switchable_feature_off_is_422_naming_it(
    telco: str, client: TestClient, agent: dict[str, str], db: Session
) -> None:
    customer, account = customer_with_account(db)
    item = {"offering": "mobile-10gb", "features": {"emergency-location": False}}
    answer = client.post("/api/quotes", json=quote_body(customer, account, item), headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "items.0.features.emergency-location"


def test_malformed_quote_names_the_field(
    telco: str, client: TestClient, agent: dict[str, str], db: Session
) -> None:
    customer, account = customer_with_account(db)
    body = quote_body(customer, account, {"offering": "mobile-10gb", "quantity": 0})
    answer = client.post("/api/quotes", json=body, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "items.0.quantity"


def test_quote_start_in_the_past_is_422(
    telco: str, client: TestClient, agent: dict[str, str], db: Session
) -> None:
    customer, account = customer_with_account(db)
    yesterday = utcnow().date() - timedelta(days=2)
    body = quote_body(customer, account, start_date=yesterday)
    answer = client.post("/api/quotes", json=body, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "start_date"


def test_quote_for_unknown_customer_is_404(
    telco: str, client: TestClient, agent: dict[str, str], db: Session
) -> None:
    customer, account = customer_with_account(db)
    body = quote_body(customer, account, customer_id="00000000-0000-0000-0000-000000000000")
    assert client.post("/api/quotes", json=body, headers=agent).status_code == 404


def test_quote_for_a_closed_account_is_409(
    telco: str, client: TestClient, agent: dict[str, str], db: Session
) -> None:
    customer, account = customer_with_account(db)
    account.status = AccountStatus.CLOSED
    db.commit()
    answer = client.post("/api/quotes", json=quote_body(customer, account), headers=agent)
    assert answer.status_code == 409


def test_unknown_quote_is_404(telco: str, client: TestClient, agent: dict[str, str]) -> None:
    assert client.get("/api/quotes/nope", headers=agent).status_code == 404


def test_quote_start_date_is_kept(
    telco: str, client: TestClient, agent: dict[str, str], db: Session
) -> None:
    customer, account = customer_with_account(db)
    start = utcnow().date() + timedelta(days=5)
    answer = client.post(
        "/api/quotes", json=quote_body(customer, account, start_date=start), headers=agent
    )
    assert answer.status_code == 201
    assert date.fromisoformat(answer.json()["start_date"]) == start


def test_a_quote_works_its_bills_out_for_the_billing_day_given(
    telco: str, client: TestClient, agent: dict[str, str], db: Session
) -> None:
    """The contract prints these bills: for an account whose billing day is already chosen,
    they must end its first period on that day, not on the operator's default."""
    customer, account = customer_with_account(db)
    body = quote_body(customer, account, {"offering": "mobile-10gb"}) | {
        "start_date": None,
        "cycle_day": 20,
    }
    quote = client.post("/api/quotes", json=body, headers=agent).json()
    first = quote["content"]["bills"]["first"]
    assert quote["content"]["cycle_day"] == quote["content"]["bills"]["cycle_day"] == 20
    assert first["period_end"].endswith("-19")
    refused = client.post("/api/quotes", json=body | {"cycle_day": 29}, headers=agent)
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "cycle_day"


def test_an_offering_shows_bill_amounts_in_the_currencys_digits_and_usage_rates_in_four(
    energy: str, client: TestClient, agent: dict[str, str]
) -> None:
    body = client.get("/api/offerings/el-fixed-12", headers=agent).json()
    prices = {p["code"]: (p["net"], p["tax"], p["gross"]) for p in body["prices"]}
    assert prices["standing"] == ("39.20", "9.80", "49.00")  # SEK: 2 digits
    assert prices["energy"] == ("1.0360", "0.2590", "1.2950")  # per kWh: 4


def test_eligibility_answers_the_metering_point_as_checked(
    energy: str, client: TestClient, agent: dict[str, str]
) -> None:
    typed = "735 999\u00a0000 000 000 013".translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    body = {
        "offering": "el-spot",
        "customer_kind": "residential",
        "address": stockholm_address(supply_point=typed),
    }
    answer = client.post("/api/eligibility", json=body, headers=agent)
    assert answer.json()["eligible"] is True
    assert answer.json()["supply_point"] == SUPPLY_POINT


def test_a_second_supply_of_one_metering_point_is_422_naming_the_item(
    energy: str, client: TestClient, agent: dict[str, str], db: Session
) -> None:
    customer, account = customer_with_account(db)
    items = [{"offering": "el-spot"}, {"offering": "el-time-of-use"}]
    body = quote_body(customer, account, *items, address=stockholm_address())
    answer = client.post("/api/quotes", json=body, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "items.1.offering"
    tripled = quote_body(
        customer, account, {"offering": "el-spot", "quantity": 3}, address=stockholm_address()
    )
    answer = client.post("/api/quotes", json=tripled, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "items.0.quantity"
