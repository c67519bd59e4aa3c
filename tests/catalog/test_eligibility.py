from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from stdnum import ean

from firstmile.catalog import service
from firstmile.kit.errors import NotFound
from tests.factories.catalog import SUPPLY_POINT, address, prague_address, stockholm_address


def _check(
    db: Session, offering: str, kind: str = "residential", **where: str
) -> service.Eligibility:
    base = stockholm_address() if offering.startswith(("el-", "gas")) else prague_address()
    return service.check_eligibility(
        db, offering_code=offering, customer_kind=kind, address=address(**{**base, **where})
    )


def _codes(result: service.Eligibility) -> list[str]:
    return [r.code for r in result.reasons]


def test_fibre_is_eligible_where_the_coverage_table_has_ftth(telco: str, db: Session) -> None:
    result = _check(db, "fibre-1000")
    assert result.eligible
    assert (result.technology, result.max_down_mbps) == ("FTTH", 1000)


def test_fibre_is_ineligible_without_coverage(telco: str, db: Session) -> None:
    result = _check(db, "fibre-300", postcode="396 01", city="Humpolec")
    assert _codes(result) == ["no_coverage"]


def test_offer_faster_than_the_line_is_ineligible_with_the_speeds(telco: str, db: Session) -> None:
    result = _check(db, "fibre-1000", postcode="602 00", street="Husova", house_number="5")
    assert _codes(result) == ["speed_unavailable"]
    assert "at most 500/200 Mbit/s" in result.reasons[0].message


def test_street_range_excludes_house_numbers_outside_it(telco: str, db: Session) -> None:
    # 2828/251: orientation number 251 is beyond the FTTH range 1-200; only VDSL remains.
    assert _codes(_check(db, "fibre-300", house_number="2828/251")) == ["no_coverage"]
    vdsl = _check(db, "dsl-50", house_number="2828/251")
    assert vdsl.eligible
    assert vdsl.technology == "VDSL"


def test_business_only_offer_is_ineligible_for_residential(telco: str, db: Session) -> None:
    result = _check(db, "mobile-business-unlimited")
    assert _codes(result) == ["customer_type"]
    assert _check(db, "mobile-business-unlimited", kind="business").eligible


def test_bundle_checks_its_broadband_component(telco: str, db: Session) -> None:
    assert _codes(_check(db, "fibre-tv-bundle", postcode="110 00")) == ["no_coverage"]


def test_electricity_supply_point_and_grid_area(energy: str, db: Session) -> None:
    result = _check(db, "el-fixed-12")
    assert result.eligible
    assert result.grid_area == "SE3"
    assert _check(db, "el-fixed-12", postcode="211 20", city="Malmö").grid_area == "SE4"


def test_supply_point_with_a_wrong_check_digit_is_ineligible(energy: str, db: Session) -> None:
    wrong = SUPPLY_POINT[:-1] + str((int(SUPPLY_POINT[-1]) + 1) % 10)
    result = _check(db, "el-spot", supply_point=wrong)
    assert _codes(result) == ["supply_point_invalid"]
    assert result.reasons[0].field == "address.supply_point"


def test_missing_supply_point_is_ineligible(energy: str, db: Session) -> None:
    base = stockholm_address()
    base.pop("supply_point")
    result = service.check_eligibility(
        db, offering_code="el-spot", customer_kind="residential", address=address(**base)
    )
    assert _codes(result) == ["supply_point_missing"]


def test_gas_needs_no_supply_point(energy: str, db: Session) -> None:
    assert _check(db, "gas-standard", supply_point="").eligible


def test_address_in_another_country_is_ineligible(telco: str, db: Session) -> None:
    assert _codes(_check(db, "mobile-10gb", country="SK")) == ["country"]


def test_unknown_offering_is_not_found(telco: str, db: Session) -> None:
    with pytest.raises(NotFound):
        _check(db, "no-such-plan")


@given(body=st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_every_gs1_check_digit_validates_and_others_do_not(body: str) -> None:
    number = "735999" + body
    good = ean.calc_check_digit(number)
    assert service.validate_supply_point(number + good) == number + good
    for digit in "0123456789":
        if digit != good:
            with pytest.raises(ValueError, match="check digit"):
                service.validate_supply_point(number + digit)


@pytest.mark.parametrize("value", ["12345", "73599900000000001X", "123456000000000013"])
def test_malformed_supply_points_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="metering point ID"):
        service.validate_supply_point(value)
