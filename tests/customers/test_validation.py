from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firstmile.customers.models import Channel, PhoneType
from firstmile.customers.service import validation
from firstmile.kit.errors import InvalidInput

REGIONS = ["CZ", "SE", "JP", "AE", "GB", "US", "DE"]
FORMATS = [
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
    phonenumbers.PhoneNumberFormat.RFC3966,
]
TYPES = [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]


@given(
    region=st.sampled_from(REGIONS),
    fmt=st.sampled_from(FORMATS),
    number_type=st.sampled_from(TYPES),
)
def test_phone_written_any_way_normalises_to_one_e164(
    region: str, fmt: int, number_type: int
) -> None:
    example = phonenumbers.example_number_for_type(region, number_type)
    canonical = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    written = phonenumbers.format_number(example, fmt)
    e164, _kind = validation.phone(written, region=region, field="f")
    assert e164 == canonical


@given(region=st.sampled_from(REGIONS), other=st.sampled_from(REGIONS))
def test_e164_round_trips_whatever_the_default_region(region: str, other: str) -> None:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    assert validation.phone(e164, region=other, field="f")[0] == e164


@given(st.text(max_size=30))
def test_any_text_is_a_valid_number_or_a_field_error(text: str) -> None:
    field = None
    try:
        e164, _kind = validation.phone(text, region="CZ", field="contacts.0.value")
    except InvalidInput as exc:
        field = exc.field
    if field is None:
        assert validation.phone(e164, region="SE", field="f")[0] == e164
    else:
        assert field == "contacts.0.value"


def test_phone_type_tells_mobile_from_fixed() -> None:
    assert validation.phone("601 123 456", region="CZ", field="f")[1] is PhoneType.MOBILE
    assert validation.phone("08-123 456 78", region="SE", field="f")[1] is PhoneType.FIXED


def test_rejects_too_short_phone_number() -> None:
    with pytest.raises(InvalidInput) as caught:
        validation.phone("+420 12", region="CZ", field="contacts.1.value")
    assert caught.value.field == "contacts.1.value"


def test_email_is_normalised_without_dns() -> None:
    assert validation.email("Eva@EXAMPLE.com", field="f") == "Eva@example.com"


@pytest.mark.parametrize("bad", ["eva", "eva@", "@example.com", "eva@@example.com", "a b@c.cz"])
def test_rejects_malformed_email(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validation.email(bad, field="contacts.0.value")
    assert caught.value.field == "contacts.0.value"


@pytest.mark.parametrize(
    ("number", "country", "expected"),
    [
        ("CZ25123891", "CZ", "CZ25123891"),
        ("25123891", "CZ", "CZ25123891"),
        ("SE556036079301", "SE", "SE556036079301"),
        ("DE 136 695 976", "DE", "DE136695976"),
        ("GB980780684", "GB", "980780684"),
        ("5835-0-123456", "XX", "5835-0-123456"),  # unknown country: kept, compacted
    ],
)
def test_valid_vat_numbers_are_compacted(number: str, country: str, expected: str) -> None:
    assert validation.vat_number(number, country_code=country, field="f") == expected


def test_vat_with_wrong_check_digit_says_so() -> None:
    with pytest.raises(InvalidInput) as caught:
        validation.vat_number("CZ25123890", country_code="CZ", field="customer.vat_number")
    assert caught.value.field == "customer.vat_number"
    assert "check digit does not match" in caught.value.message


def test_vat_of_wrong_length_says_so() -> None:
    with pytest.raises(InvalidInput) as caught:
        validation.vat_number("CZ123", country_code="CZ", field="f")
    assert "wrong length" in caught.value.message


@pytest.mark.parametrize(
    ("number", "country"),
    [("25123891", "CZ"), ("556036-0793", "SE"), ("8700110005901", "JP"), ("13585628", "DK")],
)
def test_valid_registration_numbers(number: str, country: str) -> None:
    assert validation.registration_number(number, country_code=country, field="f")


@pytest.mark.parametrize(("number", "country"), [("25123890", "CZ"), ("556036-0794", "SE")])
def test_registration_number_with_wrong_check_digit(number: str, country: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validation.registration_number(number, country_code=country, field="r")
    assert caught.value.message.endswith("check digit does not match")


def test_czech_personal_number_is_not_a_company_number() -> None:
    with pytest.raises(InvalidInput, match="wrong length"):
        validation.registration_number("7103192745", country_code="CZ", field="r")


@pytest.mark.parametrize("zone", ["Europe/Prague", "Asia/Tokyo", "UTC", "America/New_York"])
def test_accepts_iana_time_zones(zone: str) -> None:
    assert validation.time_zone(zone, field="f") == zone


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "Europe/"])
def test_rejects_unknown_time_zones(zone: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validation.time_zone(zone, field="preferences.time_zone")
    assert caught.value.field == "preferences.time_zone"


def test_locale_must_be_supported() -> None:
    assert validation.locale("sv_SE", field="f") == "sv-SE"
    with pytest.raises(InvalidInput) as caught:
        validation.locale("de", field="preferences.language")
    assert caught.value.field == "preferences.language"


def test_duplicate_channel_is_named_by_position() -> None:
    with pytest.raises(InvalidInput) as caught:
        validation.channels([Channel.SMS, Channel.EMAIL, Channel.SMS], field="p")
    assert caught.value.field == "p.2"


def test_country_must_be_iso_3166() -> None:
    assert validation.country("se", field="f") == "SE"
    with pytest.raises(InvalidInput):
        validation.country("XX", field="f")
