"""Valid examples come from python-stdnum's documentation (its doctests), phonenumbers'
example numbers and the IBAN registry's examples; broken ones change one character."""

from __future__ import annotations

import importlib

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firstmile.kit.errors import InvalidInput
from firstmile.kyc import identifiers
from firstmile.kyc.errors import UnsupportedIdentifier
from firstmile.kyc.identifiers import IdentifierKind, check
from firstmile.kyc.identifiers.schemes import SCHEMES


@pytest.mark.parametrize(
    ("kind", "country", "value", "normalised"),
    [
        ("national_id", "CZ", "710319/2745", "7103192745"),
        ("national_id", "SE", "880320-0016", "880320-0016"),
        ("national_id", "ES", "54362315-K", "54362315K"),
        ("national_id", "ES", "x-2482300w", "X2482300W"),
        ("national_id", "FR", "2 95 10 99 126 111 93", "295109912611193"),
        ("national_id", "NL", "1112.22.333", "111222333"),
        ("national_id", "JP", "6214 9832 0257", "621498320257"),
        ("national_id", "PL", "44051401359", "44051401359"),
        ("national_id", "IT", "RCCMNL83S18D969H", "RCCMNL83S18D969H"),
        ("national_id", "FI", "131052-308T", "131052-308T"),
        ("national_id", "DK", "211062-5629", "2110625629"),
        ("national_id", "NO", "151086 95088", "15108695088"),
        ("national_id", "US", "536-90-4399", "536904399"),
        ("tax_id", "DE", "36 574 261 809", "36574261809"),
        ("tax_id", "DE", " 181/815/0815 5", "18181508155"),
        ("tax_id", "CZ", "25123891", "25123891"),
        ("tax_id", "FR", "3023217600053", "3023217600053"),
        ("tax_id", "PL", "PL 8567346215", "8567346215"),
        ("tax_id", "SE", "1234567897", "1234567897"),
        ("tax_id", "US", "91-1144442", "911144442"),
        ("tax_id", "GB", "1955839661", "1955839661"),
        ("company_id", "CZ", "25123891", "25123891"),
        ("company_id", "DE", "Aachen HRA 11223", "Aachen HRA 11223"),
        ("company_id", "FR", "404833048", "404833048"),
        ("company_id", "FR", "73282932000074", "73282932000074"),
        ("company_id", "SE", "1234567897", "1234567897"),
        ("company_id", "JP", "5-8356-7825-6246", "5835678256246"),
        ("company_id", "DK", "DK 13585628", "13585628"),
        ("company_id", "NO", "988 077 917", "988077917"),
        ("company_id", "ES", "J99216582", "J99216582"),
        ("company_id", "US", "91-1144442", "911144442"),
    ],
)
def test_valid_numbers_are_normalised(kind: str, country: str, value: str, normalised: str) -> None:
    result = check(kind, value, country)
    assert (result.valid, result.normalised, result.reason) == (True, normalised, None)
    assert result.scheme


@pytest.mark.parametrize(
    ("kind", "country", "value", "reason"),
    [
        ("national_id", "CZ", "7103192746", "check digit does not match"),
        (
            "national_id",
            "CZ",
            "1103492745",
            "a part of it is not valid (e.g. the birth date)",
        ),
        ("national_id", "SE", "880320-0018", "check digit does not match"),
        ("national_id", "ES", "x-2482300a", "check digit does not match"),
        ("national_id", "ES", "54362315", "wrong length (8 characters)"),
        ("national_id", "PL", "44051401358", "check digit does not match"),
        ("national_id", "JP", "6214 9832 025X", "wrong format"),
        ("national_id", "US", "666-00-0000", "a part of it is not valid (e.g. the birth date)"),
        ("tax_id", "DE", "36574261890", "check digit does not match"),  # not a Steuernummer
        ("tax_id", "FR", "070198776543", "wrong length (12 characters)"),
        ("company_id", "CZ", "25123890", "check digit does not match"),
        ("company_id", "CZ", "7103192745", "wrong length (10 characters)"),
        ("company_id", "DE", "Aachen HRC 44123", "wrong format"),
        ("company_id", "FR", "404833047", "check digit does not match"),
        ("company_id", "SE", "1234567891", "check digit does not match"),
        ("company_id", "JP", "2-8356-7825-6246", "check digit does not match"),
    ],
)
def test_broken_numbers_say_what_is_wrong(kind: str, country: str, value: str, reason: str) -> None:
    result = check(kind, value, country)
    assert (result.valid, result.normalised, result.reason) == (False, None, reason)


def test_stdnum_detail_is_kept_in_the_reason() -> None:
    result = check("national_id", "511062-5629", "DK")
    assert result.reason == (
        "a part of it is not valid (e.g. the birth date): "
        "the number does not contain valid birth date information"
    )


