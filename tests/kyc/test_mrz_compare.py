from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firstmile.kit.errors import InvalidInput
from firstmile.kyc import mrz
from firstmile.kyc.mrz import Verdict
from firstmile.kyc.mrz.names import matches, transliterate
from tests.kyc import factories as f

TODAY = date(2025, 3, 1)


def zone(**fields: str) -> mrz.MrzResult:
    return mrz.parse(f.td3(**fields), today=TODAY)  # type: ignore[arg-type]


def surname_verdict(mrz_name: str, typed: str) -> Verdict:
    result = mrz.compare(zone(name=mrz_name), surname=typed)
    return result.fields[0].verdict


def test_the_specimen_matches_what_its_holder_would_type() -> None:
    parsed = mrz.parse(f.TD3_SPECIMEN, today=f.SPECIMEN_DAY, allow_specimen=True)
    result = mrz.compare(
        parsed,
        surname="Eriksson",
        given_names="Anna María",
        birth_date=date(1974, 8, 12),
        document_number="l898902c3",
    )
    assert result.matches
    assert [item.verdict for item in result.fields] == [Verdict.MATCH] * 4
    assert [item.message for item in result.fields] == [
        "surname matches",
        "given names match",
        "date of birth matches",
        "document number matches",
    ]


@pytest.mark.parametrize(
    ("in_mrz", "typed"),
    [
        ("MUELLER", "Müller"),
        ("MULLER", "Müller"),
        ("MUXXLLER", "Müller"),
        ("GROSS", "Groß"),
        ("HAEMAELAEINEN", "Hämäläinen"),
        ("HAMALAINEN", "Hämäläinen"),
        ("SOERENSEN", "Sørensen"),
        ("SORENSEN", "Sørensen"),
        ("AASTROEM", "Åström"),
        ("ASTROM", "Åström"),
        ("NUNEZ", "Núñez"),
        ("NUNXXEZ", "Núñez"),
        ("WALESA", "Wałęsa"),
        ("THORSSON", "Þorsson"),
        ("DVORAK", "Dvořák"),
        ("GUNES", "Güneş"),
        ("SCHOENBERG", "Schœnberg"),
        ("SMITH<JONES", "Smith-Jones"),
        ("SMITH<JONES", "Smith – Jones"),
        ("OBRIEN", "O'Brien"),
        ("O<BRIEN", "O’Brien"),
        ("VAN<DER<BERG", "van der Berg"),
    ],
)
def test_typed_names_match_after_transliteration(in_mrz: str, typed: str) -> None:
    assert surname_verdict(in_mrz, typed) is Verdict.MATCH


@pytest.mark.parametrize(
    ("in_mrz", "typed"),
    [("MUELLER", "Muler"), ("MUELLER", "Müllers"), ("SMITHJONES", "Smith-Jones")],
)
def test_different_names_do_not_match(in_mrz: str, typed: str) -> None:
    assert surname_verdict(in_mrz, typed) is Verdict.MISMATCH


def test_a_mismatch_says_both_forms() -> None:
    item = mrz.compare(zone(name="MUELLER<<ERIKA"), surname="Mölller").fields[0]
    assert item.message == "surname does not match: the MRZ has MUELLER, typed is MOELLLER"
    assert not mrz.compare(zone(name="MUELLER<<ERIKA"), surname="Mölller").matches


def test_truncated_given_names_match_as_a_prefix() -> None:
    parsed = mrz.parse(f.td1(name="MUSTERMANN<<ERIKA<ANNA<MARIA<L"), today=TODAY)
    item = mrz.compare(parsed, given_names="Erika Anna Maria Luise").fields[0]
    assert item.verdict is Verdict.TRUNCATED_MATCH
    assert item.message == "given names match: the MRZ holds them truncated (ERIKA<ANNA<MARIA<L)"
    assert mrz.compare(parsed, given_names="Erika Anna Maria Luise").matches


def test_truncation_may_cut_a_two_letter_transliteration() -> None:
    parsed = mrz.parse(f.td1(name="MUSTERMANN<<ERIKA<ANNA<MARIA<A"), today=TODAY)
    assert mrz.compare(parsed, given_names="Erika Anna Maria Äsa").fields[0].ok


def test_a_shorter_mrz_name_that_does_not_fill_the_field_is_a_mismatch() -> None:
    item = mrz.compare(zone(name="MUSTERMANN<<ERIKA"), given_names="Erika Anna").fields[0]
    assert item.verdict is Verdict.MISMATCH


def test_a_surname_filling_the_field_alone_may_be_truncated() -> None:
    parsed = mrz.parse(f.td1(name="A" * 30), today=TODAY)
    assert mrz.compare(parsed, surname="A" * 34).fields[0].verdict is Verdict.TRUNCATED_MATCH


def test_names_in_other_scripts_cannot_be_compared() -> None:
    item = mrz.compare(zone(name="IVANOV<<IVAN"), surname="Иванов").fields[0]
    assert item.verdict is Verdict.NOT_COMPARABLE
    assert item.message.startswith("typed surname has characters with no MRZ transliteration:")


def test_birth_date_mismatch_names_both_dates() -> None:
    item = mrz.compare(zone(birth="830812"), birth_date=date(1983, 8, 13)).fields[0]
    assert item.verdict is Verdict.MISMATCH
    assert (
        item.message == "date of birth does not match: the MRZ has 1983-08-12, typed is 1983-08-13"
    )


def test_partly_unknown_birth_date_compares_its_known_parts() -> None:
    parsed = zone(birth="8308<<")
    assert mrz.compare(parsed, birth_date=date(1983, 8, 20)).matches
    assert not mrz.compare(parsed, birth_date=date(1983, 9, 20)).matches


def test_an_invalid_mrz_birth_date_cannot_be_compared() -> None:
    item = mrz.compare(zone(birth="831332"), birth_date=date(1983, 12, 1)).fields[0]
    assert item.verdict is Verdict.NOT_COMPARABLE
    assert item.message == "date of birth cannot be compared: date of birth 831332 has no month 13"


def test_document_number_ignores_case_blanks_and_hyphens() -> None:
    parsed = zone(number="C01X00T47")
    assert mrz.compare(parsed, document_number="c01x 00t-47").matches
    item = mrz.compare(parsed, document_number="C01X00T48").fields[0]
    assert (
        item.message == "document number does not match: the MRZ has C01X00T47, typed is C01X00T48"
    )


def test_comparing_nothing_is_unusable() -> None:
    with pytest.raises(InvalidInput):
        mrz.compare(zone())


def test_comparison_serialises() -> None:
    body = mrz.compare(zone(), surname="Mustermann").to_dict()
    assert body == {
        "matches": True,
        "fields": [
            {
                "field": "surname",
                "verdict": "match",
                "mrz": "MUSTERMANN",
                "typed": "Mustermann",
                "message": "surname matches",
            }
        ],
    }


_LATIN = "abcdefghijklmnopqrstuvwxyzäåæðñöøüþßœłđçéèêëíìîïóòôõúùûýÿčďěňřšťžąęśźżğşı -'"


@settings(deadline=None)
@given(st.text(_LATIN, min_size=1, max_size=30))
def test_a_name_matches_its_own_recommended_transliteration(typed: str) -> None:
    written = transliterate(typed)
    assert set(written) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ<")
    assert matches(typed, written, allow_truncation=False)
