"""Countries as the lists write them (ISO codes, English names, UN official names) made
ISO 3166-1 alpha-2 codes, so a customer's nationality can be compared with a list entry's."""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

# Official UN and OFAC names that CLDR's English short names do not cover.
ALIASES = {
    "iran (islamic republic of)": "IR",
    "syrian arab republic": "SY",
    "democratic people's republic of korea": "KP",
    "korea, north": "KP",
    "north korea": "KP",
    "republic of korea": "KR",
    "korea, south": "KR",
    "russian federation": "RU",
    "united republic of tanzania": "TZ",
    "bolivia (plurinational state of)": "BO",
    "venezuela (bolivarian republic of)": "VE",
    "viet nam": "VN",
    "lao people's democratic republic": "LA",
    "republic of moldova": "MD",
    "democratic republic of the congo": "CD",
    "congo, democratic republic of the": "CD",
    "congo": "CG",
    "united kingdom of great britain and northern ireland": "GB",
    "united states of america": "US",
    "türkiye": "TR",
    "turkey": "TR",
    "state of palestine": "PS",
    "palestinian": "PS",
    "libyan arab jamahiriya": "LY",
    "cote d'ivoire": "CI",
    "burma": "MM",
    "the former yugoslav republic of macedonia": "MK",
    "micronesia (federated states of)": "FM",
    "brunei darussalam": "BN",
    "cabo verde": "CV",
    "czechia": "CZ",
    "eswatini": "SZ",
}
_NOT_COUNTRIES = {"00", "XX", "ZZ"}  # "unknown" in the EU and OpenSanctions files


@cache
def _names() -> dict[str, str]:
    names = {name.lower(): code for code, name in Locale("en").territories.items()}
    names = {name: code for name, code in names.items() if code.isalpha()}
    return {**names, **ALIASES}


def iso_code(text: str) -> str | None:
    """The alpha-2 code of `text` (a code in any case, or an English name); None if it
    names no country this module knows."""
    cleaned = text.strip()
    if len(cleaned) == 2 and cleaned.isalpha():
        code = cleaned.upper()
        return None if code in _NOT_COUNTRIES else code
    lowered = cleaned.lower().replace("’", "'")
    found = _names().get(lowered)
    if found is None:
        found = _names().get(re.sub(r"\s*\(.*\)\s*$", "", lowered))
    return found


def iso_codes(texts: list[str]) -> list[str]:
    """The distinct codes of `texts`, in order; what names no known country is left out."""
    codes: list[str] = []
    for text in texts:
        code = iso_code(text)
        if code is not None and code not in codes:
            codes.append(code)
    return codes
