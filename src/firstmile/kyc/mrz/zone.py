"""A zone cut into its raw fields, with the document number made whole."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from firstmile.kyc.mrz import dates
from firstmile.kyc.mrz.layouts import FILLER, Spec


@dataclass(frozen=True)
class DocumentNumber:
    """The document number and what its check digit covers.

    On a TD1 or TD2 a number longer than 9 characters shows its first 9 in the number field,
    a filler where the check digit would be, and the rest at the start of the optional data
    followed by the check digit and a filler (part 5 4.2.2, part 6 4.2.2, note j). The check
    digit then covers the whole number.
    """

    number: str
    check_data: str
    check_char: str
    optional_data: str | None
    overflow: bool
    problem: str | None


@dataclass(frozen=True)
class Zone:
    spec: Spec
    lines: tuple[str, ...]
    raw: dict[str, str]
    document_number: DocumentNumber
    birth: dates.MrzDate
    expiry: dates.MrzDate
    today: date

    def field(self, name: str) -> str | None:
        """The raw characters of field `name`; None if the layout has no such field."""
        return self.raw.get(name)


def cut(spec: Spec, lines: Sequence[str], today: date) -> Zone:
    raw = {name: span.read(lines) for name, span in spec.fields.items()}
    return Zone(
        spec=spec,
        lines=tuple(lines),
        raw=raw,
        document_number=_document_number(spec, raw),
        birth=dates.birth_date(raw["birth_date"], today),
        expiry=dates.expiry_date(raw["expiry_date"], today),
        today=today,
    )


def _document_number(spec: Spec, raw: dict[str, str]) -> DocumentNumber:
    principal = raw["document_number"]
    check_char = raw["document_number_check"]
    optional = raw.get("optional_data")
    long_number = FILLER not in principal and check_char == FILLER
    if not (spec.overflow and long_number and optional is not None):
        return DocumentNumber(
            principal.rstrip(FILLER), principal, check_char, optional, False, None
        )
    run = optional.split(FILLER, 1)[0]
    if not run:
        problem = (
            "has a filler in place of its check digit, but no continuation of the number "
            "follows in the optional data"
        )
        return DocumentNumber(principal, principal, check_char, optional, False, problem)
    number = principal + run[:-1]
    rest = optional[len(run) + 1 :]
    return DocumentNumber(number, number, run[-1], rest, True, None)
