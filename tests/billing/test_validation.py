"""Bank and card detail checks (pure functions, no database)."""

from __future__ import annotations

import re
from datetime import date

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.eu import at_02

from firstmile.billing import validation as check
from firstmile.kit.errors import InvalidInput
from firstmile.packs.loader import PACKS_DIR, PackMeta
from tests.factories.billing import BIC_CZ, IBAN_CZ, IBAN_DE

# SEPA countries whose BBAN is all digits and that stdnum checks no further than the IBAN rule.
DIGIT_BBANS = {"CZ": 20, "DE": 18, "SE": 20, "AT": 16, "PL": 24, "SK": 20, "FI": 14, "DK": 14}


@st.composite
def ibans(draw: st.DrawFn) -> str:
    country = draw(st.sampled_from(sorted(DIGIT_BBANS)))
    bban = draw(st.text("0123456789", min_size=DIGIT_BBANS[country], max_size=DIGIT_BBANS[country]))
    return country + stdnum_iban.calc_check_digits(f"{country}00{bban}") + bban


def test_accepts_iban_with_spaces_and_lower_case() -> None:
    assert check.normalise_iban(IBAN_CZ.lower()) == "CZ6508000000192000145399"


def test_rejects_iban_with_wrong_check_digits() -> None:
    with pytest.raises(InvalidInput) as error:
        check.normalise_iban("CZ6608000000192000145399")
    assert error.value.field == "iban"
    assert error.value.message == "check digits do not match"


@pytest.mark.parametrize("digits", ["99", "00", "01"])
def test_rejects_check_digits_no_iban_can_have(digits: str) -> None:
    """98 minus a remainder of 97 is 02 to 98; 99 passes mod 97 as 02 would."""
    valid = "DE02370400440532013014"  # DE99 and DE02 leave the same remainder
    assert check.normalise_iban(valid) == valid
    with pytest.raises(InvalidInput, match="check digits do not match"):
        check.normalise_iban(f"DE{digits}370400440532013014")


def test_rejects_iban_of_wrong_length_for_its_country() -> None:
    short = "DE" + stdnum_iban.calc_check_digits("DE00" + "37040044053201300") + "37040044053201300"
    with pytest.raises(InvalidInput, match="length and format of a DE IBAN") as error:
        check.normalise_iban(short)
    assert error.value.field == "iban"


def test_rejects_text_that_is_no_iban() -> None:
    with pytest.raises(InvalidInput, match="is not an IBAN"):
        check.normalise_iban("hello", field="payment.iban")


def test_rejects_bad_national_account_inside_iban() -> None:
    bban = "00491029223456789012"  # ES bank account with wrong national control digits
    number = "ES" + stdnum_iban.calc_check_digits(f"ES00{bban}") + bban
    with pytest.raises(InvalidInput, match="bank account number inside the IBAN"):
        check.normalise_iban(number)


def test_rejects_iban_outside_sepa() -> None:
    turkish = check.normalise_iban("TR330006100519786457841326")
    with pytest.raises(InvalidInput, match="not in the SEPA direct debit scheme") as error:
        check.require_sepa_country(turkish)
    assert error.value.field == "iban"


def test_accepts_bic_of_the_iban_country() -> None:
    assert check.normalise_bic(" gibaczpx ", iban="CZ6508000000192000145399") == BIC_CZ


def test_rejects_bic_of_another_country() -> None:
    with pytest.raises(InvalidInput, match="does not match the IBAN's country CZ") as error:
        check.normalise_bic("COBADEFFXXX", iban="CZ6508000000192000145399")
    assert error.value.field == "bic"


def test_accepts_bic_of_a_territory_under_the_parent_iban() -> None:
    assert check.normalise_bic("BDAFGPGP", iban="FR1420041010050500013M02606") == "BDAFGPGP"


