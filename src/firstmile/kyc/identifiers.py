"""Checking identifiers customers give: national IDs, tax IDs, VAT and company numbers, IBANs,
BICs, phone numbers and email addresses. Pure functions, no network (unless the email's DNS
check is asked for).

`check` returns a verdict for the value; it raises only when the question itself cannot be
answered: an unknown kind, a malformed country code, a missing country where the kind needs
one (`InvalidInput`), or a kind with no checker for that country (`UnsupportedIdentifier`).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum import bic as stdnum_bic
from stdnum import get_cc_module, numdb
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from firstmile.kit.errors import InvalidInput
from firstmile.kyc.errors import UnsupportedIdentifier
from firstmile.kyc.identifier_schemes import FORMAT_ONLY, LENGTHS, SCHEMES


class IdentifierKind(StrEnum):
    NATIONAL_ID = "national_id"
    TAX_ID = "tax_id"
    VAT = "vat"
    COMPANY_ID = "company_id"
    IBAN = "iban"
    BIC = "bic"
    PHONE = "phone"
    EMAIL = "email"


@dataclass(frozen=True)
class IdentifierResult:
    """The verdict on one value.

    `normalised` is the value in its canonical form (compact, E.164, normalised address)
    whenever the value itself is valid, even when a policy (`require_mobile`,
    `match_country`) then rejects it. `reason` says why it is not valid. `scheme` names the
    number checked (the first line of python-stdnum's description of it). `mobile` is set
    for phone numbers. `details` holds what the number tells: its country, a birth date.
    """

    kind: IdentifierKind
    country: str | None
    valid: bool
    normalised: str | None
    reason: str | None
    scheme: str | None = None
    mobile: bool | None = None
    details: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "country": self.country,
            "valid": self.valid,
            "normalised": self.normalised,
            "reason": self.reason,
            "scheme": self.scheme,
            "mobile": self.mobile,
            "details": dict(self.details),
        }


_COMPONENT_HINTS = {
    IdentifierKind.NATIONAL_ID: "e.g. the birth date",
    IdentifierKind.IBAN: "the country code or the bank account part",
    IdentifierKind.BIC: "the country code",
}
_SHAPE_RANK = 3
# IBAN registry notation: n digits, a upper-case letters, c letters or digits, e blanks
_BBAN_CHARS = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]", "e": " "}
_EU_PREFIXES = {code.upper() for code in eu_vat.MEMBER_STATES if code != "gr"} | {"EL"}
_PHONE_TYPES = {
    getattr(phonenumbers.PhoneNumberType, name): name.lower()
    for name in dir(phonenumbers.PhoneNumberType)
    if name.isupper()
}
_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def check(
    kind: str,
    value: str,
    country: str | None = None,
    *,
    require_mobile: bool = False,
    match_country: bool = False,
    check_dns: bool = False,
) -> IdentifierResult:
    """Check `value` as an identifier of `kind` (an `IdentifierKind` value).

    `country` (ISO 3166 alpha-2) picks the scheme for national_id, tax_id and company_id
    (required), reads phone numbers written without their calling code, and gives VAT numbers
    without a country prefix their country. With `match_country`, an IBAN, BIC, VAT or phone
    number from another country is not valid. `require_mobile` rejects phone numbers that are
    not mobile; `check_dns` makes the email check look up the domain's mail servers.
    """
    what = _kind(kind)
    cc = _country(country)
    raw = value.strip()
    if not raw:
        return IdentifierResult(what, cc, False, None, "it is empty")
    if what is IdentifierKind.PHONE:
        return _phone(raw, cc, require_mobile=require_mobile, match_country=match_country)
    if what is IdentifierKind.EMAIL:
        return _email(raw, cc, check_dns=check_dns)
    if what is IdentifierKind.IBAN:
        return _iban(raw, cc, match_country=match_country)
    if what is IdentifierKind.BIC:
        return _bic(raw, cc, match_country=match_country)
    if what is IdentifierKind.VAT:
        return _vat(raw, cc, match_country=match_country)
    return _by_scheme(what, raw, cc)


def supported_countries(kind: str) -> list[str]:
    """The countries whose national_id, tax_id or company_id numbers can be checked."""
    return sorted(SCHEMES.get(_kind(kind), {}))


def _kind(kind: str) -> IdentifierKind:
    try:
        return IdentifierKind(kind)
    except ValueError:
        known = ", ".join(IdentifierKind)
        raise InvalidInput(f"unknown kind {kind!r}; use one of {known}", field="kind") from None


def _country(country: str | None) -> str | None:
    if country is None or not country.strip():
        return None
    code = country.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise InvalidInput(f"{country!r} is not an ISO 3166 alpha-2 country code", field="country")
    return "GR" if code == "EL" else code


def _title(module: Any) -> str:
    doc = str(module.__doc__ or module.__name__)
    return doc.strip().splitlines()[0].rstrip(".")


def _problem(exc: ValidationError, compact: str, kind: IdentifierKind) -> str:
    """The reason for a python-stdnum failure, with its own detail when it gives one."""
    if isinstance(exc, InvalidChecksum):
        reason = "check digit does not match"
    elif isinstance(exc, InvalidLength):  # a subclass of InvalidFormat: test it first
        reason = f"wrong length ({len(compact)} characters)"
    elif isinstance(exc, InvalidFormat):
        reason = "wrong format"
    elif isinstance(exc, InvalidComponent):
        hint = _COMPONENT_HINTS.get(kind, "e.g. a date, a region or a register code")
        reason = f"a part of it is not valid ({hint})"
    else:
        reason = "not valid"
    detail = exc.args[0] if exc.args and isinstance(exc.args[0], str) else ""
    if not detail:
        return reason
    return f"{reason}: {detail[:1].lower()}{detail[1:].rstrip('.')}"


def _compact(module: Any, raw: str) -> str:
    try:
        return str(module.compact(raw))
    except (ValidationError, AttributeError):
        return "".join(raw.split())


def _rank(exc: ValidationError) -> int:
    """How much a failure says about the value. A bad check digit or part means the value has
    the scheme's shape; a bad length that it nearly has; a bad format that it has another
    scheme's shape (DNI "54362315" is an NIE of the wrong format but a DNI one letter short)."""
    if isinstance(exc, InvalidChecksum | InvalidComponent):
        return _SHAPE_RANK
    if isinstance(exc, InvalidLength):
        return 2
    return 1 if isinstance(exc, InvalidFormat) else 0


def _by_scheme(kind: IdentifierKind, raw: str, cc: str | None) -> IdentifierResult:
    """national_id, tax_id, company_id: valid if one of the country's schemes accepts it;
    otherwise the most telling failure is reported."""
    if cc is None:
        raise InvalidInput(f"checking a {kind} needs the country", field="country")
    names = SCHEMES[kind].get(cc)
    if names is None:
        supported = ", ".join(supported_countries(kind))
        raise UnsupportedIdentifier(
            f"{kind} is not supported for country {cc}", field="country", supported=supported
        )
    failures: list[tuple[int, str, str]] = []
    for name in names:
        if name in FORMAT_ONLY and any(rank == _SHAPE_RANK for rank, _, _ in failures):
            continue
        module = importlib.import_module(f"stdnum.{name}")
        try:
            normalised = str(module.validate(raw))
        except ValidationError as exc:
            failures.append(
                (_rank(exc), _problem(exc, _compact(module, raw), kind), _title(module))
            )
            continue
        lengths = LENGTHS.get((str(kind), cc))
        if lengths is not None and len(normalised) not in lengths:
            failures.append((2, f"wrong length ({len(normalised)} characters)", _title(module)))
            continue
        return IdentifierResult(
            kind, cc, True, normalised, None, _title(module), details=_facts(module, normalised)
        )
    best = max(failures, key=lambda failure: failure[0])  # max keeps the first of equals
    return IdentifierResult(kind, cc, False, None, best[1], best[2])


def _facts(module: Any, number: str) -> dict[str, str]:
    """What a personal number encodes that KYC can cross-check: the birth date."""
    get_birth_date = getattr(module, "get_birth_date", None)
    if get_birth_date is None:
        return {}
    try:
        return {"birth_date": get_birth_date(number).isoformat()}
    except (ValidationError, ValueError, TypeError, AttributeError):
        return {}


def _foreign(what: str, own: str, cc: str | None, match_country: bool) -> str | None:
    """The reason to reject an identifier of another country, when matching is asked for."""
    if match_country and cc is not None and own != cc:
        return f"the {what} is from {own}, not {cc}"
    return None


def _validated(
    kind: IdentifierKind, module: Any, raw: str, cc: str | None
) -> str | IdentifierResult:
    """The normalised value, or the failed result naming the problem."""
    try:
        return str(module.validate(raw))
    except ValidationError as exc:
        reason = _problem(exc, _compact(module, raw), kind)
        return IdentifierResult(kind, cc, False, None, reason, _title(module))


def _iban_shape(compact: str) -> str | None:
    """What is wrong with the IBAN's country, length or layout per the IBAN registry.
    Checked before the check digits, which any wrong character breaks."""
    info = numdb.get("iban").info(compact)
    bban = info[0][1].get("bban") if info and len(info[0][0]) == 2 else None
    if not bban:
        return _problem(InvalidComponent(), compact, IdentifierKind.IBAN)
    parts = re.findall(r"(\d+)(!?)([nace])", bban)
    expected = 4 + sum(int(count) for count, _, _ in parts)
    if len(compact) != expected:
        return f"wrong length ({len(compact)} characters; a {compact[:2]} IBAN has {expected})"
    layout = "".join(
        f"{_BBAN_CHARS[kind]}{{{count}}}" if fixed else f"{_BBAN_CHARS[kind]}{{1,{count}}}"
        for count, fixed, kind in parts
    )
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}" + layout, compact):
        return f"wrong format (a {compact[:2]} IBAN's account part is laid out as {bban})"
    return None


