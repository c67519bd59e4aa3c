"""The list formats, read from small files in the official layouts, and the errors that
name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from firstmile.kit.errors import InvalidInput
from firstmile.kyc.screening import loaders
from firstmile.kyc.screening.entries import NameKind, ParsedEntry, Schema
from firstmile.kyc.screening.errors import ListFileInvalid
from tests.kyc.screening.factories import DATA


def by_id(entries: list[ParsedEntry]) -> dict[str, ParsedEntry]:
    return {e.external_id: e for e in entries}


def test_un_individuals_and_entities() -> None:
    entries = by_id(loaders.parse("un", DATA / "un.xml").entries)
    khalid = entries["1001"]
    assert khalid.schema == Schema.PERSON
    assert [(n.name, n.kind) for n in khalid.names] == [
        ("KHALID AHMAD AL-FULANI", NameKind.PRIMARY),
        ("خالد أحمد الفلاني", NameKind.ORIGINAL),
        ("Abu Omar al-Fulani", NameKind.ALIAS),
        ("Abu Omar", NameKind.WEAK),  # quality Low
    ]
    assert khalid.birth_dates == ("1970-03-15",)
    assert khalid.countries == ("SY",)  # "Syrian Arab Republic"
    assert khalid.details["reference"] == "QDi.901"
    assert entries["1002"].birth_dates == ("1960/1962",)  # BETWEEN
    assert entries["1003"].birth_dates == ("1955",)  # APPROXIMATELY, a year
    entity = entries["2001"]
    assert (entity.schema, entity.countries) == (Schema.COMPANY, ("KP",))


def test_eu_full_sanctions_list() -> None:
    entries = by_id(loaders.parse("eu", DATA / "eu.xml").entries)
    person = entries["5001"]
    assert [n.kind for n in person.names] == [NameKind.PRIMARY, NameKind.ALIAS, NameKind.WEAK]
    assert person.names[1].name == "Светлана Ивановна Морозова"
    assert (person.birth_dates, person.countries) == (("1975-07-07",), ("RU",))
    assert person.details["programme"] == "RUS"
    company = entries["5002"]
    assert (company.schema, company.countries) == (Schema.COMPANY, ())  # "00": unknown


def test_ofac_sdn_with_aliases_from_alt_csv() -> None:
    entries = by_id(loaders.parse("ofac", DATA).entries)  # the folder: sdn.csv + alt.csv
    omar = entries["7001"]
    assert [n.name for n in omar.names] == ["AL-RASHIDI, Omar Yusuf", "AL-RASHIDI, Umar"]
    assert omar.birth_dates == ("1968-02-01", "1969")
    assert omar.countries == ("IQ",)
    assert entries["7002"].birth_dates == ("1965",)  # circa
    assert entries["36"].schema == Schema.COMPANY  # SDN_Type -0-
    assert entries["7003"].schema == Schema.OTHER  # a vessel


def test_ofac_without_aliases() -> None:
    entries = by_id(loaders.parse("ofac", DATA / "sdn.csv").entries)
    assert len(entries["7001"].names) == 1


def test_followthemoney_lines() -> None:
    parsed = loaders.parse("ftm", DATA / "entities.ftm.json")
    entries = by_id(parsed.entries)
    assert parsed.skipped == 1  # the Address
    pep = entries["pep-tr-1"]
    assert (pep.topics, pep.countries) == (("role.pep",), ("TR",))
    assert entries["sanction-iq-1"].names[1].kind == NameKind.WEAK
    assert entries["company-ru-1"].schema == Schema.COMPANY
    assert entries["pep-jp-1"].birth_dates == ("1950-01-01",)


def test_the_content_hash_changes_with_the_content() -> None:
    first = loaders.parse("un", DATA / "un.xml").entries[0]
    again = loaders.parse("un", DATA / "un.xml").entries[0]
    assert first.content_hash() == again.content_hash()
    changed = ParsedEntry(first.external_id, first.schema, first.names[:1])
    assert changed.content_hash() != first.content_hash()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SDN_OK = '7001,"AL-RASHIDI, Omar",individual,SDGT,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (SDN_OK + '7002,"",individual,SDGT,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n',
         "sdn.csv line 2: SDN_Name is empty"),
        (SDN_OK + "7002,NAME,individual\n", "sdn.csv line 2: 3 columns, expected 12"),
        (SDN_OK + 'x,"B",individual,SDGT,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n',
         "sdn.csv line 2: ent_num 'x' is not a number"),
        (SDN_OK + '7002,"B",ship,SDGT,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n',
         "sdn.csv line 2: SDN_Type 'ship' is not individual, vessel or aircraft"),
        ('7002,"B",individual,X,-0-,-0-,-0-,-0-,-0-,-0-,-0-,"DOB 31 Foo 1960"\n',
         "sdn.csv line 1: Remarks: DOB '31 Foo 1960' is not a date"),
        (SDN_OK + SDN_OK, "sdn.csv line 2: id 7001 also appears at sdn.csv line 1"),
    ],
)  # fmt: skip
def test_malformed_sdn_lines_are_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ListFileInvalid) as raised:
        loaders.parse("ofac", write(tmp_path, "sdn.csv", text))
    assert raised.value.message == message


def test_an_alias_of_an_unknown_entry_is_named(tmp_path: Path) -> None:
    sdn = write(tmp_path, "sdn.csv", SDN_OK)
    alt = write(tmp_path, "alt.csv", '9999,1,aka,"SOMEONE",-0-\n')
    with pytest.raises(ListFileInvalid, match=r"alt.csv line 1: ent_num 9999 is not in sdn.csv"):
        loaders.parse("ofac", sdn, aliases=alt)


UN_EMPTY_NAME = """<?xml version="1.0"?>
<CONSOLIDATED_LIST><INDIVIDUALS>
<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>A</FIRST_NAME></INDIVIDUAL>
<INDIVIDUAL>
  <DATAID>77</DATAID><FIRST_NAME></FIRST_NAME>
