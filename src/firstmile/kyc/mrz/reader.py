"""Reading a whole zone: layout, fields, checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from firstmile.kit import time as clock
from firstmile.kit.errors import InvalidInput
from firstmile.kyc.mrz import checks, layouts
from firstmile.kyc.mrz.layouts import FILLER
from firstmile.kyc.mrz.names import read_name
from firstmile.kyc.mrz.result import MrzFields, MrzResult
from firstmile.kyc.mrz.zone import Zone, cut

DEFAULT_ADULT_AGE = 18
_MAX_AGE = 150
_DOCUMENT_TYPES = {
    "P": "passport",
    "V": "visa",
    "I": "identity card",
    "A": "official travel document",
    "C": "official travel document",
}


def parse(
    text: str | Sequence[str],
    *,
    today: date | None = None,
    adult_age: int = DEFAULT_ADULT_AGE,
    allow_specimen: bool = False,
) -> MrzResult:
    """Read and check a machine-readable zone.

    `text` is the zone as one string with line breaks or as its lines. Expiry and age are
    judged on `today` (default: the clock's date). `allow_specimen` accepts Utopia (UTO),
    the state of ICAO's specimen documents, as issuer and nationality.

    A zone whose line count or line lengths fit no layout cannot be read at all: that raises
    `InvalidInput` naming the line. Anything else wrong is a failed check in the result.
    """
    if not 1 <= adult_age <= _MAX_AGE:
        raise InvalidInput(f"adult age must be 1 to {_MAX_AGE}; got {adult_age}", field="adult_age")
    lines = layouts.split_lines(text)
    spec = layouts.detect(lines)
    zone = cut(spec, lines, today or clock.utcnow().date())
    return MrzResult(
        layout=spec.layout,
        lines=zone.lines,
        fields=_fields(zone),
        checks=checks.run_all(zone, adult_age=adult_age, allow_specimen=allow_specimen),
    )


def _clean(raw: str | None) -> str | None:
    if raw is None:
        return None
    return " ".join(raw.replace(FILLER, " ").split())


def _fields(zone: Zone) -> MrzFields:
    raw = zone.raw
    code = raw["document_code"]
    name = read_name(raw["name"])
    sex = raw["sex"] if raw["sex"] in ("M", "F") else None
    return MrzFields(
        document_code=code.rstrip(FILLER),
        document_type=_DOCUMENT_TYPES.get(code[0], "unknown"),
        issuing_state=raw["issuing_state"].rstrip(FILLER),
        surname=name.surname,
        given_names=name.given_names,
        name_may_be_truncated=name.may_be_truncated,
        document_number=zone.document_number.number,
        nationality=raw["nationality"].rstrip(FILLER),
        birth_date=zone.birth.value,
        birth_date_raw=zone.birth.raw,
        sex=sex,
        expiry_date=zone.expiry.value,
        expiry_date_raw=zone.expiry.raw,
        optional_data=_clean(zone.document_number.optional_data),
        optional_data_2=_clean(raw.get("optional_data_2")),
        personal_number=_clean(raw.get("personal_number")),
    )
