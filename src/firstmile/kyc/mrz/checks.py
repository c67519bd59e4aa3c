"""The rules an MRZ is held to, each returning one verdict that names the field concerned.

Check digits follow Doc 9303 part 3 4.9. What each layout's digits cover is in `layouts`.
Beyond the digits: the character set and the name field (part 3 4.6), the document code,
the issuer and nationality codes (part 3 section 5), dates, sex (M, F or `<`), expiry at a
given day and the holder's age at that day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

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


def _verdict(check: str, ok: bool, message: str, code: str, /, **params: Any) -> MrzCheck:
    """A check with its finding's code (`mrz.<code>`) and values beside the English words."""
    return MrzCheck(check, ok, message, f"mrz.{code}", params)


def characters(zone: Zone) -> MrzCheck:
    """Every character is A-Z, 0-9 or `<`; the failure lists where the others are."""
    places = [
        (row, column, char)
        for row, line in enumerate(zone.lines, start=1)
        for column, char in enumerate(line, start=1)
        if char not in ALPHABET
    ]
    if not places:
        return _verdict("characters", True, "every character is A-Z, 0-9 or <", "characters.ok")
    offenders = [f"line {row}, position {column}: {char!r}" for row, column, char in places]
    shown = "; ".join(offenders[:_SHOWN_OFFENDERS])
    more = len(offenders) - _SHOWN_OFFENDERS
    tail = f"; and {more} more" if more > 0 else ""
    row, column, char = places[0]
    return _verdict(
        "characters",
        False,
        f"characters outside A-Z, 0-9 and < (lower case is not allowed either): {shown}{tail}",
        "characters.invalid",
        line=row,
        position=column,
        char=repr(char),
    )


def document_code(zone: Zone) -> MrzCheck:
    """The first letter says the kind of document (P passport, V visa, A, C or I other
    documents); the second is a letter or a filler."""
    code = zone.raw["document_code"]
    letters = zone.spec.document_letters
    allowed = f"{', '.join(letters[:-1])} or {letters[-1]}" if len(letters) > 1 else letters
    if code[0] not in letters:
        return _verdict(
            "document_code",
            False,
            f"document code {code!r} must start with {allowed} on a {zone.spec.label}",
            "document_code.first_letter",
            code=code,
            letters=", ".join(letters),
            layout=str(zone.spec.layout),
        )
    if not ("A" <= code[1] <= "Z" or code[1] == FILLER):
        return _verdict(
            "document_code",
            False,
            f"document code {code!r}: its second character must be a letter or <",
            "document_code.second_letter",
            code=code,
        )
    shown = code.rstrip(FILLER)
    return _verdict("document_code", True, f"document code {shown}", "document_code.ok", code=shown)


def state_code(zone: Zone, field: str, *, allow_specimen: bool) -> MrzCheck:
    """The issuing state or the nationality is a code Doc 9303 part 3 lists."""
    label = "issuing state" if field == "issuing_state" else "nationality"
    code = zone.raw[field].rstrip(FILLER)
    if not code:
        return _verdict(field, False, f"{label} is missing", "state.missing")
    if code == codes.SPECIMEN_STATE:
        if allow_specimen:
            text = f"{label} {code} (Utopia, the ICAO specimen state)"
            return _verdict(field, True, text, "state.specimen_allowed", code=code)
        return _verdict(
            field,
            False,
            f"{label} {code} is Utopia, the ICAO specimen state: no real document carries it",
            "state.specimen",
            code=code,
        )
    known = codes.issuer_name(code) if field == "issuing_state" else codes.nationality_name(code)
    if known is not None:
        return _verdict(field, True, f"{label} {code} ({known})", "state.ok", code=code, name=known)
    if field == "issuing_state" and code in codes.NATIONALITY_ONLY:
        text = f"{label} {code} describes a holder, not an issuer of documents"
        return _verdict(field, False, text, "state.holder_only", code=code)
    hint = codes.HINTS.get(code)
    reason = f": {hint}" if hint else ""
    text = f"{label} {code!r} is not an ICAO Doc 9303 code{reason}"
    return _verdict(field, False, text, "state.unknown", code=code)


def name(zone: Zone) -> MrzCheck:
    """The name field holds only A-Z and `<` and starts with the surname."""
    raw = zone.raw["name"]
    span = zone.spec.fields["name"]
    bad = [(i, char) for i, char in enumerate(raw) if char not in _NAME_CHARS]
    if bad:
        index, char = bad[0]
        place = Span(span.line, span.start + index, span.start + index + 1)
        text = f"name has {char!r} at {place.describe()}: names hold only A-Z and <"
        return _verdict(
            "name",
            False,
            text,
            "name.character",
            char=repr(char),
            line=place.line + 1,
            position=place.start + 1,
        )
    if raw.startswith(FILLER):
        text = f"name ({span.describe()}) does not start with a surname"
        return _verdict("name", False, text, "name.no_surname")
    read = read_name(raw)
    given = f", {read.given_names}" if read.given_names else ""
    note = " (it fills the field, so it may be truncated)" if read.may_be_truncated else ""
    code = "name.ok_may_be_truncated" if read.may_be_truncated else "name.ok"
    text = f"name {read.surname}{given}{note}"
    return _verdict("name", True, text, code, name=f"{read.surname}{given}")