@pytest.mark.parametrize(
    ("bic", "reason"),
    [("GIBACZP", "8 or 11 characters"), ("GIBA1ZPX", "is not a BIC"), ("GIBAQQPX", "unknown")],
)
def test_rejects_malformed_bic(bic: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as error:
        check.normalise_bic(bic, iban=IBAN_DE)
    assert error.value.field == "bic"


def test_rejects_signature_date_in_the_future() -> None:
    with pytest.raises(InvalidInput, match="in the future") as error:
        check.check_signature_date(date(2026, 5, 2), today=date(2026, 5, 1), field="signed")
    assert error.value.field == "signed"


def test_mandate_reference_drops_characters_outside_the_sepa_set() -> None:
    assert check.mandate_reference("CZ/ä_12 34", 7) == "FM-CZ1234-007"


@pytest.mark.parametrize("bad", ["", "/FM-1", "FM//1", "FM_1", "x" * 36, "FM-ü"])
def test_rejects_mandate_reference_outside_the_rulebook(bad: str) -> None:
    with pytest.raises(InvalidInput):
        check.check_mandate_reference(bad)


@given(st.text(st.characters(codec="utf-8"), max_size=30), st.integers(1, 999))
def test_generated_mandate_reference_always_fits_the_rulebook(number: str, seq: int) -> None:
    reference = check.mandate_reference(number, seq)
    assert len(reference) <= 35
    assert re.fullmatch(r"FM-[A-Za-z0-9]*-\d{3}", reference)


@given(ibans())
def test_any_iban_with_stdnum_check_digits_validates(number: str) -> None:
    spaced = stdnum_iban.format(number)
    assert check.normalise_iban(spaced) == number


@given(ibans())
def test_mask_reveals_nothing_but_country_check_digits_and_last_four(number: str) -> None:
    masked = check.mask_iban(number)
    compact = masked.replace(" ", "")
    assert compact[:4] == number[:4]
    assert compact[-4:] == number[-4:]
    assert set(compact[4:-4]) <= {"*"}
    assert not any(ch.isalnum() for ch in compact[4:-4])


@given(ibans(), st.data())
def test_any_single_changed_digit_breaks_the_check_digits(number: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(4, len(number) - 1))
    new = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    broken = number[:position] + new + number[position + 1 :]
    with pytest.raises(InvalidInput, match="check digits do not match"):
        check.normalise_iban(broken)


def test_mask_matches_the_documented_shape() -> None:
    assert check.mask_iban("CZ6508000000192000145399") == "CZ65 **** **** **** **** 5399"


@given(st.integers(12, 18).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)))
def test_refuses_anything_that_passes_luhn_as_a_card_number(digits: str) -> None:
    pan = digits + luhn.calc_check_digit(digits)
    with pytest.raises(InvalidInput, match="PCI DSS") as error:
        check.refuse_card_number(pan, field="token_reference")
    assert error.value.field == "token_reference"


@pytest.mark.parametrize(
    "value", ["4111 1111 1111 1111", "tok-4111-1111-1111-1111", "5555555555554444"]
)
def test_refuses_card_numbers_with_separators_or_inside_text(value: str) -> None:
    assert check.looks_like_card_number(value)


@pytest.mark.parametrize("value", ["pm_1PqR2sT3uV4wX5yZ", "tok_visa", "4111111111111112"])
def test_accepts_provider_tokens(value: str) -> None:
    assert not check.looks_like_card_number(value)


def test_refuses_expired_card() -> None:
    with pytest.raises(InvalidInput, match="expired") as error:
        check.check_card_expiry(4, 2026, today=date(2026, 5, 1), field="expiry_year")
    assert error.value.field == "expiry_year"
    check.check_card_expiry(5, 2026, today=date(2026, 5, 31), field="expiry_year")


@pytest.mark.parametrize("pack", ["telco", "energy"])
def test_shipped_packs_carry_valid_sepa_creditor_ids(pack: str) -> None:
    meta = yaml.safe_load((PACKS_DIR / pack / "pack.yaml").read_text())
    creditor = PackMeta.model_validate(meta).operator["sepa_creditor_id"]
    assert at_02.is_valid(creditor)
    assert check.normalise_creditor_id(creditor) == creditor
