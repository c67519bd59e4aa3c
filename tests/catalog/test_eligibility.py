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


WIDE = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize(
    "typed",
    [
        "735 999 000 000 000 013",
        "735999\u00a0000000000013",
        "735999-000000000013",
        SUPPLY_POINT.translate(WIDE),
        SUPPLY_POINT.translate(ARABIC_INDIC),
        "７３５９９９\u3000００００００００００１３",
    ],
)
def test_a_typed_metering_point_is_kept_as_ascii_digits(
    energy: str, db: Session, typed: str
) -> None:
    result = _check(db, "el-spot", supply_point=typed)
    assert result.eligible
    assert result.supply_point == SUPPLY_POINT


@pytest.mark.parametrize("value", ["73599900000000001X", "7359990000000000I3", "ABC"])
def test_a_metering_point_with_letters_says_it_takes_only_digits(value: str) -> None:
    with pytest.raises(ValueError, match="only digits, no letters") as err:
        service.validate_supply_point(value)
    assert "18 digits" not in str(err.value)


def test_a_metering_point_with_other_signs_names_the_sign() -> None:
    with pytest.raises(ValueError, match=r"only digits, not '/'"):
        service.validate_supply_point("735999/000000000013")


@given(
    digits=st.lists(st.sampled_from([None, WIDE, ARABIC_INDIC]), min_size=18, max_size=18),
    gaps=st.lists(st.sampled_from(["", " ", "\u00a0", "-", "\u3000"]), min_size=18, max_size=18),
)
def test_any_way_of_typing_a_valid_metering_point_gives_its_ascii_digits(
    digits: list[dict[int, str] | None], gaps: list[str]
) -> None:
    typed = "".join(
        gap + (char.translate(table) if table else char)
        for char, table, gap in zip(SUPPLY_POINT, digits, gaps, strict=True)
    )
    assert service.validate_supply_point(typed) == SUPPLY_POINT


@pytest.mark.parametrize("postcode", ["111 43", "11143", "SE-111 43", "SE 111 43", "se-11143"])
def test_a_swedish_postcode_is_read_with_or_without_its_country_prefix(
    energy: str, db: Session, postcode: str
) -> None:
    result = _check(db, "el-fixed-12", postcode=postcode)
    assert result.eligible, result.reasons
    assert result.grid_area == "SE3"


@pytest.mark.parametrize("postcode", ["111", "1113499999", "111 4", "111 4X", "DK-111 43"])
def test_a_swedish_postcode_without_five_digits_names_the_postcode(
    energy: str, db: Session, postcode: str
) -> None:
    result = _check(db, "el-fixed-12", postcode=postcode)
    assert _codes(result) == ["postcode_invalid"]
    assert result.reasons[0].field == "address.postcode"
    assert result.grid_area is None


def test_grid_areas_compare_postcodes_as_numbers(energy: str, db: Session) -> None:
    # 37000-37999 is SE4 between two SE3 ranges; 96000 is SE1
    assert _check(db, "el-fixed-12", postcode="371 30").grid_area == "SE4"
    assert _check(db, "el-fixed-12", postcode="380 00").grid_area == "SE3"
    assert _check(db, "el-fixed-12", postcode="960 00").grid_area == "SE1"
    assert _codes(_check(db, "el-fixed-12", postcode="999 99")) == ["no_grid_area"]
