"""What reading an MRZ returns: its fields, every check with its verdict, and validity."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from firstmile.kyc.mrz.layouts import Layout

CHECK_DIGIT_SUFFIX = "_check_digit"


@dataclass(frozen=True)
class MrzCheck:
    """One rule and its verdict. `name` is stable (`birth_date_check_digit`, `not_expired`);
    `message` says in English what was found, naming the field; `code` names that finding
    (`mrz.adult.under_age`) and `params` hold its values (numbers, ISO dates, codes as read),
    so a page can word it in its own language."""

    name: str
    ok: bool
    message: str
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class MrzFields:
    """The zone's fields, fillers removed (inner fillers of names become spaces).

    `document_number` is whole, including the part a TD1/TD2 carries in its optional data
    when the number is longer than 9 characters. Dates are None when not a valid, complete
    date; `*_raw` keep the YYMMDD as printed. `sex` is M, F or None (unspecified).
    `personal_number` is TD3 only; `optional_data_2` TD1 only (its second line);
    `optional_data` is None on a TD3.
    """

    document_code: str
    document_type: str
    issuing_state: str
    surname: str
    given_names: str
    name_may_be_truncated: bool
    document_number: str
    nationality: str
    birth_date: date | None
    birth_date_raw: str
    sex: str | None
    expiry_date: date | None
    expiry_date_raw: str
    optional_data: str | None
    optional_data_2: str | None
    personal_number: str | None


@dataclass(frozen=True)
class MrzResult:
    layout: Layout
    lines: tuple[str, ...]
    fields: MrzFields
    checks: tuple[MrzCheck, ...]

    @property
    def valid(self) -> bool:
        """True when every check passed."""
        return all(check.ok for check in self.checks)

    @property
    def failures(self) -> tuple[MrzCheck, ...]:
        return tuple(check for check in self.checks if not check.ok)

    def verdict(self, name: str) -> MrzCheck:
        """The check called `name`; KeyError if this layout has no such check."""
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form: dates as ISO strings, check digits' verdicts by field."""
        fields = {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in asdict(self.fields).items()
        }
        check_digits = {
            check.name.removesuffix(CHECK_DIGIT_SUFFIX): check.ok
            for check in self.checks
            if check.name.endswith(CHECK_DIGIT_SUFFIX)
        }
        return {
            "layout": str(self.layout),
            "valid": self.valid,
            "fields": fields,
            "check_digits": check_digits,
            "checks": [
                {"name": check.name, "ok": check.ok, "message": check.message}
                for check in self.checks
            ],
            "lines": list(self.lines),
        }