def _iban(raw: str, cc: str | None, *, match_country: bool) -> IdentifierResult:
    kind = IdentifierKind.IBAN
    shape = _iban_shape(_compact(stdnum_iban, raw))
    if shape is not None:
        return IdentifierResult(kind, cc, False, None, shape, _title(stdnum_iban))
    outcome = _validated(kind, stdnum_iban, raw, cc)
    if isinstance(outcome, IdentifierResult):
        return outcome
    own = outcome[:2]
    details = {"country": own, "formatted": stdnum_iban.format(outcome)}
    reason = _foreign("IBAN", own, cc, match_country)
    scheme = _title(stdnum_iban)
    return IdentifierResult(kind, cc, reason is None, outcome, reason, scheme, details=details)


def _bic(raw: str, cc: str | None, *, match_country: bool) -> IdentifierResult:
    kind = IdentifierKind.BIC
    outcome = _validated(kind, stdnum_bic, raw, cc)
    if isinstance(outcome, IdentifierResult):
        return outcome
    own = outcome[4:6]
    reason = _foreign("BIC", own, cc, match_country)
    details = {"country": own}
    scheme = _title(stdnum_bic)
    return IdentifierResult(kind, cc, reason is None, outcome, reason, scheme, details=details)


def _vat(raw: str, cc: str | None, *, match_country: bool) -> IdentifierResult:
    kind = IdentifierKind.VAT
    module, value, own = _vat_scheme(raw, cc)
    outcome = _validated(kind, module, value, cc)
    if isinstance(outcome, IdentifierResult):
        return outcome
    reason = _foreign("VAT number", own, cc, match_country)
    return IdentifierResult(
        kind, cc, reason is None, outcome, reason, _title(module), details={"country": own}
    )


