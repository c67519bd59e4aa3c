"""The five machine-readable zone layouts of ICAO Doc 9303 and where each field sits.

- TD1 (part 5): 3 lines of 30, identity cards and other official travel documents.
- TD2 (part 6): 2 lines of 36, official travel documents.
- TD3 (part 4): 2 lines of 44, passports.
- MRV-A (part 7): 2 lines of 44, visas; no composite check digit.
- MRV-B (part 7): 2 lines of 36, visas; no composite check digit.

TD2 and MRV-B, and TD3 and MRV-A, have the same size: a visa is told by its document code,
whose first character is V.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from firstmile.kit.errors import InvalidInput

FILLER = "<"
ALPHABET = frozenset(string.ascii_uppercase + string.digits + FILLER)
_WEIGHTS = (7, 3, 1)


class Layout(StrEnum):
    TD1 = "TD1"
    TD2 = "TD2"
    TD3 = "TD3"
    MRV_A = "MRV-A"
    MRV_B = "MRV-B"


@dataclass(frozen=True)
class Span:
    """Characters `start` to `end` (0-based, end excluded) of line `line` (0-based)."""

    line: int
    start: int
    end: int

    def read(self, lines: Sequence[str]) -> str:
        return lines[self.line][self.start : self.end]

    def describe(self) -> str:
        """Line and positions as Doc 9303 counts them (from 1)."""
        if self.end - self.start == 1:
            return f"line {self.line + 1}, position {self.start + 1}"
        return f"line {self.line + 1}, positions {self.start + 1}-{self.end}"


@dataclass(frozen=True)
class Spec:
    """One layout: its size, its fields and what its check digits cover.

    `overflow` says whether a document number longer than 9 characters continues at the
    start of the optional data (TD1, TD2: part 5 4.2.2 and part 6 4.2.2 note j).
    `composite` lists the spans the composite check digit covers, in order (None: visas).
    """

    layout: Layout
    lines: int
    length: int
    label: str
    document_letters: str
    fields: Mapping[str, Span]
    composite: tuple[Span, ...] | None
    overflow: bool


def _common_second_line(length: int) -> dict[str, Span]:
    """TD2, TD3 and both visas share the first 28 characters of their second line."""
    return {
        "document_number": Span(1, 0, 9),
        "document_number_check": Span(1, 9, 10),
        "nationality": Span(1, 10, 13),
        "birth_date": Span(1, 13, 19),
        "birth_date_check": Span(1, 19, 20),
        "sex": Span(1, 20, 21),
        "expiry_date": Span(1, 21, 27),
        "expiry_date_check": Span(1, 27, 28),
        "name": Span(0, 5, length),
    }


_HEADER = {"document_code": Span(0, 0, 2), "issuing_state": Span(0, 2, 5)}

TD1 = Spec(
    layout=Layout.TD1,
    lines=3,
    length=30,
    label="TD1 (identity card)",
    document_letters="ACI",
    fields={
        **_HEADER,
        "document_number": Span(0, 5, 14),
        "document_number_check": Span(0, 14, 15),
        "optional_data": Span(0, 15, 30),
        "birth_date": Span(1, 0, 6),
        "birth_date_check": Span(1, 6, 7),
        "sex": Span(1, 7, 8),
        "expiry_date": Span(1, 8, 14),
        "expiry_date_check": Span(1, 14, 15),
        "nationality": Span(1, 15, 18),
        "optional_data_2": Span(1, 18, 29),
        "composite_check": Span(1, 29, 30),
        "name": Span(2, 0, 30),
    },
    composite=(Span(0, 5, 30), Span(1, 0, 7), Span(1, 8, 15), Span(1, 18, 29)),
    overflow=True,
)
TD2 = Spec(
    layout=Layout.TD2,
    lines=2,
    length=36,
    label="TD2 (official travel document)",
    document_letters="ACI",
    fields={
        **_HEADER,
        **_common_second_line(36),
        "optional_data": Span(1, 28, 35),
        "composite_check": Span(1, 35, 36),
    },
    composite=(Span(1, 0, 10), Span(1, 13, 20), Span(1, 21, 35)),
    overflow=True,
)
TD3 = Spec(
    layout=Layout.TD3,
    lines=2,
    length=44,
    label="TD3 (passport)",
    document_letters="P",
    fields={
        **_HEADER,
        **_common_second_line(44),
        "personal_number": Span(1, 28, 42),
        "personal_number_check": Span(1, 42, 43),
        "composite_check": Span(1, 43, 44),
    },
    composite=(Span(1, 0, 10), Span(1, 13, 20), Span(1, 21, 43)),
    overflow=False,
)
MRV_A = Spec(
    layout=Layout.MRV_A,
    lines=2,
    length=44,
    label="MRV-A (visa)",
    document_letters="V",
    fields={**_HEADER, **_common_second_line(44), "optional_data": Span(1, 28, 44)},
    composite=None,
    overflow=False,
)
MRV_B = Spec(
    layout=Layout.MRV_B,
    lines=2,
    length=36,
    label="MRV-B (visa)",
    document_letters="V",
    fields={**_HEADER, **_common_second_line(36), "optional_data": Span(1, 28, 36)},
    composite=None,
    overflow=False,
)
SPECS = {spec.layout: spec for spec in (TD1, TD2, TD3, MRV_A, MRV_B)}
_SIZES = "30 (TD1), 36 (TD2, MRV-B) or 44 (TD3, MRV-A)"


def char_value(char: str) -> int | None:
    """The value Doc 9303 part 3 4.9 gives a character: 0-9 for digits, 10-35 for A-Z,
    0 for the filler; None for anything else."""
    if char == FILLER:
        return 0
    if "0" <= char <= "9":
        return ord(char) - ord("0")
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    return None


def check_digit(data: str) -> int | None:
    """The check digit of `data` (part 3 4.9): each character's value times the repeating
    weights 7, 3, 1, summed, modulo 10. None if `data` holds a character outside A-Z, 0-9
    and `<`."""
    total = 0
    for index, char in enumerate(data):
        value = char_value(char)
        if value is None:
            return None
        total += value * _WEIGHTS[index % 3]
    return total % 10


def split_lines(text: str | Sequence[str]) -> list[str]:
    """The zone's lines: one string with line breaks or a sequence of lines, each stripped
    of surrounding blanks, blank lines dropped. A single line of 90, 72 or 88 characters
    (a whole zone read without its line breaks) is cut into its lines."""
    raw = (
        text.splitlines()
        if isinstance(text, str)
        else [part for item in text for part in item.splitlines()]
    )
    lines = [line.strip() for line in raw if line.strip()]
    if len(lines) == 1:
        joined = lines[0]
        for spec in (TD1, TD2, TD3):
            if len(joined) == spec.lines * spec.length:
                step = spec.length
                return [joined[i : i + step] for i in range(0, len(joined), step)]
    return lines


def detect(lines: Sequence[str]) -> Spec:
    """The layout the lines have, or `InvalidInput` naming the line whose length is wrong."""
    if len(lines) == 3:
        return _same_length(lines, TD1)
    if len(lines) != 2:
        raise InvalidInput(
            f"a machine-readable zone has 2 or 3 lines; got {len(lines)}", field="lines"
        )
    first, second = (len(line) for line in lines)
    if first == 44 or (first != 36 and second == 44):
        spec = MRV_A if lines[0].startswith("V") else TD3
    elif first == 36 or second == 36:
        spec = MRV_B if lines[0].startswith("V") else TD2
    else:
        raise InvalidInput(
            f"line 1 has {first} characters and line 2 has {second}; MRZ lines have {_SIZES}",
            field="lines",
        )
    return _same_length(lines, spec)


def _same_length(lines: Sequence[str], spec: Spec) -> Spec:
    for number, line in enumerate(lines, start=1):
        if len(line) != spec.length:
            raise InvalidInput(
                f"line {number} has {len(line)} characters; a {spec.label} line has {spec.length}",
                field=f"lines.{number - 1}",
            )
    return spec
