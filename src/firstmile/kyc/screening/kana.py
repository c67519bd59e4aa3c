"""Japanese kana (hiragana and katakana) to Latin letters, modified Hepburn as on passports.

Rules: hiragana reads as the katakana it mirrors; a kana ending in "i" followed by a small
ya/yu/yo forms one syllable (キャ kya, シャ sha, チョ cho, ジュ ju); a small vowel replaces
the vowel before it (ファ fa, ティ ti, ヴァ va; after a bare ウ it reads w: ウィ wi); the
small tsu doubles the next consonant (ッテ tte, ッチ tchi); the long-vowel mark and the
long vowels "ou", "oo", "uu" are written as one vowel, as Japanese passports do (ショウコウ
shoko); ン is n.

Kanji are not kana: their readings in a name cannot be derived from the characters (山田
may be Yamada or Sanda), so they are not romanised here; see `names` for what happens to
them.
"""

from __future__ import annotations

import re

KATAKANA = {
    "ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o",
    "カ": "ka", "キ": "ki", "ク": "ku", "ケ": "ke", "コ": "ko",
    "ガ": "ga", "ギ": "gi", "グ": "gu", "ゲ": "ge", "ゴ": "go",
    "サ": "sa", "シ": "shi", "ス": "su", "セ": "se", "ソ": "so",
    "ザ": "za", "ジ": "ji", "ズ": "zu", "ゼ": "ze", "ゾ": "zo",
    "タ": "ta", "チ": "chi", "ツ": "tsu", "テ": "te", "ト": "to",
    "ダ": "da", "ヂ": "ji", "ヅ": "zu", "デ": "de", "ド": "do",
    "ナ": "na", "ニ": "ni", "ヌ": "nu", "ネ": "ne", "ノ": "no",
    "ハ": "ha", "ヒ": "hi", "フ": "fu", "ヘ": "he", "ホ": "ho",
    "バ": "ba", "ビ": "bi", "ブ": "bu", "ベ": "be", "ボ": "bo",
    "パ": "pa", "ピ": "pi", "プ": "pu", "ペ": "pe", "ポ": "po",
    "マ": "ma", "ミ": "mi", "ム": "mu", "メ": "me", "モ": "mo",
    "ヤ": "ya", "ユ": "yu", "ヨ": "yo",
    "ラ": "ra", "リ": "ri", "ル": "ru", "レ": "re", "ロ": "ro",
    "ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o", "ン": "n", "ヴ": "vu",
}  # fmt: skip
SMALL_Y = {"ャ": "a", "ュ": "u", "ョ": "o"}
SMALL_VOWELS = {"ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o"}
SOKUON = "ッ"
CHOONPU = "ー"
_LONG = re.compile(r"ou|oo|uu")


def is_kana(char: str) -> bool:
    return "\u3041" <= char <= "\u3096" or "\u30a1" <= char <= "\u30fc"


def _katakana(char: str) -> str:
    return chr(ord(char) + 0x60) if "\u3041" <= char <= "\u3096" else char


def romanize(token: str) -> str:
    """One word of kana in lower-case Latin letters (rules in the module doc); characters
    that are not kana are dropped."""
    syllables: list[str] = []
    double_next = False
    for char in map(_katakana, token):
        if char in SMALL_Y and syllables and syllables[-1].endswith("i"):
            syllables[-1] = _palatal(syllables[-1], SMALL_Y[char])
        elif char in SMALL_VOWELS and syllables:
            syllables[-1] = _with_vowel(syllables[-1], SMALL_VOWELS[char])
        elif char in SMALL_VOWELS or char in SMALL_Y:
            syllables.append(SMALL_VOWELS.get(char) or "y" + SMALL_Y[char])
        elif char == SOKUON:
            double_next = True
        elif char in KATAKANA:
            syllable = KATAKANA[char]
            if double_next and syllable[0] not in "aiueon":
                syllable = ("t" if syllable.startswith("ch") else syllable[0]) + syllable
            syllables.append(syllable)
            double_next = False
    return _LONG.sub(lambda m: m.group(0)[0], "".join(syllables))


def _palatal(syllable: str, vowel: str) -> str:
    """キ+ャ kya, シ+ャ sha, チ+ョ cho, ジ+ュ ju."""
    stem = syllable[:-1]
    if stem.endswith(("sh", "ch", "j")):
        return stem + vowel
    return stem + "y" + vowel


def _with_vowel(syllable: str, vowel: str) -> str:
    """フ+ァ fa, テ+ィ ti, ヴ+ァ va, ウ+ィ wi."""
    if syllable == "u":
        return "w" + vowel
    if syllable == "tsu":
        return "ts" + vowel
    if syllable in ("te", "de") and vowel in "iu":
        return syllable[0] + vowel
    return syllable[:-1] + vowel
