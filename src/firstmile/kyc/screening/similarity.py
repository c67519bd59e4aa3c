"""How alike two prepared names are, pair of tokens by pair of tokens, with the reason for
each pair.

Token similarity, 0..1, with its method:
- exact, variant: the same canonical form (Mohammed, Muhammad: the variant table) -> 1.0;
- initial: one letter against a name part that starts with it (J, John) -> 0.9;
- abjad: a token read from Arabic or Hebrew script (no short vowels) against one that is
  not: their consonant skeletons compared (mhmd, Mohammed: mhmd; w, a vowel letter in
  Arabic, left out: Awlaki, العولقي). Equal skeletons give
  0.95, less 0.25 for each long vowel the script writes that the other spelling lacks in
  that place (حسين "hsin" is not Hasan) and 0.15 for each long vowel or diphthong of the
  other spelling that the script does not write (حسن "hsn" is unlikely to be Hussein);
  skeletons equal but for g/q/k or n/m before b give 0.85, others 0.9 x their
  edit-distance ratio. A skeleton of one consonant says too little: such tokens are
  compared by spelling;
- kana: a token read from kana against another: both spellings with the Japanese long
  vowels written once (Shoukou, Shoko) and ti/tu/si/di as chi/tsu/shi/ji, l as r, v as b,
  then by spelling;
- spelling: the same loose spelling (Smyth, Smith; Khodorkovskiy, Khodorkovsky) -> 0.95;
  the masculine and feminine of a name (Mario, Maria; Ivanov, Ivanova) -> 0.7; otherwise
  1 - (letter edits + consonant edits) / (2 x the longer length), Damerau-Levenshtein (a
  swapped pair of letters is one edit): a changed vowel (Laden, Ladin) costs half as much
  as a changed consonant (Maria, Marta), and g, q, k count as one consonant.
Below FLOOR (0.82) two tokens are not the same name part: 1 - 2/10, one consonant changed
in a five-letter name (Maria, Marta; Samir, Sami), is already below it.

Name similarity: tokens are paired one to one, the most similar pairs first; the score is
the sum of the pairs' similarities / (pairs + 0.5 x query tokens left unpaired + 0.35 x list
tokens left unpaired): a middle name missing on one side costs less than a different name.
When tokens are left over on both sides, two adjacent tokens of one side are also tried as
one, in either order (Abdul Rahman, Abdulrahman; スズキイチロウ, Ichiro Suzuki).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein, Levenshtein

from firstmile.kyc.screening.names import ABJADS, Token, make_token
from firstmile.kyc.screening.spelling import fold, skeleton

FLOOR = 0.82
UNPAIRED_QUERY = 0.5
UNPAIRED_LISTED = 0.35
_VOWEL_CLASSES = {"a": "ae", "e": "ei", "i": "ie", "o": "ou", "u": "uov", "v": "uov"}
_SEMIVOWELS = "aeiouv"  # w (v once folded) is a vowel letter in Arabic: Awlaki, Marwan
_NEAR = str.maketrans("gq", "kk")  # ق is written q, k or g (Qaddafi, Gaddafi)
_JAPANESE = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        ("ou|oo|oh(?![aeiou])", "o"), ("uu", "u"), ("ti", "chi"), ("tu", "tsu"),
        ("si", "shi"), ("di", "ji"), ("l", "r"), ("v", "b"),
    )
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Pair:
    query: Token
    listed: Token
    similarity: float
    method: str


@dataclass(frozen=True, slots=True)
class NameComparison:
    score: float
    pairs: tuple[Pair, ...]
    unpaired_query: tuple[Token, ...]
    unpaired_listed: tuple[Token, ...]


@lru_cache(maxsize=1 << 17)  # the same pairs recur: common name parts, the query's tokens
def token_similarity(a: Token, b: Token) -> tuple[float, str]:
    """How alike two tokens are, and by which rule (see the module doc)."""
    if a.canonical == b.canonical:
        return 1.0, "exact" if a.latin == b.latin else "variant"
    if a.initial or b.initial:
        return (0.9 if a.latin[0] == b.latin[0] else 0.0), "initial"
    if (a.origin in ABJADS) != (b.origin in ABJADS):
        written, other = (a, b) if a.origin in ABJADS else (b, a)
        similarity = _abjad(written.loose, other.loose)
        if similarity is not None:
            return similarity, "abjad"
    if a.origin == "kana" or b.origin == "kana":
        return _spelling(_japanese(a.latin), _japanese(b.latin)), "kana"
    return _spelling(a.loose, b.loose), ("spelling" if a.loose == b.loose else "edit distance")


def _spelling(a: str, b: str) -> float:
    if a == b:
        return 0.95
    if _gendered(a, b):
        return 0.7
    letters = DamerauLevenshtein.distance(a, b)
    consonants = DamerauLevenshtein.distance(_consonants(a), _consonants(b))
    return max(0.0, 1 - (letters + consonants) / (2 * max(len(a), len(b))))


def _gendered(a: str, b: str) -> bool:
    """Whether `a` and `b` are the masculine and feminine of one name (Mario, Maria;
    Daniel, Daniela; Ivanov, Ivanova): different people, however close the spelling."""
    short, long = sorted((a, b), key=len)
    if len(short) < 4:
        return False
    return long == short + "a" or (
        len(a) == len(b) and a[:-1] == b[:-1] and {a[-1], b[-1]} == {"a", "o"}
    )


@lru_cache(maxsize=1 << 16)
def abjad_skeleton(loose: str) -> str:
    """The consonants an abjad writes: vowels and w (a vowel letter there) left out."""
    return "".join(char for char in loose if char not in _SEMIVOWELS)


@lru_cache(maxsize=1 << 16)
def _consonants(loose: str) -> str:
    return _near(skeleton(loose))


@lru_cache(maxsize=1 << 16)
def _japanese(latin: str) -> str:
    for pattern, replacement in _JAPANESE:
        latin = pattern.sub(replacement, latin)
    return fold(latin)


def _abjad(script: str, spelled: str) -> float | None:
    """`script`: the loose spelling read from an abjad; None if its skeleton is too short
    to say anything (one consonant)."""
    script_bones, spelled_bones = abjad_skeleton(script), abjad_skeleton(spelled)
    if len(script_bones) < 2 or len(spelled_bones) < 2:
        return None
    if script_bones != spelled_bones:
        if _near(script_bones) == _near(spelled_bones):
            return 0.85
        return 0.9 * Levenshtein.normalized_similarity(script_bones, spelled_bones)
    penalty = 0.0
    slots = zip(_vowel_slots(script), _vowel_slots(spelled), strict=True)
    for place, (written, other) in enumerate(slots):
        if place == 0:
            continue  # a leading alif or ʿayn stands for any vowel
        if written and not any(v in _VOWEL_CLASSES[w] for w in written for v in other):
            penalty += 0.25
        elif not written and len(other) > 1:
            penalty += 0.15
    return max(0.0, 0.95 - penalty)


def _near(bones: str) -> str:
    """Consonants that spellings of one sound differ in, made one: g, q, k (ق: Qaddafi,
    Gaddafi) and n, m before b (جنبلاط: Jumblatt)."""
    return bones.translate(_NEAR).replace("nb", "mb")


def _vowel_slots(loose: str) -> list[str]:
    """The vowels before the first consonant, after each consonant (one entry each)."""
    slots = [""]
    for char in loose:
        if char in _SEMIVOWELS:
            slots[-1] += char
        else:
            slots.append("")
    return slots


def compare(query: Sequence[Token], listed: Sequence[Token]) -> NameComparison:
    """The best pairing of the two names' tokens (rules in the module doc)."""
    best = _align(query, listed)
    if best.unpaired_query and best.unpaired_listed:
        for query_form, listed_form in _joined(query, listed):
            other = _align(query_form, listed_form)
            if other.score > best.score:
                best = other
    return best


