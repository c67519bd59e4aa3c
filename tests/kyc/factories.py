"""Machine-readable zones built from their fields, with correct check digits unless a test
overrides one. The check digit is computed here independently of the code under test."""

from __future__ import annotations

from datetime import date

FILLER = "<"

# ICAO Doc 9303 specimens (part 4 TD3, part 5 TD1, part 6 TD2, part 7 MRV-A and MRV-B).
TD3_SPECIMEN = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
TD1_SPECIMEN = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
TD1_LONG_NUMBER_SPECIMEN = [
    "I<UTOD23145890<7349<<<<<<<<<<<",
    "3407127M9507122UTO<<<<<<<<<<<2",
    "STEVENSON<<PETER<JOHN<<<<<<<<<",
]
TD2_SPECIMEN = [
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
]
MRV_A_SPECIMEN = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
]
MRV_B_SPECIMEN = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "L8988901C4XXX4009078F9612109<<<<<<<<",
]
# A day on which every specimen is unexpired and its holder of age.
SPECIMEN_DAY = date(1995, 1, 1)


def digit(data: str) -> str:
    """Doc 9303 part 3 4.9: values 0-9, A-Z = 10-35, < = 0; weights 7, 3, 1; modulo 10."""
    total = 0
    for index, char in enumerate(data):
        if char.isdigit():
            value = int(char)
        elif char == FILLER:
            value = 0
        else:
            value = ord(char) - ord("A") + 10
        total += value * (7, 3, 1)[index % 3]
    return str(total % 10)


def pad(text: str, width: int) -> str:
    assert len(text) <= width, f"{text!r} is longer than {width}"
    return text + FILLER * (width - len(text))


def td3(
    *,
    code: str = "P",
    state: str = "D",
    name: str = "MUSTERMANN<<ERIKA",
    number: str = "C01X00T47",
    nationality: str = "D",
    birth: str = "830812",
    sex: str = "F",
    expiry: str = "310801",
    personal: str = "",
    checks: dict[str, str] | None = None,
) -> list[str]:
    """A TD3 (passport) zone; `checks` overrides check digits by field name
    (document_number, birth_date, expiry_date, personal_number, composite)."""
    given = checks or {}
    line1 = pad(code, 2) + pad(state, 3) + pad(name, 39)
    number_field, personal_field = pad(number, 9), pad(personal, 14)
    line2 = (
        number_field
        + given.get("document_number", digit(number_field))
        + pad(nationality, 3)
        + birth
        + given.get("birth_date", digit(birth))
        + sex
        + expiry
        + given.get("expiry_date", digit(expiry))
        + personal_field
        + given.get("personal_number", digit(personal_field))
    )
    composite = given.get("composite", digit(line2[0:10] + line2[13:20] + line2[21:43]))
    return [line1, line2 + composite]


def td1(
    *,
    code: str = "ID",
    state: str = "D",
    name: str = "MUSTERMANN<<ERIKA",
    number: str = "T22000129",
    nationality: str = "D",
    birth: str = "830812",
    sex: str = "F",
    expiry: str = "310801",
    optional: str = "",
    optional_2: str = "",
    checks: dict[str, str] | None = None,
) -> list[str]:
    """A TD1 (identity card) zone; a number longer than 9 characters overflows into the
    optional data as part 5 4.2.2 prescribes."""
    given = checks or {}
    number_check = given.get("document_number", digit(number))
    if len(number) > 9:
        head = number[:9] + FILLER
        optional = number[9:] + number_check + FILLER + optional
    else:
        head = pad(number, 9) + given.get("document_number", digit(pad(number, 9)))
    line1 = pad(code, 2) + pad(state, 3) + head + pad(optional, 15)
    line2 = (
        birth
        + given.get("birth_date", digit(birth))
        + sex
        + expiry
        + given.get("expiry_date", digit(expiry))
        + pad(nationality, 3)
        + pad(optional_2, 11)
    )
    composite = given.get("composite", digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]))
    return [line1, line2 + composite, pad(name, 30)]


def td2(
    *,
    code: str = "I",
    state: str = "D",
    name: str = "MUSTERMANN<<ERIKA",
    number: str = "T22000129",
    nationality: str = "D",
    birth: str = "830812",
    sex: str = "F",
    expiry: str = "310801",
    optional: str = "",
    checks: dict[str, str] | None = None,
) -> list[str]:
    given = checks or {}
    number_field = pad(number, 9)
    line2 = (
        number_field
        + given.get("document_number", digit(number_field))
        + pad(nationality, 3)
        + birth
        + given.get("birth_date", digit(birth))
        + sex
        + expiry
        + given.get("expiry_date", digit(expiry))
        + pad(optional, 7)
    )
    composite = given.get("composite", digit(line2[0:10] + line2[13:20] + line2[21:35]))
    return [pad(code, 2) + pad(state, 3) + pad(name, 31), line2 + composite]


def with_char(lines: list[str], line: int, position: int, char: str) -> list[str]:
    """`lines` with the character at `line`, `position` (both from 1) replaced."""
    changed = list(lines)
    text = changed[line - 1]
    changed[line - 1] = text[: position - 1] + char + text[position:]
    return changed


def other_digit(char: str) -> str:
    return str((int(char) + 1) % 10)
