"""Token and name similarity, and the reasons each pair gives."""

from __future__ import annotations

from datetime import date

from firstmile.kyc.screening import scoring
from firstmile.kyc.screening.names import prepare
from firstmile.kyc.screening.similarity import FLOOR, compare, token_similarity


def score(query: str, listed: str) -> float:
    return compare(prepare(query).tokens, prepare(listed).tokens).score


def method(query: str, listed: str) -> str:
    return token_similarity(prepare(query).tokens[0], prepare(listed).tokens[0])[1]


def test_variants_from_the_table_are_the_same_name() -> None:
    assert token_similarity(prepare("Mohammed").tokens[0], prepare("Muhammad").tokens[0]) == (
        1.0,
        "variant",
    )


def test_arabic_is_compared_by_its_consonants() -> None:
    assert method("Mohammed", "محمد") == "abjad"
    assert score("Osama bin Laden", "أسامة بن لادن") >= 0.9


def test_a_long_vowel_the_arabic_writes_must_be_in_the_latin_spelling() -> None:
    hussein, hasan = prepare("حسين").tokens[0], prepare("Hasan").tokens[0]
    assert token_similarity(hasan, hussein)[0] < FLOOR


def test_tokens_are_reordered_and_initials_match() -> None:
    assert score("Smith John", "John Smith") == 1.0
    comparison = compare(prepare("J. Smith").tokens, prepare("John Smith").tokens)
    assert {(p.query.latin, p.method) for p in comparison.pairs} == {
        ("j", "initial"),
        ("smith", "exact"),
    }


def test_a_different_given_name_with_the_same_surname_is_not_a_match() -> None:
    assert score("Jane Smith", "John Smith") < 0.6
    assert score("Maria Rossi", "Mario Rossi") < 0.8  # masculine and feminine


def test_a_missing_middle_name_costs_less_than_a_different_one() -> None:
    missing = score("John Smith", "John Andrew Smith")
    different = score("John Paul Smith", "John Andrew Smith")
    assert missing > 0.8 > different


def test_two_words_written_as_one_still_match() -> None:
    assert score("Abdul Rahman Yasin", "Abdulrahman Yasin") >= 0.9
    assert score("Ichiro Suzuki", "スズキイチロウ") >= 0.9


def test_kana_and_hepburn_long_vowels() -> None:
    assert score("Shoukou Asahara", "アサハラ ショウコウ") >= 0.9


def test_cyrillic_against_another_transliteration() -> None:
    assert score("Yevgeniy Prigozhin", "Евгений Пригожин") == 1.0


def test_birth_date_effects() -> None:
    born = date(1970, 3, 15)
    assert scoring.birth_date_effect(born, ["1970-03-15"]).delta == 0.1
    assert scoring.birth_date_effect(born, ["1970"]).delta == 0.05
    assert scoring.birth_date_effect(born, ["1968/1971"]).delta == 0.05
    assert scoring.birth_date_effect(born, ["1970-09-01"]).delta == -0.05
    assert scoring.birth_date_effect(born, ["1962"]).delta == -0.15
    assert scoring.birth_date_effect(born, ["1962", "1970-03-15"]).delta == 0.1
    assert scoring.birth_date_effect(None, ["1962"]).delta == 0.0


def test_nationality_effects() -> None:
    assert scoring.nationality_effect("ru", ["RU", "UA"]).delta == 0.05
    assert scoring.nationality_effect("DE", ["RU"]).delta == -0.1
    assert scoring.nationality_effect("DE", []).delta == 0.0


def test_final_score_stays_within_0_and_1() -> None:
    up = scoring.Effect(0.1, "same date")
    assert scoring.final_score(0.98, False, up) == 1.0
    assert scoring.final_score(1.0, True) == 0.9  # a weak alias counts less