def _align(query: Sequence[Token], listed: Sequence[Token]) -> NameComparison:
    scored = sorted(
        (
            (*token_similarity(q, t), i, j)
            for i, q in enumerate(query)
            for j, t in enumerate(listed)
        ),
        key=lambda item: item[0],
        reverse=True,
    )
    pairs: list[Pair] = []
    used_q: set[int] = set()
    used_l: set[int] = set()
    for similarity, method, i, j in scored:
        if similarity < FLOOR:
            break
        if i not in used_q and j not in used_l:
            pairs.append(Pair(query[i], listed[j], similarity, method))
            used_q.add(i)
            used_l.add(j)
    left_q = tuple(t for i, t in enumerate(query) if i not in used_q)
    left_l = tuple(t for j, t in enumerate(listed) if j not in used_l)
    weight = len(pairs) + UNPAIRED_QUERY * len(left_q) + UNPAIRED_LISTED * len(left_l)
    score = sum(p.similarity for p in pairs) / weight if weight else 0.0
    return NameComparison(round(score, 4), tuple(pairs), left_q, left_l)


def _joined(
    query: Sequence[Token], listed: Sequence[Token]
) -> Iterator[tuple[Sequence[Token], Sequence[Token]]]:
    """Both names with two adjacent tokens of one of them written as one, in either order."""
    for i in range(len(query) - 1):
        for joined in _join(query[i], query[i + 1]):
            yield (*query[:i], joined, *query[i + 2 :]), listed
    for j in range(len(listed) - 1):
        for joined in _join(listed[j], listed[j + 1]):
            yield query, (*listed[:j], joined, *listed[j + 2 :])


def _join(first: Token, second: Token) -> tuple[Token, Token]:
    text = f"{first.text} {second.text}"
    return (
        make_token(text, first.latin + second.latin, first.origin),
        make_token(text, second.latin + first.latin, first.origin),
    )
