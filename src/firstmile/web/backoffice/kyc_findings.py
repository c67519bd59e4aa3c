"""The findings of an identity check in the reviewer's language.

The kyc domain keeps each check's and each risk reason's finding in English (`message`,
`detail`) and, beside it, a code and its values (`code`, `params`: numbers, ISO dates,
country codes, values as read from the document). A finding whose code has a text here is
shown in the page's language with its values formatted for the locale; one without a code
(a row stored before codes existed, a screening hit) or with an unknown code is shown in
its stored English, marked as such.

Values are formatted by their name: `*_date` an ISO date (`fmt.date`), `*country` an ISO
3166 alpha-2 code (the country's name in the page's language), `percent` a decimal number;
whole numbers with the locale's digits and separators; anything else as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup, escape

from firstmile.kit.i18n import cldr_locale
from firstmile.kyc import screening_link
from firstmile.web.backoffice.common import Translate
from firstmile.web.locale import Formats

_VALUE = Markup('<bdi dir="ltr">{}</bdi>')


def _mrz_texts(_: Translate) -> dict[str, str]:
    return {
        "mrz.characters.ok": _("Every character is A-Z, 0-9 or <"),
        "mrz.characters.invalid": _(
            "Characters outside A-Z, 0-9 and < (lower case is not allowed either); "
            "the first at line {line}, position {position}: {char}"
        ),
        "mrz.document_code.first_letter": _(
            "The document code {code} must start with one of {letters} in this layout ({layout})"
        ),
        "mrz.document_code.second_letter": _(
            "Document code {code}: its second character must be a letter or <"
        ),
        "mrz.document_code.ok": _("Document code {code}"),
        "mrz.state.missing": _("Missing"),
        "mrz.state.specimen_allowed": _("{code} (Utopia, the ICAO specimen state)"),
        "mrz.state.specimen": _(
            "{code} is Utopia, the ICAO specimen state: no real document carries it"
        ),
        "mrz.state.ok": _("{code} ({name})"),
        "mrz.state.holder_only": _("{code} describes a holder, not an issuer of documents"),
        "mrz.state.unknown": _("{code} is not an ICAO Doc 9303 code"),
        "mrz.name.character": _(
            "The name has {char} at line {line}, position {position}: names hold only A-Z and <"
        ),
        "mrz.name.no_surname": _("The name does not start with a surname"),
        "mrz.name.ok": _("Name read: {name}"),
        "mrz.name.ok_may_be_truncated": _(
            "Name read: {name} (it fills the field, so it may be truncated)"
        ),
        "mrz.document_number.no_continuation": _(
            "The check digit is a filler, but no continuation of the number follows in the "
            "optional data"
        ),
        "mrz.document_number.missing": _("The document number is missing"),
        "mrz.document_number.ok": _("Document number {number}"),
        "mrz.document_number.ok_continued": _(
            "Document number {number} (continued in the optional data)"
        ),
        "mrz.check_digit.not_computable": _(
            "Cannot be computed: the field holds characters outside A-Z, 0-9 and <"
        ),
        "mrz.check_digit.ok": _("Matches ({expected})"),
        "mrz.check_digit.mismatch": _("Does not match: expected {expected}, found {found}"),
        "mrz.check_digit.empty_personal_number": _(
            "The personal number is empty and its check digit is {found}"
        ),
        "mrz.date.not_a_date": _("{raw} is not a date (YYMMDD, with << for an unknown part)"),
        "mrz.date.not_digits": _("{raw} is not a date (YYMMDD digits)"),
        "mrz.date.no_month": _("{raw} has no month {month}"),
        "mrz.date.no_day": _("{raw} has no day {day}"),
        "mrz.date.no_such_day": _("{raw} is not a valid date ({value})"),
        "mrz.birth_date.ok": _("Date of birth {birth_date}"),
        "mrz.birth_date.unknown": _("The date of birth is unknown ({raw})"),
        "mrz.birth_date.partly_unknown": _("The date of birth is partly unknown ({raw})"),
        "mrz.sex.ok": _("Sex {sex}"),
        "mrz.sex.unspecified": _("Sex unspecified (<)"),
        "mrz.sex.invalid": _("Sex must be M, F or < (unspecified); found {found}"),
        "mrz.expiry_date.before_birth": _(
            "The expiry date {expiry_date} is not after the date of birth {birth_date}"
        ),
        "mrz.expiry_date.ok": _("Expires on {expiry_date}"),
        "mrz.not_expired.unknown": _("Expiry cannot be checked: the expiry date is not a date"),
        "mrz.not_expired.expired": _("Expired on {expiry_date}"),
        "mrz.not_expired.ok": _("Valid until {expiry_date} (checked on {on_date})"),
        "mrz.adult.unknown": _("The age cannot be established: the date of birth is not known"),
        "mrz.adult.under_age": _(
            "Under {adult_age}: age {years} on {on_date} (date of birth {raw})"
        ),
        "mrz.adult.under_age_at_least": _(
            "Under {adult_age}: age at least {years} on {on_date} (date of birth {raw})"
        ),
        "mrz.adult.ok": _("Age {years} on {on_date}"),
        "mrz.adult.ok_at_least": _("Age at least {years} on {on_date}"),
    }


def _comparison_texts(_: Translate) -> dict[str, str]:
    return {
        "mrz.compare.untransliterable": _(
            "The typed value has characters with no transliteration in the zone: {chars}"
        ),
        "mrz.compare.match": _("Matches"),
        "mrz.compare.truncated_match": _("Matches: the zone holds it truncated ({mrz})"),
        "mrz.compare.known_parts_match": _("Matches the known parts of the zone's date ({raw})"),
        "mrz.compare.mismatch": _("Does not match: the zone has {mrz}, typed is {typed}"),
        "mrz.compare.mismatch_empty": _("Does not match: the zone has nothing, typed is {typed}"),
        "mrz.compare.birth_date_not_comparable": _(
            "Cannot be compared: the zone's date of birth is not valid"
        ),
        "mrz.compare.birth_date_mismatch": _(
            "Does not match: the zone has {mrz_date}, typed is {typed_date}"
        ),
    }


def _identifier_texts(_: Translate) -> dict[str, str]:
    return {
        "identifier.empty": _("It is empty"),
        "identifier.email_invalid": _("Not a valid email address"),
        "identifier.no_calling_code": _(
            "No country calling code: write it as +<code> or give the country"
        ),
        "identifier.unknown_calling_code": _("Unknown country calling code"),
        "identifier.phone_too_long": _("Too long to be a phone number"),
        "identifier.phone_too_short": _("Too short to be a phone number"),
        "identifier.not_a_phone_number": _("Not a phone number"),
        "identifier.phone_too_short_in": _("Too short for a number in {country}"),
        "identifier.phone_too_long_in": _("Too long for a number in {country}"),
        "identifier.phone_wrong_length_in": _("Wrong length for a number in {country}"),
        "identifier.phone_local_only": _("A local number: write it with its area code ({country})"),
        "identifier.phone_no_such_range": _(
            "Not a valid number in {country}: no such range is in use"
        ),
        "identifier.foreign": _("It is from {own_country}, not {expected_country}"),
        "identifier.not_mobile": _("Not a mobile number"),
        "identifier.check_digit": _("The check digit does not match"),
        "identifier.wrong_length": _("Wrong length (characters: {length})"),
        "identifier.wrong_format": _("Wrong format"),
        "identifier.invalid_part": _("A part of it is not valid"),
        "identifier.not_valid": _("Not valid"),
        "identifier.iban_length": _(
            "Wrong length (characters: {length}; an IBAN of {country} has {expected})"
        ),
        "identifier.iban_format": _(
            "Wrong format: the account part of an IBAN of {country} is laid out as {layout}"
        ),
    }


def _other_texts(_: Translate) -> dict[str, str]:
    """The checks beyond the document, and a business's."""
    return {
        "finding.disposable_email": _("{email} is at a disposable-mail domain"),
        "finding.non_mobile_phone": _("{phone} cannot receive SMS"),
        "finding.velocity_email": _("Other customers with the same email address: {others}"),
        "finding.velocity_phone": _("Other customers with the same phone number: {others}"),
        "finding.velocity_iban": _("Other customers with the IBAN {iban}: {others}"),
        "finding.velocity_document": _("Other customers with the same document: {others}"),
        "finding.outside_service_area": _(
            "The address is in {address_country}; the operator serves {served_country}"
        ),
        "business.no_registration_number": _("No registration number"),
        "business.no_signatory": _("Nobody may sign for the business"),
        "business.no_beneficial_owner": _("No beneficial owner is recorded"),
        "business.shares_over_100": _("The owners' shares add up to {percent} %"),
    }


