"""The UN Security Council consolidated list (XML, as published by the UN).

<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>: DATAID, FIRST_NAME .. FOURTH_NAME,
NAME_ORIGINAL_SCRIPT, REFERENCE_NUMBER, UN_LIST_TYPE, LISTED_ON, NATIONALITY/VALUE,
INDIVIDUAL_ALIAS (QUALITY Good/Low, ALIAS_NAME), INDIVIDUAL_DATE_OF_BIRTH (TYPE_OF_DATE
EXACT/APPROXIMATELY/BETWEEN with DATE, YEAR or FROM_YEAR and TO_YEAR).
<ENTITIES><ENTITY>: DATAID, FIRST_NAME (the entity's name), ENTITY_ALIAS, ENTITY_ADDRESS
(COUNTRY). An alias of quality "Low" is a weak alias.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

from firstmile.kyc.screening.countries import iso_codes
from firstmile.kyc.screening.entries import ListedName, NameKind, ParsedEntry, Schema
from firstmile.kyc.screening.errors import ListFileInvalid
from firstmile.kyc.screening.loaders import common
from firstmile.kyc.screening.loaders.xmlrecords import records, text_of, texts_of

NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def parse(path: Path) -> common.ParsedList:
    parsed = common.ParsedList("un")
    for record in records(path, frozenset({"INDIVIDUAL", "ENTITY"})):
        element = record.element
        dataid = text_of(element, "DATAID")
        where = f"{path.name} line {record.line} ({element.tag} {dataid or 'without DATAID'})"
        if not dataid:
            raise ListFileInvalid(where, "DATAID is empty")
        if element.tag == "INDIVIDUAL":
            parsed.add(_individual(element, dataid, where), where)
        else:
            parsed.add(_entity(element, dataid, where), where)
    return parsed


def _individual(element: Element, dataid: str, where: str) -> ParsedEntry:
    primary = " ".join(p for part in NAME_PARTS if (p := text_of(element, part)))
    if not primary:
        raise ListFileInvalid(where, "FIRST_NAME .. FOURTH_NAME are all empty")
    names = [ListedName(primary)]
    original = text_of(element, "NAME_ORIGINAL_SCRIPT")
    if original:
        names.append(ListedName(original, NameKind.ORIGINAL))
    names += _aliases(element, "INDIVIDUAL_ALIAS")
    return ParsedEntry(
        external_id=dataid,
        schema=Schema.PERSON,
        names=common.unique_names(names),
        birth_dates=tuple(_birth_dates(element, where)),
        countries=tuple(iso_codes(texts_of(element, "NATIONALITY/VALUE"))),
        details=_details(element),
    )


def _entity(element: Element, dataid: str, where: str) -> ParsedEntry:
    name = text_of(element, "FIRST_NAME")
    if not name:
        raise ListFileInvalid(where, "FIRST_NAME (the entity's name) is empty")
    names = [ListedName(name), *_aliases(element, "ENTITY_ALIAS")]
    return ParsedEntry(
        external_id=dataid,
        schema=Schema.COMPANY,
        names=common.unique_names(names),
        countries=tuple(iso_codes(texts_of(element, "ENTITY_ADDRESS/COUNTRY"))),
        details=_details(element),
    )


def _aliases(element: Element, tag: str) -> list[ListedName]:
    return [
        ListedName(name, common.alias_kind(text_of(alias, "QUALITY").lower() == "low"))
        for alias in element.iterfind(tag)
        if (name := text_of(alias, "ALIAS_NAME"))
    ]


def _birth_dates(element: Element, where: str) -> list[str]:
    dates: list[str] = []
    for born in element.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        exact, single = text_of(born, "DATE"), text_of(born, "YEAR")
        first, last = text_of(born, "FROM_YEAR"), text_of(born, "TO_YEAR")
        if exact:
            dates.append(common.birth_date(exact, where, "INDIVIDUAL_DATE_OF_BIRTH/DATE"))
        elif single:
            dates.append(str(common.year(single, where, "INDIVIDUAL_DATE_OF_BIRTH/YEAR")))
        elif first and last:
            start = common.year(first, where, "INDIVIDUAL_DATE_OF_BIRTH/FROM_YEAR")
            end = common.year(last, where, "INDIVIDUAL_DATE_OF_BIRTH/TO_YEAR")
            dates.append(f"{min(start, end)}/{max(start, end)}")
    return dates


def _details(element: Element) -> dict[str, str]:
    fields = {
        "reference": text_of(element, "REFERENCE_NUMBER"),
        "list": text_of(element, "UN_LIST_TYPE"),
        "listed_on": text_of(element, "LISTED_ON"),
    }
    return {key: value for key, value in fields.items() if value}
