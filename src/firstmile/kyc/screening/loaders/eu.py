"""The EU financial sanctions file: the "Full Sanctions List" XML export (FSD).

<export><sanctionEntity logicalId euReferenceNumber unitedNationId>: subjectType (code
person or enterprise), nameAlias (wholeName, or firstName middleName lastName; strong
"false" marks a weak alias; the first is the primary name), citizenship (countryIso2Code),
birthdate (birthdate YYYY-MM-DD, or year), regulation (programme). The namespace is
ignored.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

from firstmile.kyc.screening.countries import iso_codes
from firstmile.kyc.screening.entries import ListedName, NameKind, ParsedEntry, Schema
from firstmile.kyc.screening.errors import ListFileInvalid
from firstmile.kyc.screening.loaders import common
from firstmile.kyc.screening.loaders.xmlrecords import records

SCHEMAS = {"person": Schema.PERSON, "enterprise": Schema.COMPANY}


def parse(path: Path) -> common.ParsedList:
    parsed = common.ParsedList("eu")
    for record in records(path, frozenset({"sanctionEntity"})):
        element = record.element
        logical_id = element.get("logicalId", "").strip()
        where = f"{path.name} line {record.line} (sanctionEntity {logical_id or 'without id'})"
        if not logical_id:
            raise ListFileInvalid(where, "logicalId is empty")
        parsed.add(_entry(element, logical_id, where), where)
    return parsed


def _entry(element: Element, logical_id: str, where: str) -> ParsedEntry:
    subject = element.find("subjectType")
    code = subject.get("code", "") if subject is not None else ""
    if code not in SCHEMAS:
        raise ListFileInvalid(where, f"subjectType code {code!r} is not person or enterprise")
    names = common.unique_names(_names(element))
    if not names:
        raise ListFileInvalid(where, "no nameAlias has a wholeName or firstName/lastName")
    citizenships = [c.get("countryIso2Code", "") for c in element.iterfind("citizenship")]
    return ParsedEntry(
        external_id=logical_id,
        schema=SCHEMAS[code],
        names=names,
        birth_dates=tuple(_birth_dates(element, where)),
        countries=tuple(iso_codes([c for c in citizenships if c])),
        details=_details(element),
    )


def _names(element: Element) -> list[ListedName]:
    names: list[ListedName] = []
    for alias in element.iterfind("nameAlias"):
        whole = alias.get("wholeName", "").strip()
        parts = (alias.get(k, "").strip() for k in ("firstName", "middleName", "lastName"))
        text = whole or " ".join(p for p in parts if p)
        if not text:
            continue
        weak = alias.get("strong", "true").lower() == "false"
        kind = NameKind.PRIMARY if not names else common.alias_kind(weak)
        names.append(ListedName(text, kind))
    return names


def _birth_dates(element: Element, where: str) -> list[str]:
    dates: list[str] = []
    for born in element.iterfind("birthdate"):
        full, year = born.get("birthdate", "").strip(), born.get("year", "").strip()
        if full:
            dates.append(common.birth_date(full, where, "birthdate/@birthdate"))
        elif year:
            dates.append(str(common.year(year, where, "birthdate/@year")))
    return dates


def _details(element: Element) -> dict[str, str]:
    regulation = element.find("regulation")
    fields = {
        "reference": element.get("euReferenceNumber", ""),
        "un_id": element.get("unitedNationId", ""),
        "programme": regulation.get("programme", "") if regulation is not None else "",
    }
    return {key: value.strip() for key, value in fields.items() if value.strip()}
