"""Pure checks of bank and card details. No database, no clock: callers pass `today`.

Every failure is `InvalidInput` naming the field and the reason, so the API answers 422.
"""

from __future__ import annotations

import math
import re
from datetime import date

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.eu import at_02
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.util import get_cc_module

from firstmile.kit.errors import InvalidInput

# Countries and territories with their own IBAN prefix in the geographical scope of the SEPA
# schemes. Source: European Payments Council, EPC409-09 "EPC List of SEPA Scheme Countries"
# (EU 27, EEA: IS LI NO; CH, GB, MC, SM, VA, AD; Albania and Montenegro from November 2024,
# Moldova and North Macedonia from March 2025, Serbia from May 2025). Territories such as the
# French overseas departments, Gibraltar, Jersey, Guernsey and the Isle of Man use FR / GI /
# GB IBANs. Update this set when the EPC publishes a new version of the list.
SEPA_COUNTRIES = frozenset(
    {
        # EU
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
        # EEA
        "IS", "LI", "NO",
        # other scheme countries and territories
        "AD", "CH", "GB", "GI", "MC", "SM", "VA", "AL", "ME", "MD", "MK", "RS",
    }
)  # fmt: skip

# A BIC may carry the code of a territory that banks under its parent country's IBAN prefix.
BIC_COUNTRY_ALIASES: dict[str, frozenset[str]] = {
    "FR": frozenset({"GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF"}),
    "GB": frozenset({"GG", "JE", "IM"}),
    "FI": frozenset({"AX"}),
}

# SEPA rulebook / ISO 20022 Latin character set for identifiers such as the mandate reference.
MANDATE_REFERENCE_RE = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")
_DIGIT_RUN_RE = re.compile(r"\d(?:[ -]?\d)+")
_PAN_LENGTHS = range(13, 20)


def normalise_iban(value: str, *, field: str = "iban") -> str:
    """The IBAN in its compact form, or InvalidInput saying what is wrong with it."""
    number = stdnum_iban.compact(value)
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", number):
        raise InvalidInput(
            "is not an IBAN: two letters, two check digits, then 11 to 30 letters or digits",
            field=field,
        )
    # ISO 13616 check digits are 98 minus a remainder of 97: 02 to 98. 00, 01 and 99 pass
    # the mod-97 test as 97, 98 and 02 would, but no bank issues them (stdnum lets them by).
    if not 2 <= int(number[2:4]) <= 98:
        raise InvalidInput("check digits do not match", field=field)
    try:
        stdnum_iban.validate(number, check_country=False)
    except InvalidChecksum as exc:
        raise InvalidInput("check digits do not match", field=field) from exc
    except InvalidComponent as exc:
        raise InvalidInput(f"country {number[:2]} does not issue IBANs", field=field) from exc
    except (InvalidFormat, InvalidLength) as exc:
        raise InvalidInput(
            f"does not have the length and format of a {number[:2]} IBAN", field=field
        ) from exc
    _check_national_part(number, field)
    return number


def _check_national_part(number: str, field: str) -> None:
    module = get_cc_module(number[:2].lower(), "iban")
    if module is None:
        return
    try:
        module.validate(number)
    except ValidationError as exc:
        raise InvalidInput(
            f"the {number[:2]} bank account number inside the IBAN is not valid", field=field
        ) from exc


def require_sepa_country(iban: str, *, field: str = "iban") -> None:
    if iban[:2] not in SEPA_COUNTRIES:
        raise InvalidInput(
            f"country {iban[:2]} is not in the SEPA direct debit scheme", field=field
        )


def normalise_bic(value: str, *, iban: str, field: str = "bic") -> str:
    """The BIC in capitals; it must be well formed and belong to the IBAN's country."""
    try:
        code = stdnum_bic.validate(value)
    except InvalidLength as exc:
        raise InvalidInput("a BIC has 8 or 11 characters", field=field) from exc
    except InvalidComponent as exc:
        raise InvalidInput("the BIC's country code is unknown", field=field) from exc
    except ValidationError as exc:
        raise InvalidInput(
            "is not a BIC: 4 letters, 2-letter country, 2 and optionally 3 letters or digits",
            field=field,
        ) from exc
    country, iban_country = code[4:6], iban[:2]
    if country != iban_country and country not in BIC_COUNTRY_ALIASES.get(
        iban_country, frozenset()
    ):
        raise InvalidInput(
            f"the BIC's country {country} does not match the IBAN's country {iban_country}",
            field=field,
        )
    return code


def normalise_creditor_id(value: str, *, field: str = "sepa_creditor_id") -> str:
    try:
        return at_02.validate(value)
    except ValidationError as exc:
        raise InvalidInput("is not a valid SEPA creditor identifier", field=field) from exc


def check_signature_date(signed_on: date, *, today: date, field: str) -> None:
    if signed_on > today:
        raise InvalidInput("the mandate's date of signature is in the future", field=field)


def check_mandate_reference(value: str, *, field: str = "mandate_reference") -> str:
    """SEPA: at most 35 characters of the rulebook's set; no leading '/' and no '//'."""
    if not MANDATE_REFERENCE_RE.fullmatch(value) or value.startswith("/") or "//" in value:
        raise InvalidInput(
            "a mandate reference has 1-35 characters a-z A-Z 0-9 / - ? : ( ) . , ' + space, "
            "and neither starts with '/' nor holds '//'",
            field=field,
        )
    return value


def mandate_reference(account_number: str, sequence: int) -> str:
    """`FM-<account number>-<sequence>`, with characters outside the SEPA set dropped."""
    clean = re.sub(r"[^A-Za-z0-9]", "", account_number)[:24]
    return check_mandate_reference(f"FM-{clean}-{sequence:03d}")


def mask_iban(iban: str) -> str:
    """Country and check digits, then stars, then the last 4: `CZ65 **** ... 1234`."""
    hidden = max(len(iban) - 8, 0)
    groups = ["****"] * math.ceil(hidden / 4)
    return " ".join([iban[:4], *groups, iban[-4:]])


def looks_like_card_number(value: str) -> bool:
    """Whether `value` is, or holds, 13-19 digits that pass the Luhn check (a PAN)."""
    for run in _DIGIT_RUN_RE.findall(value):
        digits = re.sub(r"\D", "", run)
        if len(digits) in _PAN_LENGTHS and luhn.is_valid(digits):
            return True
    return False


def refuse_card_number(value: str, *, field: str) -> None:
    if looks_like_card_number(value):
        raise InvalidInput(
            "looks like a card number; card numbers must never be sent to firstmile "
            "(PCI DSS): send the payment provider's token reference instead",
            field=field,
        )


def check_card_expiry(month: int, year: int, *, today: date, field: str) -> None:
    if (year, month) < (today.year, today.month):
        raise InvalidInput("the card has expired", field=field)
