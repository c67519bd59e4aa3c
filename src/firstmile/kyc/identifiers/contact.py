"""Phone numbers (libphonenumber's metadata) and email addresses (email-validator)."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from firstmile.kyc.errors import UnsupportedIdentifier
from firstmile.kyc.identifiers.result import IdentifierKind, IdentifierResult, Problem, foreign

_PHONE_TYPES = {
    getattr(phonenumbers.PhoneNumberType, name): name.lower()
    for name in dir(phonenumbers.PhoneNumberType)
    if name.isupper()
}
_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def email(raw: str, cc: str | None, *, check_dns: bool) -> IdentifierResult:
    """Valid when the address is well formed (RFC 5321/5322 as email-validator reads them);
    with `check_dns`, also when its domain resolves to a mail server (a network look-up).
    The normalised form has the domain in lower case and Unicode normalised."""
    kind = IdentifierKind.EMAIL
    try:
        info = validate_email(raw, check_deliverability=check_dns)
    except EmailNotValidError as exc:
        problem = Problem(str(exc), "email_invalid")
        return IdentifierResult.refused(kind, cc, problem, "email address")
    details = {"domain": info.ascii_domain}
    return IdentifierResult(kind, cc, True, info.normalized, None, "email address", details=details)


def phone(
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
        return IdentifierResult.refused(kind, cc, _parse_problem(exc, raw, cc), "phone number")
    region = phonenumbers.region_code_for_number(parsed) or (
        phonenumbers.region_code_for_country_code(parsed.country_code or 0)
    )
    problem = _phone_problem(parsed, region)
    if problem is not None:
        return IdentifierResult.refused(kind, cc, problem, "phone number")
    number_type = phonenumbers.number_type(parsed)
    mobile = number_type in _MOBILE_TYPES
    type_name = _PHONE_TYPES.get(number_type, "unknown")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    reason = foreign("number", region, cc, match_country)
    if reason is None and require_mobile and not mobile:
        text = f"not a mobile number ({type_name.replace('_', ' ')})"
        reason = Problem(text, "not_mobile", {"number_type": type_name})
    details = {"region": region, "number_type": type_name}
    if reason is not None:
        return IdentifierResult.refused(
            kind, cc, reason, "phone number", normalised=e164, mobile=mobile, details=details
        )
    return IdentifierResult(
        kind, cc, True, e164, None, "phone number", mobile=mobile, details=details
    )


def _parse_problem(exc: phonenumbers.NumberParseException, raw: str, cc: str | None) -> Problem:
    error = phonenumbers.NumberParseException
    if exc.error_type == error.INVALID_COUNTRY_CODE:
        if cc is None and not raw.startswith("+"):
            text = "no country calling code: write it as +<code> or give the country"
            return Problem(text, "no_calling_code")
        return Problem("unknown country calling code", "unknown_calling_code")
    if exc.error_type == error.TOO_LONG:
        return Problem("too long to be a phone number", "phone_too_long")
    if exc.error_type in (error.TOO_SHORT_NSN, error.TOO_SHORT_AFTER_IDD):
        return Problem("too short to be a phone number", "phone_too_short")
    return Problem("not a phone number", "not_a_phone_number")


def _phone_problem(parsed: phonenumbers.PhoneNumber, region: str) -> Problem | None:
    possible = phonenumbers.is_possible_number_with_reason(parsed)
    result = phonenumbers.ValidationResult
    where = {"country": region}
    if possible == result.TOO_SHORT:
        return Problem(f"too short for a number in {region}", "phone_too_short_in", where)
    if possible == result.TOO_LONG:
        return Problem(f"too long for a number in {region}", "phone_too_long_in", where)
    if possible == result.INVALID_LENGTH:
        return Problem(f"wrong length for a number in {region}", "phone_wrong_length_in", where)
    if possible == result.IS_POSSIBLE_LOCAL_ONLY:
        text = f"a local number: write it with its area code ({region})"
        return Problem(text, "phone_local_only", where)
    if possible == result.INVALID_COUNTRY_CODE:
        return Problem("unknown country calling code", "unknown_calling_code")
    if not phonenumbers.is_valid_number(parsed):
        text = f"not a valid number in {region}: no such range is in use"
        return Problem(text, "phone_no_such_range", where)
    return None