def _vat_scheme(raw: str, cc: str | None) -> tuple[Any, str, str]:
    """The module to check with, the value to give it and the number's country. EU numbers
    (with their prefix, or of an EU `cc`) go to stdnum's EU VAT module, which keeps the
    prefix (EL for Greece, XI for Northern Ireland); others to their country's VAT module,
    chosen by `cc` or else by the number's own two-letter prefix."""
    prefix = raw[:2].upper()
    if prefix.isascii() and prefix.isalpha() and prefix in _EU_PREFIXES:
        return eu_vat, raw, "GR" if prefix == "EL" else prefix
    eu_code = "EL" if cc == "GR" else cc
    if cc is not None and eu_code in _EU_PREFIXES:
        return eu_vat, f"{eu_code}{raw}", cc
    own = cc or prefix
    module = get_cc_module(own, "vat") if own.isascii() and own.isalpha() else None
    if module is not None:
        return module, raw, own
    if cc is None:
        raise InvalidInput(
            "a VAT number without an EU country prefix needs the country", field="country"
        )
    raise UnsupportedIdentifier(f"vat is not supported for country {cc}", field="country")


def _email(raw: str, cc: str | None, *, check_dns: bool) -> IdentifierResult:
    kind = IdentifierKind.EMAIL
    try:
        info = validate_email(raw, check_deliverability=check_dns)
    except EmailNotValidError as exc:
        return IdentifierResult(kind, cc, False, None, str(exc), "email address")
    details = {"domain": info.ascii_domain}
    return IdentifierResult(kind, cc, True, info.normalized, None, "email address", details=details)


