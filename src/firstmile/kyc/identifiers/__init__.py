"""Checking identifiers customers give: national IDs, tax IDs, VAT and company numbers, IBANs,
BICs, phone numbers and email addresses. Pure functions, no network (unless the email's DNS
check is asked for).

`check` returns a verdict for the value; it raises only when the question itself cannot be
answered: an unknown kind, a malformed country code, a missing country where the kind needs
one (`InvalidInput`), or a kind with no checker for that country (`UnsupportedIdentifier`).
"""

from __future__ import annotations

from firstmile.kit.errors import InvalidInput
from firstmile.kyc.identifiers import contact, numbers
from firstmile.kyc.identifiers.result import IdentifierKind, IdentifierResult, Problem
from firstmile.kyc.identifiers.schemes import SCHEMES

__all__ = ["IdentifierKind", "IdentifierResult", "check", "supported_countries"]


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
        return IdentifierResult.refused(what, cc, Problem("it is empty", "empty"), None)
    if what is IdentifierKind.PHONE:
        return contact.phone(raw, cc, require_mobile=require_mobile, match_country=match_country)
    if what is IdentifierKind.EMAIL:
        return contact.email(raw, cc, check_dns=check_dns)
    if what is IdentifierKind.IBAN:
        return numbers.iban(raw, cc, match_country=match_country)
    if what is IdentifierKind.BIC:
        return numbers.bic(raw, cc, match_country=match_country)
    if what is IdentifierKind.VAT:
        return numbers.vat(raw, cc, match_country=match_country)
    return numbers.by_scheme(what, raw, cc)


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