def finding_texts(_: Translate) -> dict[str, str]:
    """Code -> the finding's text in the page's language, with its values' placeholders."""
    return _mrz_texts(_) | _comparison_texts(_) | _identifier_texts(_) | _other_texts(_)


def _country(code: str, fmt: Formats) -> str:
    return str(cldr_locale(fmt.locale).territories.get(code.upper(), code))


def shown_param(name: str, value: Any, fmt: Formats) -> str:
    """One value of a finding as the page shows it (see the module's docstring)."""
    if isinstance(value, bool) or value is None:
        return str(value or "")
    if isinstance(value, int | float):
        return fmt.number(value)
    text = str(value)
    if name.endswith("_date"):
        try:
            return fmt.date(date.fromisoformat(text))
        except ValueError:
            return text  # a partly unknown date as printed in the zone
    if name.endswith("country") and len(text) == 2:
        return _country(text, fmt)
    if name == "percent":
        try:
            return fmt.number(Decimal(text))
        except InvalidOperation:
            return text
    return text


def _state_name(params: Mapping[str, Any], fmt: Formats) -> str:
    """An ICAO state code's country in the page's language, else the name the zone's code
    list gives (in English)."""
    alpha2 = screening_link.alpha2(str(params.get("code", "")))
    known = cldr_locale(fmt.locale).territories.get(alpha2) if alpha2 else None
    return str(known or params.get("name", ""))


def finding_text(entry: Mapping[str, Any], texts: Mapping[str, str], fmt: Formats) -> Markup | None:
    """The finding of a check or a risk reason in the page's language, each value isolated
    for the bidi algorithm; None when it has no known code (show its stored English)."""
    code = entry.get("code")
    template = texts.get(code) if isinstance(code, str) else None
    params = entry.get("params")
    if template is None or not isinstance(params, Mapping):
        return None
    values = {name: shown_param(name, value, fmt) for name, value in params.items()}
    if code == "mrz.state.ok":
        values["name"] = _state_name(params, fmt)
    try:
        return escape(template).format(**{k: _VALUE.format(v) for k, v in values.items()})
    except (KeyError, IndexError, ValueError):
        return None  # a text whose values changed since the row was stored
