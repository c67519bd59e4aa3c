"""Names made comparable: transliteration, folding, particles, compounds."""

from __future__ import annotations

import pytest

from firstmile.kyc.screening import arabic, kana
from firstmile.kyc.screening.names import prepare, split_compound
from firstmile.kyc.screening.spelling import fold


def latin(name: str, *, company: bool = False, japanese: bool = False) -> list[str]:
    return [t.latin for t in prepare(name, company=company, japanese=japanese).tokens]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("محمد", "mhmd"),
        ("أسامة", "asama"),  # initial alif, ta marbuta as a
        ("يحيى", "yhia"),  # initial ya as y, alif maqsura as a
        ("معمر", "mamr"),  # ʿayn inside a word as a
        ("عبدالله", "abdallah"),
        ("حَسَن", "hasan"),  # harakat kept where written
    ],
)
def test_arabic_romanisation(word: str, expected: str) -> None:
    assert arabic.romanize(word) == expected


def test_arabic_loose_spelling_writes_digraphs_as_one_letter() -> None:
    assert arabic.romanize("خالد") == "khald"
    assert arabic.romanize("خالد", loose=True) == "hald"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("アサハラ", "asahara"),
        ("ショウコウ", "shoko"),  # long vowels written once
        ("すずき", "suzuki"),  # hiragana
        ("キョウコ", "kyoko"),  # small yo
        ("マッチ", "matchi"),  # small tsu before ch
        ("ティム", "timu"),
        ("ヴァレリー", "vareri"),
        ("リュウイチ", "ryuichi"),
    ],
)
def test_kana_romanisation(word: str, expected: str) -> None:
    assert kana.romanize(word) == expected


def test_cyrillic_greek_and_diacritics_become_ascii() -> None:
    assert latin("Юрий Щербаков") == ["yuriy", "shcherbakov"]
    assert latin("Jürgen Müller-Lüdenscheidt") == ["jurgen", "muller", "ludenscheidt"]
    assert latin("Dragan Đorđević") == ["dragan", "djordjevic"]


def test_han_reads_the_first_syllable_as_the_surname() -> None:
    assert latin("習近平") == ["xi", "jinping"]


def test_kanji_are_read_in_a_japanese_name_and_not_counted_twice() -> None:
    prepared = prepare("麻原彰晃 アサハラ ショウコウ")
    assert [t.latin for t in prepared.tokens] == ["asahara", "shoko"]
    assert prepared.dropped == ("麻原", "彰晃")  # the same reading as the kana that follow
    assert latin("鈴木一郎", japanese=True) == ["suzuki", "ichiro"]
    assert latin("スズキ 一郎") == ["suzuki", "ichiro"]  # kana: a Japanese name
    assert latin("習近平") == ["xi", "jinping"]  # Han alone: read as Chinese


def test_particles_titles_and_articles_are_dropped() -> None:
    assert latin("Dr. Ayman al-Zawahiri") == ["ayman", "zawahiri"]
    assert latin("Osama bin Laden") == ["osama", "laden"]
    assert latin("أسامة بن لادن") == ["asama", "ladn"]
    assert latin("Abd ar-Rahman") == ["abd", "rahman"]


def test_legal_forms_are_dropped_for_companies_only() -> None:
    assert latin("Rosneft Oil Company PJSC", company=True) == ["rosneft", "oil"]
    assert latin("Banco Delta Asia S.A.R.L.", company=True) == ["banco", "delta", "asia"]
    assert latin("Company", company=True) == ["company"]  # nothing else left: kept


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("abdelaziz", ["abd", "aziz"]),
        ("abdurrahman", ["abd", "rahman"]),
        ("abdullah", ["abd", "allah"]),
        ("abdel", ["abdel"]),
        ("abdi", ["abdi"]),
    ],
)
def test_abd_compounds_are_split(word: str, parts: list[str]) -> None:
    assert split_compound(word) == parts


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("khodorkovsky", "hodorkovskii"),
        ("smyth", "smith"),
        ("yelena", "elena"),
        ("satoh", "sato"),
        ("usamah", "usama"),
        ("mueller", "muller"),
    ],
)
def test_loose_spelling_folds_transliteration_habits(one: str, other: str) -> None:
    assert fold(one) == fold(other)
