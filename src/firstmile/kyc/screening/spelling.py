"""Spelling habits folded away, so that transliterations of one name by different
conventions (Russian "Khodorkovsky", German "Chodorkowski", ISO "Hodorkovskij") come
close: the loose spelling of an ASCII lower-case word, and its consonant skeleton.

The folds, in order: shch/sch -> sh, tsch/tch -> ch, dzh/dj/zh -> j, kh -> h, gh -> g,
ph -> f, th -> t, dh -> d, ck/q -> k, x -> ks, w -> v, c (not before h) -> k, y -> i,
ue -> u, oe -> o, ou/oo -> u, ee -> i, a leading ie -> e (Yelena, Elena), oh before a
consonant or at the end -> o (Satoh), a final h after a vowel dropped (Usamah), then every
doubled letter written once. The skeleton is the loose spelling without vowels.

A word read from an abjad (Arabic) has no digraphs to fold, and letters that meet there
must not be read as one (ز then ه is z-h, not zh): it gets only the letter folds
(`fold_letters`: q -> k, w -> v, y -> i, a final h after a vowel dropped, doubled
letters once).
"""

from __future__ import annotations

import re

FOLDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        ("shch", "sh"), ("tsch", "ch"), ("sch", "sh"), ("tch", "ch"), ("dzh", "j"),
        ("dj", "j"), ("zh", "j"), ("kh", "h"), ("gh", "g"), ("ph", "f"), ("th", "t"),
        ("dh", "d"), ("ck", "k"), ("q", "k"), ("x", "ks"), ("w", "v"), ("c(?!h)", "k"),
        ("y", "i"), ("ue", "u"), ("oe", "o"), ("ou", "u"), ("oo", "u"), ("ee", "i"),
        ("^ie", "e"), ("oh(?=[^aeiou]|$)", "o"), ("(?<=[aeiou])h$", ""), (r"(.)\1+", r"\1"),
    )
)  # fmt: skip
LETTER_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        ("q", "k"),
        ("w", "v"),
        ("y", "i"),
        ("(?<=[aeiou])h$", ""),
        (r"(.)\1+", r"\1"),
    )
)
_VOWELS = re.compile("[aeiou]")


def fold(latin: str) -> str:
    """The loose spelling of `latin` (rules in the module doc)."""
    for pattern, replacement in FOLDS:
        latin = pattern.sub(replacement, latin)
    return latin


def fold_letters(latin: str) -> str:
    """`latin` with the letter folds only (see the module doc)."""
    for pattern, replacement in LETTER_FOLDS:
        latin = pattern.sub(replacement, latin)
    return latin


def skeleton(loose: str) -> str:
    """The consonants of a loose spelling: how an abjad (Arabic, Hebrew) writes the word."""
    return _VOWELS.sub("", loose)
