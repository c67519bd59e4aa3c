"""Arabic script (Arabic, Persian, Urdu letters) to Latin letters, for matching.

Arabic writes consonants and long vowels only; short vowels are rarely written, so
"محمد" reads "mhmd" and must be compared with "Muhammad" by its consonants (see
`similarity`). The rules:
- each consonant has one Latin form (ش sh, خ kh, ث th, ذ dh, غ gh, ق q, ج j, ...);
- alif and the long vowels: ا a, و u (w at the start of a word), ي i (y at the start),
  ى (alif maqsura) a, ة (ta marbuta) a, as in Usama, Mustafa, Yahya;
- at the start of a word alif, hamza carriers and ʿayn are the vowel "a" (إ "i"),
  as in Ahmad, Abd, Omar (the vowel's quality is unknown, `similarity` treats it as any);
  inside a word ʿayn is "a", as Latin spellings put a vowel there (Muammar, Saad, Ismail),
  and hamza is not written;
- Allah, alone or at the end of a compound (عبدالله), is "allah";
- harakat (fatha a, damma u, kasra i) are kept where written; shadda doubles, sukun and
  tatweel vanish;
- the article ال at the start of a word longer than three letters is split off (البغدادي:
  al + bghdady), and بن, ابن, بنت (son/daughter of) are recognised as particles.
"""

from __future__ import annotations

CONSONANTS = {
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh",
    "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h",
    "پ": "p", "چ": "ch", "ژ": "zh", "گ": "g", "ک": "k", "ڤ": "v", "ٹ": "t", "ڈ": "d",
    "ڑ": "r", "ں": "n", "ھ": "h", "ہ": "h",
}  # fmt: skip
# The loose spelling (see `spelling`) writes these as the Latin spellings fold their
# digraphs: kh -> h, th -> t, dh -> d, gh -> g, zh -> j.
LOOSE_CONSONANTS = {
    **CONSONANTS, "ث": "t", "خ": "h", "ذ": "d", "غ": "g", "ژ": "j", "ق": "k",
}  # fmt: skip
LONG_VOWELS = {"ا": "a", "ى": "a", "ة": "a", "و": "u", "ي": "i", "ی": "i", "ۍ": "i", "ے": "e"}
INITIAL = {"ا": "a", "أ": "a", "آ": "a", "إ": "i", "ع": "a", "ء": "a", "و": "w", "ي": "y", "ی": "y"}
SILENT = frozenset("ءأإآؤئٱ\u0640\u0652\u0670")  # hamza forms, tatweel, sukun
HARAKAT = {
    "\u064e": "a",
    "\u064f": "u",
    "\u0650": "i",
    "\u064b": "an",
    "\u064c": "un",
    "\u064d": "in",
}
SHADDA = "\u0651"
PARTICLES = frozenset({"بن", "ابن", "بنت", "إبن"})
ARTICLE = "ال"
ALLAH = ("الله", "لله")


def is_arabic(char: str) -> bool:
    return (
        "\u0600" <= char <= "\u06ff" or "\u0750" <= char <= "\u077f" or "\ufb50" <= char <= "\ufeff"
    )


def split_article(token: str) -> list[str]:
    """`token` with a leading article split off (البغدادي -> ال, بغدادي)."""
    if token.startswith(ARTICLE) and len(token) > 3 and token not in ALLAH:
        return [ARTICLE, token[2:]]
    return [token]


def romanize(token: str, *, loose: bool = False) -> str:
    """One word of Arabic script in lower-case Latin letters (rules in the module doc);
    with `loose`, each digraph consonant as the one letter of its loose spelling."""
    for ending in ALLAH:
        if token.endswith(ending):
            stem = token[: -len(ending)]
            return (romanize(stem, loose=loose) if stem else "") + "allah"
    consonants = LOOSE_CONSONANTS if loose else CONSONANTS
    out: list[str] = []
    for position, char in enumerate(token):
        if position == 0 and char in INITIAL:
            out.append(INITIAL[char])
        elif char == SHADDA and out:
            out.append(out[-1])
        elif char in HARAKAT:
            out.append(HARAKAT[char])
        elif char == "ع":
            out.append("a")
        elif char in consonants:
            out.append(consonants[char])
        elif char in LONG_VOWELS:
            out.append(LONG_VOWELS[char])
        elif char in SILENT or not char.isalpha():
            continue
        else:
            out.append(char)
    return "".join(out)
