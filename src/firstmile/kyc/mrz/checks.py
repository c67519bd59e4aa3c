"""The rules an MRZ is held to, each returning one verdict that names the field concerned.

Check digits follow Doc 9303 part 3 4.9. What each layout's digits cover is in `layouts`.
Beyond the digits: the character set and the name field (part 3 4.6), the document code,
the issuer and nationality codes (part 3 section 5), dates, sex (M, F or `<`), expiry at a
given day and the holder's age at that day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from firstmile.kyc.mrz import codes
from firstmile.kyc.mrz.layouts import ALPHABET, FILLER, Span, check_digit
from firstmile.kyc.mrz.names import read_name
from firstmile.kyc.mrz.result import CHECK_DIGIT_SUFFIX, MrzCheck
from firstmile.kyc.mrz.zone import Zone

_SHOWN_OFFENDERS = 5
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ<")
_COMPOSITE = "composite (document number, dates and optional data)"


def run_all(zone: Zone, *, adult_age: int, allow_specimen: bool) -> tuple[MrzCheck, ...]:
    """Every check that applies to the zone's layout, in reading order."""
    rules: list[Callable[[], MrzCheck | None]] = [
        lambda: characters(zone),
        lambda: document_code(zone),
        lambda: state_code(zone, "issuing_state", allow_specimen=allow_specimen),
        lambda: name(zone),
        lambda: document_number(zone),
        lambda: document_number_digit(zone),
        lambda: state_code(zone, "nationality", allow_specimen=allow_specimen),
        lambda: birth_date(zone),
        lambda: digit("birth_date", "date of birth", zone.raw["birth_date"], zone),
        lambda: sex(zone),
        lambda: expiry_date(zone),
        lambda: digit("expiry_date", "date of expiry", zone.raw["expiry_date"], zone),
        lambda: personal_number_digit(zone),
        lambda: composite_digit(zone),
        lambda: not_expired(zone),
        lambda: adult(zone, adult_age),
    ]
    return tuple(check for rule in rules if (check := rule()) is not None)


def _quoted(char: str) -> str:
    return char if char.isdigit() else f"'{char}'"


def characters(zone: Zone) -> MrzCheck:
    """Every character is A-Z, 0-9 or `<`; the failure lists where the others are."""
    offenders = [
        f"line {row}, position {column}: {char!r}"
        for row, line in enumerate(zone.lines, start=1)
        for column, char in enumerate(line, start=1)
        if char not in ALPHABET
    ]
    if not offenders:
        return MrzCheck("characters", True, "every character is A-Z, 0-9 or <")
    shown = "; ".join(offenders[:_SHOWN_OFFENDERS])
    more = len(offenders) - _SHOWN_OFFENDERS
    tail = f"; and {more} more" if more > 0 else ""
    return MrzCheck(
        "characters",
        False,
        f"characters outside A-Z, 0-9 and < (lower case is not allowed either): {shown}{tail}",
    )


def document_code(zone: Zone) -> MrzCheck:
    """The first letter says the kind of document (P passport, V visa, A, C or I other
    documents); the second is a letter or a filler."""
    code = zone.raw["document_code"]
    letters = zone.spec.document_letters
    allowed = f"{', '.join(letters[:-1])} or {letters[-1]}" if len(letters) > 1 else letters
    if code[0] not in letters:
        return MrzCheck(
            "document_code",
            False,
            f"document code {code!r} must start with {allowed} on a {zone.spec.label}",
        )
    if not ("A" <= code[1] <= "Z" or code[1] == FILLER):
        return MrzCheck(
            "document_code",
            False,
            f"document code {code!r}: its second character must be a letter or <",
        )
    return MrzCheck("document_code", True, f"document code {code.rstrip(FILLER)}")


def state_code(zone: Zone, field: str, *, allow_specimen: bool) -> MrzCheck:
    """The issuing state or the nationality is a code Doc 9303 part 3 lists."""
    label = "issuing state" if field == "issuing_state" else "nationality"
    code = zone.raw[field].rstrip(FILLER)
    if not code:
        return MrzCheck(field, False, f"{label} is missing")
    if code == codes.SPECIMEN_STATE:
        if allow_specimen:
            return MrzCheck(field, True, f"{label} {code} (Utopia, the ICAO specimen state)")
        return MrzCheck(
            field,
            False,
            f"{label} {code} is Utopia, the ICAO specimen state: no real document carries it",
        )
    known = codes.issuer_name(code) if field == "issuing_state" else codes.nationality_name(code)
    if known is not None:
        return MrzCheck(field, True, f"{label} {code} ({known})")
    if field == "issuing_state" and code in codes.NATIONALITY_ONLY:
        return MrzCheck(
            field, False, f"{label} {code} describes a holder, not an issuer of documents"
        )
    hint = codes.HINTS.get(code)
    reason = f": {hint}" if hint else ""
    return MrzCheck(field, False, f"{label} {code!r} is not an ICAO Doc 9303 code{reason}")


def name(zone: Zone) -> MrzCheck:
    """The name field holds only A-Z and `<` and starts with the surname."""
    raw = zone.raw["name"]
    span = zone.spec.fields["name"]
    bad = [(i, char) for i, char in enumerate(raw) if char not in _NAME_CHARS]
    if bad:
        index, char = bad[0]
        place = Span(span.line, span.start + index, span.start + index + 1).describe()
        return MrzCheck("name", False, f"name has {char!r} at {place}: names hold only A-Z and <")
    if raw.startswith(FILLER):
        where = span.describe()
        return MrzCheck("name", False, f"name ({where}) does not start with a surname")
    read = read_name(raw)
    given = f", {read.given_names}" if read.given_names else ""
    note = " (it fills the field, so it may be truncated)" if read.may_be_truncated else ""
    return MrzCheck("name", True, f"name {read.surname}{given}{note}")