def test_personal_numbers_tell_their_birth_date() -> None:
    assert check("national_id", "710319/2745", "CZ").details == {"birth_date": "1971-03-19"}
    assert check("national_id", "44051401359", "PL").details == {"birth_date": "1944-05-14"}


def test_the_scheme_is_named() -> None:
    assert check("national_id", "710319/2745", "cz").scheme == (
        "RČ (Rodné číslo, the Czech birth number)"
    )


# --- VAT --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "country", "normalised"),
    [
        ("DE 136,695 976", None, "DE136695976"),
        ("136695976", "DE", "DE136695976"),
        ("EL 094259216", None, "EL094259216"),
        ("094259216", "GR", "EL094259216"),
        ("CZ 25123891", "DE", "CZ25123891"),
        ("980780684", "GB", "980780684"),
        ("GB 980 7806 84", None, "980780684"),
        ("CHE-107.787.577 IVA", "CH", "CHE107787577IVA"),
    ],
)
def test_vat_numbers_with_or_without_their_prefix(
    value: str, country: str | None, normalised: str
) -> None:
    result = check("vat", value, country)
    assert (result.valid, result.normalised) == (True, normalised)


def test_broken_vat_number() -> None:
    result = check("vat", "DE136695978", None)
    assert (result.valid, result.reason) == (False, "check digit does not match")


def test_vat_of_another_country_fails_only_when_the_country_must_match() -> None:
    assert check("vat", "CZ25123891", "DE").details == {"country": "CZ"}
    result = check("vat", "CZ25123891", "DE", match_country=True)
    assert (result.valid, result.reason) == (False, "the VAT number is from CZ, not DE")
    assert result.normalised == "CZ25123891"


def test_vat_without_prefix_or_country_is_unusable() -> None:
    with pytest.raises(InvalidInput) as caught:
        check("vat", "136695976")
    assert caught.value.field == "country"


def test_vat_of_a_country_stdnum_does_not_know_is_unsupported() -> None:
    with pytest.raises(UnsupportedIdentifier):
        check("vat", "100012345600003", "AE")


# --- IBAN and BIC -----------------------------------------------------------------------


def test_valid_iban_is_compacted_and_formatted() -> None:
    result = check("iban", "de89 3704 0044 0532 0130 00")
    assert (result.valid, result.normalised) == (True, "DE89370400440532013000")
    assert result.details == {"country": "DE", "formatted": "DE89 3704 0044 0532 0130 00"}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("DE89 3704 0044 0532 0130 01", "check digit does not match"),
        ("DE89 3704 0044 0532 0130", "wrong length (20 characters; a DE IBAN has 22)"),
        (
            "XX89 3704 0044 0532 0130 00",
            "a part of it is not valid (the country code or the bank account part)",
        ),
        (
            "DE89 3704 0044 0532 0130 0A",
            "wrong format (a DE IBAN's account part is laid out as 8!n10!n)",
        ),
    ],
)
def test_broken_iban(value: str, reason: str) -> None:
    result = check("iban", value)
    assert (result.valid, result.reason) == (False, reason)


def test_iban_of_another_country_is_valid_unless_the_country_must_match() -> None:
    assert check("iban", "GB82 WEST 1234 5698 7654 32", "CZ").valid
    result = check("iban", "GB82 WEST 1234 5698 7654 32", "CZ", match_country=True)
    assert (result.valid, result.reason) == (False, "the IBAN is from GB, not CZ")


def test_bic() -> None:
    assert check("bic", "deut de ff").normalised == "DEUTDEFF"
    assert check("bic", "DEUTDEFF500").details == {"country": "DE"}
    assert check("bic", "DEUTXXFF").reason == "a part of it is not valid (the country code)"
    assert check("bic", "DEUTDEF").reason == "wrong length (7 characters)"
    assert check("bic", "DEUTDEFF", "AT", match_country=True).reason == (
        "the BIC is from DE, not AT"
    )


# --- phone ------------------------------------------------------------------------------


def test_mobile_number_is_normalised_to_e164() -> None:
    result = check("phone", "601 123 456", "CZ")
    assert (result.valid, result.normalised, result.mobile) == (True, "+420601123456", True)
    assert result.details == {"region": "CZ", "number_type": "mobile"}


def test_fixed_line_is_valid_but_not_mobile() -> None:
    result = check("phone", "08-123 456 78", "SE")
    assert (result.valid, result.normalised, result.mobile) == (True, "+46812345678", False)


def test_require_mobile_rejects_a_fixed_line() -> None:
    result = check("phone", "08-123 456 78", "SE", require_mobile=True)
    assert (result.valid, result.reason) == (False, "not a mobile number (fixed line)")
    assert result.normalised == "+46812345678"


