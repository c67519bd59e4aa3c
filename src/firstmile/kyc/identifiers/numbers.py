"""Numbers python-stdnum checks: national, tax and company IDs, VAT numbers, IBANs, BICs.

Its exceptions become reasons: InvalidChecksum "check digit does not match", InvalidLength
"wrong length (N characters)", InvalidFormat "wrong format", InvalidComponent "a part of it
is not valid (...)", followed by stdnum's own detail when it gives one.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

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
from firstmile.kyc.identifiers.result import IdentifierKind, IdentifierResult, Problem, foreign
from firstmile.kyc.identifiers.schemes import FORMAT_ONLY, LENGTHS, SCHEMES

_COMPONENT_HINTS = {
    IdentifierKind.NATIONAL_ID: "e.g. the birth date",
    IdentifierKind.IBAN: "the country code or the bank account part",
    IdentifierKind.BIC: "the country code",
}
_SHAPE_RANK = 3
# IBAN registry notation: n digits, a upper-case letters, c letters or digits, e blanks
_BBAN_CHARS = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]", "e": " "}
_EU_PREFIXES = {code.upper() for code in eu_vat.MEMBER_STATES if code != "gr"} | {"EL"}


def _title(module: Any) -> str:
    doc = str(module.__doc__ or module.__name__)
    return doc.strip().splitlines()[0].rstrip(".")


def _problem(exc: ValidationError, compact: str, kind: IdentifierKind) -> Problem:
    """The reason for a python-stdnum failure, with its own detail when it gives one (in
    English only: the code and its values leave it out)."""
    params: dict[str, Any] = {}
    if isinstance(exc, InvalidChecksum):
        reason, code = "check digit does not match", "check_digit"
    elif isinstance(exc, InvalidLength):  # a subclass of InvalidFormat: test it first
        reason, code = f"wrong length ({len(compact)} characters)", "wrong_length"
        params = {"length": len(compact)}
    elif isinstance(exc, InvalidFormat):
        reason, code = "wrong format", "wrong_format"
    elif isinstance(exc, InvalidComponent):
        hint = _COMPONENT_HINTS.get(kind, "e.g. a date, a region or a register code")
        reason, code = f"a part of it is not valid ({hint})", "invalid_part"
    else:
        reason, code = "not valid", "not_valid"
    detail = exc.args[0] if exc.args and isinstance(exc.args[0], str) else ""
    if detail:
        reason = f"{reason}: {detail[:1].lower()}{detail[1:].rstrip('.')}"
    return Problem(reason, code, params)


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


def by_scheme(kind: IdentifierKind, raw: str, cc: str | None) -> IdentifierResult:
    """national_id, tax_id, company_id: valid if one of the country's schemes accepts it;
    otherwise the most telling failure is reported."""
    if cc is None:
        raise InvalidInput(f"checking a {kind} needs the country", field="country")
    names = SCHEMES[kind].get(cc)
    if names is None:
        supported = ", ".join(sorted(SCHEMES[kind]))
        raise UnsupportedIdentifier(
            f"{kind} is not supported for country {cc}", field="country", supported=supported
        )
    failures: list[tuple[int, Problem, str]] = []
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
            length = len(normalised)
            problem = Problem(
                f"wrong length ({length} characters)", "wrong_length", {"length": length}
            )
            failures.append((2, problem, _title(module)))
            continue
        return IdentifierResult(
            kind, cc, True, normalised, None, _title(module), details=_facts(module, normalised)
        )
    best = max(failures, key=lambda failure: failure[0])  # max keeps the first of equals
    return IdentifierResult.refused(kind, cc, best[1], best[2])


def _facts(module: Any, number: str) -> dict[str, str]:
    """What a personal number encodes that KYC can cross-check: the birth date."""
    get_birth_date = getattr(module, "get_birth_date", None)
    if get_birth_date is None:
        return {}
    try:
        return {"birth_date": get_birth_date(number).isoformat()}
    except (ValidationError, ValueError, TypeError, AttributeError):
        return {}


def _validated(
    kind: IdentifierKind, module: Any, raw: str, cc: str | None
) -> str | IdentifierResult:
    """The normalised value, or the failed result naming the problem."""
    try:
        return str(module.validate(raw))
    except ValidationError as exc:
        reason = _problem(exc, _compact(module, raw), kind)
        return IdentifierResult.refused(kind, cc, reason, _title(module))


def _iban_shape(compact: str) -> Problem | None:
    """What is wrong with the IBAN's country, length or layout per the IBAN registry.
    Checked before the check digits, which any wrong character breaks."""
    info = numdb.get("iban").info(compact)
    bban = info[0][1].get("bban") if info and len(info[0][0]) == 2 else None
    if not bban:
        return _problem(InvalidComponent(), compact, IdentifierKind.IBAN)
    parts = re.findall(r"(\d+)(!?)([nace])", bban)
    expected = 4 + sum(int(count) for count, _, _ in parts)
    country = compact[:2]
    if len(compact) != expected:
        text = f"wrong length ({len(compact)} characters; a {country} IBAN has {expected})"
        params = {"length": len(compact), "expected": expected, "country": country}
        return Problem(text, "iban_length", params)
    layout = "".join(
        f"{_BBAN_CHARS[kind]}{{{count}}}" if fixed else f"{_BBAN_CHARS[kind]}{{1,{count}}}"
        for count, fixed, kind in parts
    )
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}" + layout, compact):
        text = f"wrong format (a {country} IBAN's account part is laid out as {bban})"
        return Problem(text, "iban_format", {"country": country, "layout": bban})
    return None


def iban(raw: str, cc: str | None, *, match_country: bool) -> IdentifierResult:
    kind = IdentifierKind.IBAN
    shape = _iban_shape(_compact(stdnum_iban, raw))
    if shape is not None:
        return IdentifierResult.refused(kind, cc, shape, _title(stdnum_iban))
    outcome = _validated(kind, stdnum_iban, raw, cc)
    if isinstance(outcome, IdentifierResult):
        return outcome
    own = outcome[:2]
    details = {"country": own, "formatted": stdnum_iban.format(outcome)}
    return _foreign_or_valid(
        kind, cc, outcome, foreign("IBAN", own, cc, match_country), _title(stdnum_iban), details
    )


def bic(raw: str, cc: str | None, *, match_country: bool) -> IdentifierResult:
    kind = IdentifierKind.BIC
    outcome = _validated(kind, stdnum_bic, raw, cc)
    if isinstance(outcome, IdentifierResult):
        return outcome
    own = outcome[4:6]
    reason = foreign("BIC", own, cc, match_country)
    return _foreign_or_valid(kind, cc, outcome, reason, _title(stdnum_bic), {"country": own})


def vat(raw: str, cc: str | None, *, match_country: bool) -> IdentifierResult:
    kind = IdentifierKind.VAT
    module, value, own = _vat_scheme(raw, cc)
    outcome = _validated(kind, module, value, cc)
    if isinstance(outcome, IdentifierResult):
        return outcome
    reason = foreign("VAT number", own, cc, match_country)
    return _foreign_or_valid(kind, cc, outcome, reason, _title(module), {"country": own})


def _foreign_or_valid(
    kind: IdentifierKind,
    cc: str | None,
    normalised: str,
    reason: Problem | None,
    scheme: str,
    details: dict[str, str],
) -> IdentifierResult:
    """A valid value, or one of another country than asked for (`reason`)."""
    if reason is not None:
        return IdentifierResult.refused(
            kind, cc, reason, scheme, normalised=normalised, details=details
        )
    return IdentifierResult(kind, cc, True, normalised, None, scheme, details=details)


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
