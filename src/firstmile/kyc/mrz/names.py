"""Names in the MRZ: reading the name field and writing typed names the way an issuer would.

The name field holds the primary identifier (surname), `<<`, then the secondary identifier
(given names), components separated by one `<`, padded with `<` (Doc 9303 part 3 4.6).
A name too long for the field is truncated, so a name that fills the field to its last
character may be truncated.

Typed names are written into the MRZ alphabet with the transliterations part 3 section 6
recommends for Latin letters with diacritics. Where the table gives a choice, or issuers
commonly use the plain letter (Ä as AE or A, Ü as UE, UXX or U, Ñ as N or NXX), every choice
is accepted. Hyphens and spaces become `<`; apostrophes and full stops are omitted or become
`<` (issuers differ). Letters the table lacks fall back to their base letter when Unicode
decomposes them into one (Ș -> S).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from firstmile.kyc.mrz.layouts import FILLER

# Doc 9303 part 3 section 6, table A (multinational Latin characters), upper case only;
# the first choice is the recommended one.
TRANSLITERATIONS: dict[str, tuple[str, ...]] = {
    "Ä": ("AE", "A"),
    "Å": ("AA", "A"),
    "Æ": ("AE",),
    "Ð": ("D", "DH"),
    "Ñ": ("N", "NXX"),
    "Ö": ("OE", "O"),
    "Ø": ("OE", "O"),
    "Ü": ("UE", "UXX", "U"),
    "Þ": ("TH",),
    "ß": ("SS",),
    "ẞ": ("SS",),
    "Œ": ("OE",),
    "Ĳ": ("IJ",),
    "Ł": ("L",),
    "Đ": ("D",),
    "Ħ": ("H",),
    "Ŀ": ("L",),
    "Ŋ": ("N",),
    "Ŧ": ("T",),
}
_SEPARATORS = frozenset(" \t-‐‑‒–—")
_OMITTABLE = frozenset("'’ʼ‘`´.,")


@dataclass(frozen=True)
class MrzName:
    """The name field read: surname and given names with fillers turned into spaces, and
    whether the name fills the field (and so may be truncated)."""

    surname: str
    given_names: str
    may_be_truncated: bool


def read_name(field: str) -> MrzName:
    body = field.rstrip(FILLER)
    primary, _, secondary = body.partition(FILLER * 2)
    return MrzName(
        surname=_words(primary),
        given_names=_words(secondary),
        may_be_truncated=bool(field) and not field.endswith(FILLER),
    )


def _words(component: str) -> str:
    return " ".join(part for part in component.split(FILLER) if part)


def choices(char: str) -> tuple[str, ...] | None:
    """Every way `char` may be written in an MRZ name; None if it has none (a letter of a
    non-Latin script, a digit, a symbol)."""
    if char in _SEPARATORS:
        return (FILLER,)
    if char in _OMITTABLE:
        return ("", FILLER)
    upper = char.upper()
    if upper in TRANSLITERATIONS:
        return TRANSLITERATIONS[upper]
    if len(upper) == 1 and "A" <= upper <= "Z":
        return (upper,)
    base = "".join(c for c in unicodedata.normalize("NFKD", upper) if not unicodedata.combining(c))
    if base and all("A" <= c <= "Z" for c in base):
        return (base,)
    return None


def untransliterable(typed: str) -> list[str]:
    """The characters of `typed` that have no MRZ form."""
    return sorted({char for char in typed if choices(char) is None})


def matches(typed: str, mrz: str, *, allow_truncation: bool) -> bool:
    """Whether some transliteration of `typed` equals `mrz` (an MRZ name component, fillers
    as `<`). With `allow_truncation`, `mrz` may also be a leading part of one, as when the
    issuer cut the name to fit the field (even inside a two-letter transliteration: AE)."""
    positions = {0}
    for char in _normalised(typed):
        if allow_truncation and len(mrz) in positions:
            return True
        following: set[int] = set()
        for j in positions:
            for option in choices(char) or ():
                if mrz.startswith(option, j):
                    following.add(j + len(option))
                elif allow_truncation and j < len(mrz) and option.startswith(mrz[j:]):
                    following.add(len(mrz))
        if not following:
            return False
        positions = following
    return len(mrz) in positions


def _normalised(typed: str) -> str:
    """`typed` with each run of blanks and hyphens made one space, trimmed."""
    spaced = "".join(" " if char in _SEPARATORS else char for char in typed)
    return " ".join(spaced.split())


def transliterate(typed: str) -> str:
    """`typed` in the MRZ alphabet with the recommended transliteration of each character
    (apostrophes omitted); characters with no MRZ form are kept as they are."""
    out = []
    for char in _normalised(typed):
        options = choices(char)
        out.append(char if options is None else options[0])
    return "".join(out)