</INDIVIDUAL>
</INDIVIDUALS></CONSOLIDATED_LIST>
"""


def test_un_record_without_a_name_is_named(tmp_path: Path) -> None:
    with pytest.raises(ListFileInvalid) as raised:
        loaders.parse("un", write(tmp_path, "un.xml", UN_EMPTY_NAME))
    assert raised.value.message == (
        "un.xml line 4 (INDIVIDUAL 77): FIRST_NAME .. FOURTH_NAME are all empty"
    )


def test_un_bad_date_is_named(tmp_path: Path) -> None:
    text = UN_EMPTY_NAME.replace(
        "<FIRST_NAME></FIRST_NAME>",
        "<FIRST_NAME>B</FIRST_NAME><INDIVIDUAL_DATE_OF_BIRTH><DATE>15/03/1970</DATE>"
        "</INDIVIDUAL_DATE_OF_BIRTH>",
    )
    with pytest.raises(ListFileInvalid, match=r"INDIVIDUAL_DATE_OF_BIRTH/DATE '15/03/1970'"):
        loaders.parse("un", write(tmp_path, "un.xml", text))


def test_broken_xml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ListFileInvalid, match=r"^un.xml line 3: mismatched tag"):
        loaders.parse("un", write(tmp_path, "un.xml", "<A>\n<B>\n</A>\n"))


def test_a_document_type_declaration_is_refused(tmp_path: Path) -> None:
    text = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<x>&a;</x>\n'
    with pytest.raises(ListFileInvalid, match="document type declaration is not accepted"):
        loaders.parse("un", write(tmp_path, "un.xml", text))


def test_eu_entity_without_a_name_is_named(tmp_path: Path) -> None:
    text = (
        '<export xmlns="http://eu.europa.ec/fpi/fsd/export">\n'
        '<sanctionEntity logicalId="42"><subjectType code="person"/>'
        '<nameAlias wholeName=""/></sanctionEntity>\n</export>\n'
    )
    with pytest.raises(ListFileInvalid) as raised:
        loaders.parse("eu", write(tmp_path, "eu.xml", text))
    assert raised.value.message == (
        "eu.xml line 2 (sanctionEntity 42): no nameAlias has a wholeName or firstName/lastName"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "entities.json line 2: not JSON"),
        ('{"schema": "Person"}', "entities.json line 2: id is missing"),
        ('{"id": "p1", "schema": "Person", "properties": {}}',
         "entities.json line 2 (Person p1): properties.name is empty"),
        ('{"id": "p1", "schema": "Person", "properties": {"name": "X"}}',
         "entities.json line 2 (Person p1): properties.name is not a list of strings"),
    ],
)  # fmt: skip
def test_malformed_ftm_lines_are_named(tmp_path: Path, line: str, message: str) -> None:
    good = '{"id": "ok", "schema": "Person", "properties": {"name": ["A B"]}}'
    path = write(tmp_path, "entities.json", f"{good}\n{line}\n")
    with pytest.raises(ListFileInvalid) as raised:
        loaders.parse("ftm", path)
    assert raised.value.message.startswith(message)


def test_unknown_format_and_missing_file() -> None:
    with pytest.raises(InvalidInput, match="must be one of"):
        loaders.parse("xls", DATA / "un.xml")
    with pytest.raises(InvalidInput, match="is not a file"):
        loaders.parse("un", DATA / "missing.xml")