def test_numbers_that_may_be_mobile_count_as_mobile() -> None:
    example = phonenumbers.example_number_for_type("US", phonenumbers.PhoneNumberType.MOBILE)
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    result = check("phone", e164, "US", require_mobile=True)
    assert result.valid
    assert result.details["number_type"] == "fixed_line_or_mobile"


@pytest.mark.parametrize(
    ("value", "country", "reason"),
    [
        ("123", "CZ", "too short for a number in CZ"),
        ("601 123 456 789 012", "CZ", "too long for a number in CZ"),
        ("601 123 456 78", "CZ", "not a valid number in CZ: no such range is in use"),
        ("+420 100 123 456", None, "not a valid number in CZ: no such range is in use"),
        ("601 123 456", None, "no country calling code: write it as +<code> or give the country"),
        ("+999 123 456", None, "unknown country calling code"),
        ("call me", "CZ", "not a phone number"),
    ],
)
def test_broken_phone_numbers(value: str, country: str | None, reason: str) -> None:
    result = check("phone", value, country)
    assert (result.valid, result.normalised, result.reason) == (False, None, reason)


def test_international_number_of_another_country() -> None:
    assert check("phone", "+46 70 123 45 67", "CZ").details["region"] == "SE"
    result = check("phone", "+46 70 123 45 67", "CZ", match_country=True)
    assert (result.valid, result.reason) == (False, "the number is from SE, not CZ")


@settings(deadline=None)  # first calls load stdnum and phone metadata
@given(
    region=st.sampled_from(["CZ", "SE", "JP", "AE", "GB", "DE", "FR"]),
    fmt=st.sampled_from(
        [phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.NATIONAL]
    ),
)
def test_example_mobile_numbers_are_valid_mobiles(region: str, fmt: int) -> None:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    result = check("phone", phonenumbers.format_number(example, fmt), region, require_mobile=True)
    assert result.valid, result.reason
    assert result.normalised == phonenumbers.format_number(
        example, phonenumbers.PhoneNumberFormat.E164
    )


# --- email ------------------------------------------------------------------------------


def test_email_is_normalised_without_network() -> None:
    result = check("email", "  Someone@EXAMPLE.com ")
    assert (result.valid, result.normalised) == (True, "Someone@example.com")
    assert result.details == {"domain": "example.com"}


@pytest.mark.parametrize("value", ["someone", "a@@example.com", "someone@", "a b@example.com"])
def test_broken_email_says_why(value: str) -> None:
    result = check("email", value)
    assert not result.valid
    assert result.reason


# --- the question itself ----------------------------------------------------------------


def test_unknown_kind_is_unusable() -> None:
    with pytest.raises(InvalidInput) as caught:
        check("passport", "X")
    assert caught.value.field == "kind"


@pytest.mark.parametrize("country", ["CZE", "C1", "Č"])
def test_malformed_country_is_unusable(country: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check("national_id", "7103192745", country)
    assert caught.value.field == "country"


def test_national_id_needs_a_country() -> None:
    with pytest.raises(InvalidInput) as caught:
        check("national_id", "7103192745")
    assert caught.value.message == "checking a national_id needs the country"


def test_unsupported_country_is_said_with_the_supported_ones() -> None:
    with pytest.raises(UnsupportedIdentifier) as caught:
        check("national_id", "784-1234-1234567-1", "AE")
    assert caught.value.message == "national_id is not supported for country AE"
    assert "CZ" in caught.value.details["supported"]


def test_empty_value_is_invalid() -> None:
    result = check("iban", "   ")
    assert (result.valid, result.reason) == (False, "it is empty")


def test_result_serialises() -> None:
    body = check("national_id", "710319/2745", "CZ").to_dict()
    assert body["kind"] == "national_id"
    assert body["valid"] is True
    assert body["details"] == {"birth_date": "1971-03-19"}


def test_every_scheme_module_exists_and_has_a_validator() -> None:
    for table in SCHEMES.values():
        for names in table.values():
            for name in names:
                assert callable(importlib.import_module(f"stdnum.{name}").validate), name


def test_supported_countries() -> None:
    assert "SE" in identifiers.supported_countries("company_id")
    assert identifiers.supported_countries("iban") == []


@settings(deadline=None)  # first calls load stdnum and phone metadata
@given(
    kind=st.sampled_from(list(IdentifierKind)),
    country=st.sampled_from(["CZ", "SE", "JP", "DE", "FR", "ES", "GB", "US"]),
    value=st.text(max_size=40),
)
def test_any_text_gets_a_verdict_or_an_unusable_input_error(
    kind: IdentifierKind, country: str, value: str
) -> None:
    field = None
    try:
        result = check(kind, value, country)
    except InvalidInput as exc:  # no checker for the kind in that country
        field = exc.field
    if field is not None:
        assert field == "country"
        return
    assert result.valid == (result.reason is None)
    if result.valid:
        assert result.normalised is not None