def document_number(zone: Zone) -> MrzCheck:
    number = zone.document_number
    if number.problem is not None:
        text = f"document number {number.problem}"
        return _verdict("document_number", False, text, "document_number.no_continuation")
    if not number.number:
        text = "document number is missing"
        return _verdict("document_number", False, text, "document_number.missing")
    note = " (continued in the optional data)" if number.overflow else ""
    code = "document_number.ok_continued" if number.overflow else "document_number.ok"
    text = f"document number {number.number}{note}"
    return _verdict("document_number", True, text, code, number=number.number)


def digit(field: str, label: str, data: str, zone: Zone, found: str | None = None) -> MrzCheck:
    """The check digit printed after `data` (or `found`) is the one `data` computes to."""
    check_name = field + CHECK_DIGIT_SUFFIX
    printed = zone.raw[f"{field}_check"] if found is None else found
    expected = check_digit(data)
    if expected is None:
        return _verdict(
            check_name,
            False,
            f"check digit of the {label} cannot be computed: the {label} holds characters "
            "outside A-Z, 0-9 and <",
            "check_digit.not_computable",
        )
    if printed == str(expected):
        text = f"check digit of the {label} matches ({expected})"
        return _verdict(check_name, True, text, "check_digit.ok", expected=str(expected))
    found_shown = _quoted(printed)
    return _verdict(
        check_name,
        False,
        f"check digit of the {label} does not match: expected {expected}, found {found_shown}",
        "check_digit.mismatch",
        expected=str(expected),
        found=found_shown,
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
        return _verdict(
            "personal_number" + CHECK_DIGIT_SUFFIX,
            True,
            f"personal number is empty and its check digit is {printed}",
            "check_digit.empty_personal_number",
            found=printed,
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
        text = f"date of birth {birth.raw} {birth.problem}"
        code = f"date.{birth.problem_code}"
        return _verdict("birth_date", False, text, code, raw=birth.raw, **birth.problem_params)
    if birth.value is not None:
        shown = birth.value.isoformat()
        text = f"date of birth {shown}"
        return _verdict("birth_date", True, text, "birth_date.ok", birth_date=shown)
    known = "unknown" if birth.latest is None else "partly unknown"
    code = "birth_date.unknown" if birth.latest is None else "birth_date.partly_unknown"
    text = f"date of birth is {known} ({birth.raw})"
    return _verdict("birth_date", True, text, code, raw=birth.raw)


def sex(zone: Zone) -> MrzCheck:
    value = zone.raw["sex"]
    if value in ("M", "F", FILLER):
        shown = "unspecified (<)" if value == FILLER else value
        code = "sex.unspecified" if value == FILLER else "sex.ok"
        return _verdict("sex", True, f"sex {shown}", code, sex=value)
    text = f"sex must be M, F or < (unspecified); found {value!r}"
    return _verdict("sex", False, text, "sex.invalid", found=repr(value))


def expiry_date(zone: Zone) -> MrzCheck:
    expiry, birth = zone.expiry, zone.birth
    if expiry.problem is not None or expiry.value is None:
        text = f"date of expiry {expiry.raw} {expiry.problem}"
        code = f"date.{expiry.problem_code or 'not_digits'}"
        return _verdict("expiry_date", False, text, code, raw=expiry.raw, **expiry.problem_params)
    if birth.value is not None and expiry.value <= birth.value:
        return _verdict(
            "expiry_date",
            False,
            f"date of expiry {expiry.value.isoformat()} is not after the date of birth "
            f"{birth.value.isoformat()}",
            "expiry_date.before_birth",
            expiry_date=expiry.value.isoformat(),
            birth_date=birth.value.isoformat(),
        )
    shown = expiry.value.isoformat()
    text = f"date of expiry {shown}"
    return _verdict("expiry_date", True, text, "expiry_date.ok", expiry_date=shown)


def not_expired(zone: Zone) -> MrzCheck:
    """The document is valid through its expiry date."""
    expiry = zone.expiry.value
    if expiry is None:
        text = "expiry cannot be checked: the date of expiry is not a date"
        return _verdict("not_expired", False, text, "not_expired.unknown")
    shown = expiry.isoformat()
    if expiry < zone.today:
        return _verdict(
            "not_expired", False, f"expired on {shown}", "not_expired.expired", expiry_date=shown
        )
    on = zone.today.isoformat()
    text = f"valid until {shown} (on {on})"
    return _verdict("not_expired", True, text, "not_expired.ok", expiry_date=shown, on_date=on)


def adult(zone: Zone, adult_age: int) -> MrzCheck:
    """The holder is at least `adult_age` on `today`. With a partly unknown date of birth
    the latest date it can be is used, so the holder is never taken for older than they
    may be."""
    born = zone.birth.latest
    on = zone.today.isoformat()
    if born is None:
        text = "age cannot be established: the date of birth is not known"
        return _verdict("adult", False, text, "adult.unknown")
    years = age(born, zone.today)
    at_least = "" if zone.birth.value is not None else "at least "
    exact = zone.birth.value is not None
    if years < adult_age:
        return _verdict(
            "adult",
            False,
            f"holder is under {adult_age}: {at_least}{years} years old on {on} "
            f"(date of birth {zone.birth.raw})",
            "adult.under_age" if exact else "adult.under_age_at_least",
            adult_age=adult_age,
            years=years,
            on_date=on,
            raw=zone.birth.raw,
        )
    text = f"holder is {at_least}{years} years old on {on}"
    code = "adult.ok" if exact else "adult.ok_at_least"
    return _verdict("adult", True, text, code, years=years, on_date=on)


def age(born: date, on: date) -> int:
    """Whole years from `born` to `on` (someone born on 29 February ages on 1 March in
    common years)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
