"""A name prepared for matching: split into tokens, each transliterated to Latin letters,
folded and keyed.

The rules, in order:
1. NFKC (full-width letters, half-width katakana), apostrophes removed (O'Brien, Sa'id),
   Arabic articles joined by a hyphen dropped (al-, el-, ad-, ar-, as-, ash-, ...), then
   split on blanks, hyphens, dots, commas, slashes, brackets and the Japanese middle dot.
2. Each token transliterated by its script: Arabic and kana by this package's own tables
   (`arabic`, `kana`); Han and Hangul syllables read one by one (Mandarin readings,
   Revised Romanisation) with the first syllable as the surname (習近平: xi jinping);
   every other script (Latin with diacritics, Cyrillic, Greek, Hebrew, ...) by anyascii
   (Müller: muller, Đorđević: dordevic, Щербаков: shcherbakov).
   In a Japanese name (one with kana, or a Japanese holder's) the Han characters are kanji:
   pykakasi's dictionary gives their usual reading, romanised like the kana (鈴木一郎:
   suzuki ichiro). A name's reading can differ from the dictionary's (names have rare
   readings), so a kanji name may still miss where the kana or Latin spelling would match.
   In a company's name a dotted acronym is one word (S.A.R.L.: sarl).
3. Particles (al, bin, ibn, van, von, de, ...), titles (mr, dr, sheikh, haji, ...) and, for
   companies, legal forms (ltd, llc, gmbh, ooo, ...) are dropped, unless nothing else is left.
4. Each token gets a loose spelling (`fold`: kh/h, w/v, y/i, ph/f, doubled letters once,
   ...), a consonant skeleton (the loose spelling without vowels: muhammad -> mhmd, which is
   how Arabic writes it) and a canonical form from the variant table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from anyascii import anyascii

from firstmile.kyc.screening import arabic, kana, variants
from firstmile.kyc.screening.spelling import fold, fold_letters, skeleton

ABJADS = frozenset({"arabic", "hebrew"})  # scripts that do not write short vowels
PARTICLES = frozenset({
    "al", "el", "ul", "bin", "ibn", "bint", "ben", "ould", "van", "von", "der", "den", "de",
    "del", "della", "di", "da", "du", "dos", "das", "la", "le", "y", "e", "und",
})  # fmt: skip
TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "sheikh", "shaikh", "shaykh", "sheik",
    "haji", "hajji", "hadji", "mullah", "mulla", "maulvi", "maulana", "mawlawi", "qari",
    "imam", "general", "gen", "colonel", "col", "shikh",
})  # fmt: skip
LEGAL_FORMS = frozenset({
    "ltd", "limited", "llc", "inc", "co", "corp", "corporation", "company", "gmbh", "ag", "sa",
    "sarl", "srl", "spa", "bv", "nv", "plc", "jsc", "ojsc", "cjsc", "pjsc", "ooo", "oao",
    "zao", "pao", "llp", "lp", "kg", "oy", "ab", "the",
})  # fmt: skip
_PRE_ASCII = str.maketrans({"đ": "dj", "Đ": "Dj"})  # Serbo-Croatian, as Latin lists write it
_ARTICLE = re.compile(r"(?i)(?<![^\s(])(?:al|el|ul|ad|ar|as|ash|at|an|az|adh|ath)-(?=\w)")
_APOSTROPHES = re.compile(r"['’ʼ‘`´ʿʾ]")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—.,;:/\\()\[\]{}\"“”„«»・·_&+*]+")
_ABD = re.compile(r"^abd[uoaei]?(?:l|(?=([rsntdz])\1))?(?P<rest>[a-z]{3,})$")
_ACRONYM = re.compile(r"\b(?:[A-Za-z]\.){2,}")  # S.A.R.L., J.S.C.: one word
_SYLLABLE = re.compile(r"[A-Z][a-z]*")


@dataclass(frozen=True, slots=True)
class Token:
    """One part of a name. `latin` is its ASCII transliteration, `loose` the folded
    spelling, `skeleton` its consonants, `canonical` its variant-table form."""

    text: str
    latin: str
    loose: str
    skeleton: str
    canonical: str
    origin: str  # latin, cyrillic, greek, arabic, hebrew, kana, han, hangul, other

    @property
    def initial(self) -> bool:
        return len(self.latin) == 1


@dataclass(frozen=True, slots=True)
class PreparedName:
    text: str
    tokens: tuple[Token, ...]
    dropped: tuple[str, ...]  # particles, titles, legal forms, unreadable kanji


@lru_cache(maxsize=1 << 16)
def make_token(text: str, latin: str, origin: str, loose: str | None = None) -> Token:
    """A token of `latin`; `loose` given for words read from an abjad (see `arabic`)."""
    folded = fold(latin) if loose is None else fold_letters(loose)
    return Token(text, latin, folded, skeleton(folded), variants.canonical(latin), origin)


def split_compound(latin: str) -> list[str]:
    """An Arabic compound with ʿabd written as one word split in two: Abdelaziz -> abd,
    aziz; Abdurrahman -> abd, rahman; Abdullah -> abd, allah (the article and a doubled
    sun letter dropped), as the lists write them in two words as often as in one."""
    found = _ABD.match(latin)
    if found is None:
        return [latin]
    rest = found.group("rest")
    rest = rest[1:] if rest[0] == rest[1] else rest
    return ["abd", "allah" if rest in ("lah", "llah") else rest]


def prepare(name: str, *, company: bool = False, japanese: bool = False) -> PreparedName:
    """`name` split, transliterated and keyed (rules in the module doc); `japanese`: the
    holder is Japanese, so Han characters are kanji even without kana."""
    text = unicodedata.normalize("NFKC", name)
    text = _ARTICLE.sub("", _APOSTROPHES.sub("", text))
    if company:
        text = _ACRONYM.sub(lambda found: found.group(0).replace(".", ""), text)
    japanese = japanese or any(kana.is_kana(char) for char in text)
    tokens: list[Token] = []
    dropped: list[str] = []
    for raw in _SEPARATORS.split(text):
        if raw:
            _transliterate(raw, japanese, tokens, dropped)
    if japanese:  # kanji followed by their reading in kana (furigana): keep the kana's
        read = {t.latin for t in tokens if t.origin == "kana"}
        repeated = [t for t in tokens if t.origin == "han" and t.latin in read]
        tokens = [t for t in tokens if t not in repeated]
        dropped += [t.text for t in repeated]
    kept = [t for t in tokens if not _ignorable(t.latin, company)]
    if not kept:
        return PreparedName(name, tuple(tokens), tuple(dropped))
    dropped += [t.text for t in tokens if _ignorable(t.latin, company)]
    return PreparedName(name, tuple(kept), tuple(dropped))


def _ignorable(latin: str, company: bool) -> bool:
    return latin in PARTICLES or latin in TITLES or (company and latin in LEGAL_FORMS)


def _transliterate(raw: str, japanese: bool, tokens: list[Token], dropped: list[str]) -> None:
    """Append the tokens `raw` (one word as written) stands for; record what is unreadable."""
    origin = script_of(raw)
    if origin == "arabic":
        for part in arabic.split_article(raw):
            if part in arabic.PARTICLES or part == arabic.ARTICLE:
                dropped.append(part)
            else:
                tokens += _compound_tokens(part, arabic.romanize(part), origin)
    elif origin == "kana":
        tokens.append(make_token(raw, kana.romanize(raw), origin))
    elif origin == "han" and japanese:
        readings = _kanji_readings(raw)
        if not readings:
            dropped.append(raw)
        tokens += [make_token(part, kana.romanize(reading), origin) for part, reading in readings]
    elif origin in ("han", "hangul"):
        syllables = [s.lower() for s in _SYLLABLE.findall(anyascii(raw))]
        if syllables:
            tokens.append(make_token(raw, syllables[0], origin))
        if len(syllables) > 1:
            tokens.append(make_token(raw, "".join(syllables[1:]), origin))
    else:
        latin = re.sub("[^a-z0-9]", "", anyascii(raw.translate(_PRE_ASCII)).lower())
        if latin:
            tokens += _compound_tokens(raw, latin, origin)


@lru_cache(maxsize=1)
def _kakasi() -> Any:
    import pykakasi

    return pykakasi.kakasi()  # type: ignore[no-untyped-call]


@lru_cache(maxsize=4096)
def _kanji_readings(word: str) -> tuple[tuple[str, str], ...]:
    """The word's parts (a surname and a given name written together are two) with their
    readings in hiragana, from pykakasi's dictionary; empty when it has none."""
    readings = []
    for part in _kakasi().convert(word):
        orig, hira = str(part["orig"]), str(part["hira"]).strip()
        if hira and all(kana.is_kana(char) for char in hira):  # unknown: given back as is
            readings.append((orig, hira))
    return tuple(readings)


def _compound_tokens(text: str, latin: str, origin: str) -> list[Token]:
    parts = split_compound(latin)
    if origin not in ABJADS:
        return [make_token(text, part, origin) for part in parts]
    loose = split_compound(arabic.romanize(text, loose=True))
    if len(loose) != len(parts):
        loose = parts
    return [
        make_token(text, part, origin, folded) for part, folded in zip(parts, loose, strict=True)
    ]


def script_of(word: str) -> str:
    """The script of `word`'s first letter that is not a digit."""
    for char in word:
        if not char.isalpha():
            continue
        if arabic.is_arabic(char):
            return "arabic"
        if kana.is_kana(char):
            return "kana"
        return _block(char)
    return "latin"


def _block(char: str) -> str:
    code = ord(char)
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if 0x0370 <= code <= 0x03FF or 0x1F00 <= code <= 0x1FFF:
        return "greek"
    if 0x0590 <= code <= 0x05FF:
        return "hebrew"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
        return "han"
    if 0xAC00 <= code <= 0xD7AF:
        return "hangul"
    if code < 0x0250 or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    return "other"