def _phone(
    raw: str, cc: str | None, *, require_mobile: bool, match_country: bool
) -> IdentifierResult:
    """Valid when the number is in a range its country has allocated (libphonenumber's
    metadata). `mobile` is true for mobile numbers and for ranges shared by mobile and fixed
    lines (as in the US), since those may be mobile."""
    kind = IdentifierKind.PHONE
    if cc is not None and cc not in phonenumbers.SUPPORTED_REGIONS:
        raise UnsupportedIdentifier(f"phone is not supported for country {cc}", field="country")
    try:
        parsed = phonenumbers.parse(raw, cc)
    except phonenumbers.NumberParseException as exc:
        return IdentifierResult(kind, cc, False, None, _parse_problem(exc, raw, cc), "phone number")
    region = phonenumbers.region_code_for_number(parsed) or (
        phonenumbers.region_code_for_country_code(parsed.country_code or 0)
    )
    problem = _phone_problem(parsed, region)
    if problem is not None:
        return IdentifierResult(kind, cc, False, None, problem, "phone number")
    number_type = phonenumbers.number_type(parsed)
    mobile = number_type in _MOBILE_TYPES
    type_name = _PHONE_TYPES.get(number_type, "unknown")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    reason = _foreign("number", region, cc, match_country)
    if reason is None and require_mobile and not mobile:
        reason = f"not a mobile number ({type_name.replace('_', ' ')})"
    details = {"region": region, "number_type": type_name}
    return IdentifierResult(
        kind, cc, reason is None, e164, reason, "phone number", mobile=mobile, details=details
    )


def _parse_problem(exc: phonenumbers.NumberParseException, raw: str, cc: str | None) -> str:
    error = phonenumbers.NumberParseException
    if exc.error_type == error.INVALID_COUNTRY_CODE:
        if cc is None and not raw.startswith("+"):
            return "no country calling code: write it as +<code> or give the country"
        return "unknown country calling code"
    if exc.error_type == error.TOO_LONG:
        return "too long to be a phone number"
    if exc.error_type in (error.TOO_SHORT_NSN, error.TOO_SHORT_AFTER_IDD):
        return "too short to be a phone number"
    return "not a phone number"


def _phone_problem(parsed: phonenumbers.PhoneNumber, region: str) -> str | None:
    possible = phonenumbers.is_possible_number_with_reason(parsed)
    result = phonenumbers.ValidationResult
    if possible == result.TOO_SHORT:
        return f"too short for a number in {region}"
    if possible == result.TOO_LONG:
        return f"too long for a number in {region}"
    if possible == result.INVALID_LENGTH:
        return f"wrong length for a number in {region}"
    if possible == result.IS_POSSIBLE_LOCAL_ONLY:
        return f"a local number: write it with its area code ({region})"
    if possible == result.INVALID_COUNTRY_CODE:
        return "unknown country calling code"
    if not phonenumbers.is_valid_number(parsed):
        return f"not a valid number in {region}: no such range is in use"
    return None
