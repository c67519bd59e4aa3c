"""What checking an identifier returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple


class IdentifierKind(StrEnum):
    NATIONAL_ID = "national_id"
    TAX_ID = "tax_id"
    VAT = "vat"
    COMPANY_ID = "company_id"
    IBAN = "iban"
    BIC = "bic"
    PHONE = "phone"
    EMAIL = "email"


class Problem(NamedTuple):
    """Why a value is not valid: in English, and as a code with its values (`wrong_length`,
    {"length": 9}) for pages that word it in another language."""

    text: str
    code: str
    params: dict[str, Any] = {}  # noqa: RUF012 (a NamedTuple default, never mutated)


@dataclass(frozen=True)
class IdentifierResult:
    """The verdict on one value.

    `normalised` is the value in its canonical form (compact, E.164, normalised address)
    whenever the value itself is valid, even when a policy (`require_mobile`,
    `match_country`) then rejects it. `reason` says why it is not valid. `scheme` names the
    number checked (the first line of python-stdnum's description of it). `mobile` is set
    for phone numbers. `details` holds what the number tells: its country, a birth date.
    `reason_code` and `reason_params` name the reason (see `Problem`).
    """

    kind: IdentifierKind
    country: str | None
    valid: bool
    normalised: str | None
    reason: str | None
    scheme: str | None = None
    mobile: bool | None = None
    details: dict[str, str] = field(default_factory=dict)
    reason_code: str | None = None
    reason_params: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def refused(
        cls,
        kind: IdentifierKind,
        cc: str | None,
        problem: Problem,
        scheme: str | None,
        *,
        normalised: str | None = None,
        **extra: Any,
    ) -> IdentifierResult:
        """A value that is not valid (or that a policy rejects), for `problem`."""
        return cls(
            kind,
            cc,
            False,
            normalised,
            problem.text,
            scheme,
            reason_code=problem.code,
            reason_params=dict(problem.params),
            **extra,
        )

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


def foreign(what: str, own: str, cc: str | None, match_country: bool) -> Problem | None:
    """The reason to reject an identifier of another country, when matching is asked for."""
    if match_country and cc is not None and own != cc:
        params = {"own_country": own, "expected_country": cc}
        return Problem(f"the {what} is from {own}, not {cc}", "foreign", params)
    return None
