"""Validators for customer data. Pure functions: they return the normalised value or raise
`InvalidInput` naming the field and the problem."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel import Locale
from email_validator import EmailNotValidError, validate_email
from phonenumbers import PhoneNumberType
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from firstmile.customers.models import Channel, PhoneType
from firstmile.kit import i18n
from firstmile.kit.errors import InvalidInput

# python-stdnum has no common name for company registry numbers; these are its modules for
# the registries of countries it knows. Elsewhere the number is kept as given (compacted).
REGISTRATION_MODULES = {
    "AT": "at.businessid",
    "AU": "au.acn",
    "BR": "br.cnpj",
    "CA": "ca.bn",
    "CH": "ch.uid",
    "CN": "cn.uscc",
    "CZ": "cz.dic",  # IČO: the 8-digit legal-entity form shares DIČ's check digit
    "DK": "dk.cvr",
    "EE": "ee.registrikood",
    "ES": "es.cif",
    "FI": "fi.ytunnus",
    "FR": "fr.siren",
    "HR": "hr.oib",
    "IL": "il.hp",
    "IS": "is_.kennitala",
    "JP": "jp.cn",
    "KR": "kr.brn",
    "NO": "no.orgnr",
    "PL": "pl.regon",
    "SE": "se.orgnr",
    "SI": "si.maticna",
    "US": "us.ein",
}
# lengths a registry number must have where the module also accepts other identifiers
REGISTRATION_LENGTHS = {"CZ": 8}

_EU_PREFIXES = (frozenset(eu_vat.MEMBER_STATES) - {"gr"}) | {"el"}
_PHONE_TYPES = {
    PhoneNumberType.MOBILE: PhoneType.MOBILE,
    PhoneNumberType.FIXED_LINE: PhoneType.FIXED,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: PhoneType.FIXED_OR_MOBILE,
    PhoneNumberType.VOIP: PhoneType.VOIP,
}


@cache
def _territories() -> frozenset[str]:
    return frozenset(
        code for code in Locale("en").territories if isinstance(code, str) and len(code) == 2
    )


def country(value: str, *, field: str) -> str:
    code = value.strip().upper()
    if code not in _territories():
        raise InvalidInput(f"{value!r} is not an ISO 3166 country code", field=field)
    return code


def email(value: str, *, field: str) -> str:
    """The normalised address; syntax only, no DNS look-up."""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInput(f"not a valid email address: {exc}", field=field) from None


def phone(value: str, *, region: str, field: str) -> tuple[str, PhoneType]:
    """The number in E.164 and its type; national numbers are read in `region`."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"not a phone number: {exc._msg}", field=field) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput("not a valid phone number for its country", field=field)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    kind = _PHONE_TYPES.get(phonenumbers.number_type(parsed), PhoneType.OTHER)
    return e164, kind


def _stdnum_problem(exc: ValidationError) -> str:
    if isinstance(exc, InvalidChecksum):
        return "check digit does not match"
    if isinstance(exc, InvalidLength):
        return "has the wrong length"
    if isinstance(exc, InvalidFormat):
        return "has an invalid format"
    if isinstance(exc, InvalidComponent):
        return "has an invalid component"
    return str(exc)


def _check_with(module: Any, value: str, *, what: str, field: str) -> str:
    try:
        return str(module.validate(value))
    except ValidationError as exc:
        raise InvalidInput(f"{what}: {_stdnum_problem(exc)}", field=field) from None


def vat_number(value: str, *, country_code: str, field: str) -> str:
    """A VAT number of `country_code` (or EU VAT with its own prefix), compacted."""
    raw = value.strip()
    if not raw:
        raise InvalidInput("must not be empty", field=field)
    prefix = raw[:2].lower()
    if prefix.isalpha() and prefix in _EU_PREFIXES:
        return _check_with(eu_vat, raw, what="not a valid VAT number", field=field)
    cc = country_code.lower()
    if cc in eu_vat.MEMBER_STATES:  # EU numbers are kept with their prefix (Greece: EL)
        own = "EL" if cc == "gr" else cc.upper()
        return _check_with(eu_vat, own + raw, what="not a valid VAT number", field=field)
    module = get_cc_module(cc, "vat")
    if module is None:
        return _free_number(raw, field=field)
    return _check_with(module, raw, what="not a valid VAT number", field=field)


def registration_number(value: str, *, country_code: str, field: str) -> str:
    """A company registry number of `country_code`, compacted."""
    raw = value.strip()
    if not raw:
        raise InvalidInput("must not be empty", field=field)
    name = REGISTRATION_MODULES.get(country_code.upper())
    if name is None:
        return _free_number(raw, field=field)
    module = importlib.import_module(f"stdnum.{name}")
    compact = _check_with(module, raw, what="not a valid registration number", field=field)
    length = REGISTRATION_LENGTHS.get(country_code.upper())
    if length is not None and len(compact) != length:
        raise InvalidInput("not a valid registration number: has the wrong length", field=field)
    return compact


def _free_number(raw: str, *, field: str) -> str:
    compact = "".join(raw.split())
    if len(compact) > 40 or not compact.isprintable():
        raise InvalidInput("must be at most 40 printable characters", field=field)
    return compact


def time_zone(value: str, *, field: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{value!r} is not an IANA time zone", field=field) from None
    return value


def locale(value: str, *, field: str) -> str:
    if not value or not i18n.is_supported(value):
        supported = ", ".join(i18n.SUPPORTED_LOCALES)
        raise InvalidInput(f"unsupported locale {value!r}; use one of {supported}", field=field)
    return value.replace("_", "-")


def channels(values: Sequence[Channel], *, field: str) -> list[str]:
    seen: list[str] = []
    for index, channel in enumerate(values):
        if channel in seen:
            raise InvalidInput(f"channel {channel!s} is listed twice", field=f"{field}.{index}")
        seen.append(str(channel))
    return seen
