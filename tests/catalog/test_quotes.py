"""Quotes priced by hand: every expected amount below is worked out in the comment next to it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.catalog import pricing, service
from firstmile.catalog.models import Quote, QuoteStatus
from firstmile.customers.models import AccountKind
from firstmile.eventlog.models import Event
from firstmile.kit import time as clock
from firstmile.kit.errors import Conflict, FirstmileError, InvalidInput, NotFound
from tests.factories.catalog import (
    SUPPLY_POINT,
    customer_with_account,
    quote_create,
    stockholm_address,
)

NOW = datetime(2024, 2, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen(sessions: sessionmaker[Session]) -> Iterator[None]:
    # after `sessions`, which resets the clock
    with clock.frozen_at(NOW):
        yield


def _quote(
    db: Session, *items: dict[str, Any], kind: AccountKind = AccountKind.RESIDENTIAL, **kwargs: Any
) -> Quote:
    customer, account = customer_with_account(db, kind=kind)
    return service.create_quote(db, quote_create(customer, account, *items, **kwargs), actor=SYSTEM)


def _line(quote: Quote, code: str, item: int = 0) -> dict[str, Any]:
    return next(x for x in quote.content["lines"] if x["code"] == code and x["item"] == item)


def test_mobile_with_intro_discount_full_first_month(telco: str, db: Session) -> None:
    quote = _quote(db, {"offering": "mobile-10gb"}, start_date=date(2024, 3, 1))
    # monthly 329.00 + 21% = 69.09 -> 398.09; -50%: -164.50, tax -34.545 -> -34.55 (half up)
    assert _line(quote, "monthly")["gross"] == "398.09"
    assert (_line(quote, "intro-50")["net"], _line(quote, "intro-50")["gross"]) == (
        "-164.50",
        "-199.05",
    )
    bills = quote.content["bills"]
    # first bill: SIM 119.79 + 398.09 - 199.05 (starts on cycle day 1: a full month)
    assert bills["first"]["gross"] == "318.83"
    assert bills["regular"]["gross"] == "398.09"
    assert bills["schedule"][0] == {
        "from_month": 2,
        "to_month": 3,
        "net": "164.50",
        "tax": "34.54",
        "gross": "199.04",
    }
    assert quote.content["totals"]["one_time"] == {
        "net": "99.00",
        "tax": "20.79",
        "gross": "119.79",
    }
    assert (quote.monthly_gross, quote.first_bill_gross) == (
        pricing.q(quote.monthly_gross, "CZK"),
        pricing.q(quote.first_bill_gross, "CZK"),
    )


def test_switched_features_and_add_on_change_the_monthly_bill(telco: str, db: Session) -> None:
    item = {
        "offering": "mobile-10gb",
        "add_ons": ["extra-data-10gb"],
        "features": {"roaming": False, "content-filter": True},
    }
    quote = _quote(db, item, start_date=date(2024, 3, 1))
    # 329.00 + 29.00 (content filter on) + 149.00 (extra data) = 507.00; VAT 69.09+6.09+31.29
    assert quote.content["bills"]["regular"] == {
        **quote.content["bills"]["regular"],
        "net": "507.00",
        "tax": "106.47",
        "gross": "613.47",
    }
    features = {f["code"]: f["on"] for f in quote.content["items"][0]["features"]}
    assert features["roaming"] is False
    assert features["content-filter"] is True
    assert quote.content["items"][0]["components"][0]["features"]["roaming"] is False


def test_fibre_first_bill_prorated_in_leap_february(telco: str, db: Session) -> None:
    quote = _quote(db, {"offering": "fibre-300"}, start_date=date(2024, 2, 15))
    first = quote.content["bills"]["first"]
    # installation 990 waived (-990): one-time 0; 499.00 x 15/29 = 258.103 -> 258.10, VAT 54.20
    assert (first["days"], first["cycle_days"]) == (15, 29)
    assert (first["net"], first["tax"], first["gross"]) == ("258.10", "54.20", "312.30")
    assert quote.content["bills"]["regular"]["gross"] == "603.79"  # 499.00 + 104.79


def test_fibre_first_bill_prorated_in_common_february(telco: str, db: Session) -> None:
    with clock.frozen_at(datetime(2023, 2, 1, tzinfo=UTC)):
        quote = _quote(db, {"offering": "fibre-300"}, start_date=date(2023, 2, 15))
    # 499.00 x 14/28 = 249.50, VAT 52.395 -> 52.40
    assert quote.content["bills"]["first"]["gross"] == "301.90"


def test_bundle_prices_its_components_and_discount(telco: str, db: Session) -> None:
    quote = _quote(
        db, {"offering": "fibre-tv-bundle", "add_ons": ["tv-sports"]}, start_date=date(2024, 3, 1)
    )
    # 499 + 299 + 59 (box) + 249 (sports) - 150 = 956.00; VAT 104.79+62.79+12.39+52.29-31.50
    regular = quote.content["bills"]["regular"]
    assert (regular["net"], regular["tax"], regular["gross"]) == ("956.00", "200.76", "1156.76")
    item = quote.content["items"][0]
    assert [c["offering"] for c in item["components"]] == ["fibre-300", "tv-basic"]
    assert item["components"][0]["service_spec"]["device_models"] == ["router-fm-ax3000"]
    assert item["terms"]["minimum_term_months"] == 24


def test_quantity_multiplies_each_line(telco: str, db: Session) -> None:
    quote = _quote(db, {"offering": "mobile-10gb", "quantity": 3}, start_date=date(2024, 3, 1))
    assert _line(quote, "monthly")["net"] == "987.00"
    assert _line(quote, "intro-50")["net"] == "-493.50"


def test_energy_quote_with_grid_area_discount_and_proration(energy: str, db: Session) -> None:
    quote = _quote(
        db,
        {"offering": "el-spot", "add_ons": ["green-origin"]},
        address=stockholm_address(),
        start_date=date(2024, 4, 16),
    )
    first = quote.content["bills"]["first"]
    # 15 of 30 April days. standing 31.20 -> 15.60 (+3.90); discount -15.60 -> -7.80 (-1.95);
    # network SE3 320.00 -> 160.00 (+40.00); green 15.00 -> 7.50 (+1.88): 175.30 + 43.83
    assert (first["net"], first["tax"], first["gross"]) == ("175.30", "43.83", "219.13")
    # regular: 31.20 + 320.00 + 15.00 = 366.20, VAT 25% 91.55
    assert quote.content["bills"]["regular"]["gross"] == "457.75"
    rates = {r["code"]: r for r in quote.content["items"][0]["usage_rates"]}
    assert rates["margin"]["indexed"] == "spot"
    assert (rates["energy-tax"]["unit_net"], rates["energy-tax"]["unit_gross"]) == (
        "0.4390",
        "0.5488",
    )
    assert rates["network-se3"]["unit_gross"] == "0.3125"
    assert rates["origin"]["unit_gross"] == "0.0250"
    assert quote.content["items"][0]["eligibility"]["grid_area"] == "SE3"


def test_time_of_use_rates_keep_their_windows(energy: str, db: Session) -> None:
    quote = _quote(db, {"offering": "el-time-of-use"}, address=stockholm_address())
    rates = {r["code"]: r for r in quote.content["items"][0]["usage_rates"]}
    assert rates["peak"]["window"] == {"hours_from": 6, "hours_to": 22, "weekdays": [1, 2, 3, 4, 5]}
    assert rates["off-peak"]["window"] is None


def test_quote_defaults_start_to_today_and_is_valid_30_days(telco: str, db: Session) -> None:
    quote = _quote(db, {"offering": "mobile-10gb"})
    assert quote.start_date == date(2024, 2, 10)
    assert quote.valid_until == NOW + timedelta(days=30)
    assert quote.status == QuoteStatus.OPEN


def test_ported_number_is_normalised_to_e164(telco: str, db: Session) -> None:
    quote = _quote(
        db,
        {
            "offering": "mobile-10gb",
            "options": {"port_number": "603 123 456", "sim_type": "physical"},
        },
    )
    assert quote.content["items"][0]["options"] == {
        "sim_type": "physical",
        "port_number": "+420603123456",
    }


def test_quote_records_quote_created_with_customer(telco: str, db: Session) -> None:
    quote = _quote(db, {"offering": "mobile-10gb"})
    event = db.scalar(select(Event).where(Event.type == "quote.created"))
    assert event is not None
    assert (event.customer_id, event.subject_id) == (quote.customer_id, quote.id)
    assert event.payload["monthly_gross"] == quote.content["bills"]["regular"]["gross"]


def test_snapshot_is_a_json_safe_copy(telco: str, db: Session) -> None:
    quote = _quote(db, {"offering": "fibre-tv-bundle"})
    snapshot = service.quote_snapshot(quote)
    assert json.loads(json.dumps(snapshot)) == snapshot
    snapshot["lines"].clear()
    assert quote.content["lines"]
    assert (
        pricing.bill_preview(service.quote_snapshot(quote), start=quote.start_date, cycle_day=1)
        == quote.content["bills"]
    )


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (
            {"offering": "mobile-10gb", "features": {"emergency-location": False}},
            "items.0.features.emergency-location",
        ),
        ({"offering": "mobile-10gb", "features": {"nope": True}}, "items.0.features.nope"),
        ({"offering": "mobile-10gb", "add_ons": ["tv-sports"]}, "items.0.add_ons.0"),
        (
            {"offering": "mobile-10gb", "add_ons": ["extra-data-10gb", "extra-data-10gb"]},
            "items.0.add_ons.1",
        ),
        ({"offering": "extra-data-10gb"}, "items.0.offering"),
        ({"offering": "tv-basic", "options": {"sim_type": "esim"}}, "items.0.options.sim_type"),
        (
            {"offering": "mobile-10gb", "options": {"port_number": "12345"}},
            "items.0.options.port_number",
        ),
        (
            {"offering": "mobile-10gb", "quantity": 2, "options": {"port_number": "603123456"}},
            "items.0.options.port_number",
        ),
        (
            {"offering": "tv-basic", "options": {"port_number": "603123456"}},
            "items.0.options.port_number",
        ),
        ({"offering": "fibre-1000", "features": {}}, None),
        ({"offering": "mobile-business-unlimited"}, "items.0.offering"),
        ({"offering": "no-such-plan"}, "items.0.offering"),
    ],
)
def test_bad_items_are_refused_naming_the_field(
    telco: str, db: Session, item: dict[str, Any], field: str | None
) -> None:
    if field is None:  # the control case: a valid item passes
        assert _quote(db, item).id
        return
    with pytest.raises(InvalidInput) as err:
        _quote(db, item)
    assert err.value.field == field
    assert db.scalar(select(Quote)) is None


def test_ineligible_supply_point_names_the_address_field(energy: str, db: Session) -> None:
    address = stockholm_address(supply_point="735999000000000014")
    with pytest.raises(InvalidInput) as err:
        _quote(db, {"offering": "el-fixed-12"}, address=address)
    assert err.value.field == "service_address.supply_point"


def test_start_date_in_the_past_is_refused(telco: str, db: Session) -> None:
    with pytest.raises(InvalidInput) as err:
        _quote(db, {"offering": "mobile-10gb"}, start_date=date(2024, 2, 9))
    assert err.value.field == "start_date"


def test_unknown_customer_is_not_found(telco: str, db: Session) -> None:
    customer, account = customer_with_account(db)
    data = quote_create(customer, account, customer_id="00000000-0000-0000-0000-000000000000")
    with pytest.raises(NotFound):
        service.create_quote(db, data, actor=SYSTEM)


def test_account_of_another_customer_is_refused(telco: str, db: Session) -> None:
    customer, _ = customer_with_account(db)
    _, other_account = customer_with_account(db)
    with pytest.raises(InvalidInput) as err:
        service.create_quote(db, quote_create(customer, other_account), actor=SYSTEM)
    assert err.value.field == "account_id"


def test_mark_ordered_once_then_conflict(telco: str, db: Session) -> None:
    quote = _quote(db, {"offering": "mobile-10gb"})
    service.mark_quote_ordered(db, quote.id, actor=SYSTEM)
    assert service.quote_status(quote) == QuoteStatus.ORDERED
    with pytest.raises(Conflict):
        service.mark_quote_ordered(db, quote.id)
    assert db.scalar(select(Event).where(Event.type == "quote.ordered")) is not None


def test_expired_quote_cannot_be_ordered(telco: str, db: Session) -> None:
    quote = _quote(db, {"offering": "mobile-10gb"})
    db.commit()
    with clock.frozen_at(NOW + timedelta(days=30, seconds=1)):
        assert service.quote_status(quote) == QuoteStatus.EXPIRED
        with pytest.raises(Conflict) as err:
            service.mark_quote_ordered(db, quote.id)
    assert err.value.code == "quote_expired"


def test_concurrent_orders_of_one_quote_succeed_once(
    telco: str, db: Session, sessions: sessionmaker[Session]
) -> None:
    quote = _quote(db, {"offering": "mobile-10gb"})
    db.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def order() -> None:
        with sessions() as s:
            barrier.wait()
            try:
                service.mark_quote_ordered(s, quote.id, actor=SYSTEM)
                s.commit()
                outcomes.append("ok")
            except FirstmileError:
                s.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=order) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]


def test_the_quote_keeps_the_metering_point_as_ascii_digits(energy: str, db: Session) -> None:
    typed = "７３５ ９９９\u00a0０００ ０００ ０００ ０１３"
    quote = _quote(db, {"offering": "el-spot"}, address=stockholm_address(supply_point=typed))
    assert quote.content["service_address"]["supply_point"] == SUPPLY_POINT


def test_a_quote_without_a_metering_point_keeps_none(energy: str, db: Session) -> None:
    quote = _quote(db, {"offering": "gas-standard"}, address=stockholm_address(supply_point=" "))
    assert quote.content["service_address"]["supply_point"] is None


def test_an_invalid_metering_point_is_refused_whatever_the_offering(
    energy: str, db: Session
) -> None:
    address = stockholm_address(supply_point="735999 ABC")
    with pytest.raises(InvalidInput) as err:
        _quote(db, {"offering": "gas-standard"}, address=address)
    assert err.value.field == "service_address.supply_point"
    assert "no letters" in err.value.message


@pytest.mark.parametrize("offering", ["el-spot", "gas-standard"])
def test_an_energy_supply_has_quantity_one(energy: str, db: Session, offering: str) -> None:
    with pytest.raises(InvalidInput) as err:
        _quote(db, {"offering": offering, "quantity": 3}, address=stockholm_address())
    assert err.value.field == "items.0.quantity"
    assert db.scalar(select(Quote)) is None


def test_one_metering_point_is_supplied_once_per_quote(energy: str, db: Session) -> None:
    with pytest.raises(InvalidInput) as err:
        _quote(
            db,
            {"offering": "el-fixed-12"},
            {"offering": "el-spot"},
            address=stockholm_address(),
        )
    assert err.value.field == "items.1.offering"
    assert "one supply per metering point" in err.value.message


def test_electricity_and_gas_go_in_one_quote(energy: str, db: Session) -> None:
    quote = _quote(
        db, {"offering": "el-spot"}, {"offering": "gas-standard"}, address=stockholm_address()
    )
    assert [i["offering"] for i in quote.content["items"]] == ["el-spot", "gas-standard"]


@pytest.mark.parametrize("postcode", ["111", "1113499999"])
def test_a_swedish_postcode_without_five_digits_is_refused(
    energy: str, db: Session, postcode: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        _quote(db, {"offering": "el-spot"}, address=stockholm_address(postcode=postcode))
    assert err.value.field == "service_address.postcode"


def test_a_swedish_postcode_with_its_country_prefix_is_quoted(energy: str, db: Session) -> None:
    quote = _quote(db, {"offering": "el-spot"}, address=stockholm_address(postcode="SE-111 34"))
    assert quote.content["items"][0]["eligibility"]["grid_area"] == "SE3"


def test_the_network_charge_is_a_bill_amount(energy: str, db: Session) -> None:
    quote = _quote(db, {"offering": "el-spot"}, address=stockholm_address())
    network = _line(quote, "network-se3")
    assert (network["unit_net"], network["net"], network["gross"]) == ("320.00", "320.00", "400.00")
