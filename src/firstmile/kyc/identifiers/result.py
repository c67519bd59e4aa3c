"""What checking an identifier returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


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


def foreign(what: str, own: str, cc: str | None, match_country: bool) -> str | None:
    """The reason to reject an identifier of another country, when matching is asked for."""
    if match_country and cc is not None and own != cc:
        return f"the {what} is from {own}, not {cc}"
    return None