def document_number(zone: Zone) -> MrzCheck:
    number = zone.document_number
    if number.problem is not None:
        return MrzCheck("document_number", False, f"document number {number.problem}")
    if not number.number:
        return MrzCheck("document_number", False, "document number is missing")
    note = " (continued in the optional data)" if number.overflow else ""
    return MrzCheck("document_number", True, f"document number {number.number}{note}")


def digit(field: str, label: str, data: str, zone: Zone, found: str | None = None) -> MrzCheck:
    """The check digit printed after `data` (or `found`) is the one `data` computes to."""
    check_name = field + CHECK_DIGIT_SUFFIX
    printed = zone.raw[f"{field}_check"] if found is None else found
    expected = check_digit(data)
    if expected is None:
        return MrzCheck(
            check_name,
            False,
            f"check digit of the {label} cannot be computed: the {label} holds characters "
            "outside A-Z, 0-9 and <",
        )
    if printed == str(expected):
        return MrzCheck(check_name, True, f"check digit of the {label} matches ({expected})")
    return MrzCheck(
        check_name,
        False,
        f"check digit of the {label} does not match: expected {expected}, found {_quoted(printed)}",
    )


def document_number_digit(zone: Zone) -> MrzCheck:
    number = zone.document_number
    return digit("document_number", "document number", number.check_data, zone, number.check_char)


def personal_number_digit(zone: Zone) -> MrzCheck | None:
    """TD3 only. An unused personal number (all fillers) may have `<` or 0 as check digit."""
    personal = zone.field("personal_number")
    if personal is None:
        return None
    printed = zone.raw["personal_number_check"]
    if set(personal) == {FILLER} and printed in (FILLER, "0"):
        return MrzCheck(
            "personal_number" + CHECK_DIGIT_SUFFIX,
            True,
            f"personal number is empty and its check digit is {printed}",
        )
    return digit("personal_number", "personal number", personal, zone)


def composite_digit(zone: Zone) -> MrzCheck | None:
    """TD1, TD2 and TD3: the last digit covers the other check digits and their data."""
    if zone.spec.composite is None:
        return None
    data = "".join(span.read(zone.lines) for span in zone.spec.composite)
    return digit("composite", _COMPOSITE, data, zone)


def birth_date(zone: Zone) -> MrzCheck:
    birth = zone.birth
    if birth.problem is not None:
        return MrzCheck("birth_date", False, f"date of birth {birth.raw} {birth.problem}")
    if birth.value is not None:
        return MrzCheck("birth_date", True, f"date of birth {birth.value.isoformat()}")
    known = "unknown" if birth.latest is None else "partly unknown"
    return MrzCheck("birth_date", True, f"date of birth is {known} ({birth.raw})")


def sex(zone: Zone) -> MrzCheck:
    value = zone.raw["sex"]
    if value in ("M", "F", FILLER):
        shown = "unspecified (<)" if value == FILLER else value
        return MrzCheck("sex", True, f"sex {shown}")
    return MrzCheck("sex", False, f"sex must be M, F or < (unspecified); found {value!r}")


def expiry_date(zone: Zone) -> MrzCheck:
    expiry, birth = zone.expiry, zone.birth
    if expiry.problem is not None or expiry.value is None:
        return MrzCheck("expiry_date", False, f"date of expiry {expiry.raw} {expiry.problem}")
    if birth.value is not None and expiry.value <= birth.value:
        return MrzCheck(
            "expiry_date",
            False,
            f"date of expiry {expiry.value.isoformat()} is not after the date of birth "
            f"{birth.value.isoformat()}",
        )
    return MrzCheck("expiry_date", True, f"date of expiry {expiry.value.isoformat()}")


def not_expired(zone: Zone) -> MrzCheck:
    """The document is valid through its expiry date."""
    expiry = zone.expiry.value
    if expiry is None:
        return MrzCheck(
            "not_expired", False, "expiry cannot be checked: the date of expiry is not a date"
        )
    if expiry < zone.today:
        return MrzCheck("not_expired", False, f"expired on {expiry.isoformat()}")
    return MrzCheck(
        "not_expired", True, f"valid until {expiry.isoformat()} (on {zone.today.isoformat()})"
    )


def adult(zone: Zone, adult_age: int) -> MrzCheck:
    """The holder is at least `adult_age` on `today`. With a partly unknown date of birth
    the latest date it can be is used, so the holder is never taken for older than they
    may be."""
    born = zone.birth.latest
    on = zone.today.isoformat()
    if born is None:
        return MrzCheck("adult", False, "age cannot be established: the date of birth is not known")
    years = age(born, zone.today)
    at_least = "" if zone.birth.value is not None else "at least "
    if years < adult_age:
        return MrzCheck(
            "adult",
            False,
            f"holder is under {adult_age}: {at_least}{years} years old on {on} "
            f"(date of birth {zone.birth.raw})",
        )
    return MrzCheck("adult", True, f"holder is {at_least}{years} years old on {on}")


def age(born: date, on: date) -> int:
    """Whole years from `born` to `on` (someone born on 29 February ages on 1 March in
    common years)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
