"""FollowTheMoney entities, one JSON object a line, as OpenSanctions publishes them.

{"id", "schema", "properties": {"name": [...], "alias": [...], "weakAlias": [...],
"previousName": [...], "birthDate": [...], "nationality": [...], "citizenship": [...],
"country": [...], "topics": ["sanction", "role.pep", ...]}}. Person is a person; Company,
Organization, LegalEntity and PublicBody are companies; Vessel and Airplane are "other";
every other schema (addresses, sanctions, ownerships, ...) is skipped and counted. The
first name is the primary name; dates are cut to YYYY, YYYY-MM or YYYY-MM-DD.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from firstmile.kyc.screening.countries import iso_codes
from firstmile.kyc.screening.entries import ListedName, NameKind, ParsedEntry, Schema
from firstmile.kyc.screening.errors import ListFileInvalid
from firstmile.kyc.screening.loaders import common

SCHEMAS = {
    "Person": Schema.PERSON,
    "Company": Schema.COMPANY,
    "Organization": Schema.COMPANY,
    "LegalEntity": Schema.COMPANY,
    "PublicBody": Schema.COMPANY,
    "Vessel": Schema.OTHER,
    "Airplane": Schema.OTHER,
}
NAME_PROPERTIES = (("alias", NameKind.ALIAS), ("previousName", NameKind.ALIAS),
                   ("weakAlias", NameKind.WEAK))  # fmt: skip


def parse(path: Path) -> common.ParsedList:
    parsed = common.ParsedList("ftm")
    with path.open(encoding="utf-8") as file:
        for line_number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            where = f"{path.name} line {line_number}"
            entity = _object(line, where)
            schema = SCHEMAS.get(str(entity.get("schema", "")))
            if schema is None:
                parsed.skipped += 1
                continue
            parsed.add(_entry(entity, schema, where), where)
    return parsed


def _object(line: str, where: str) -> dict[str, Any]:
    try:
        entity = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ListFileInvalid(where, f"not JSON ({exc.msg})") from None
    if not isinstance(entity, dict):
        raise ListFileInvalid(where, "not a JSON object")
    if not isinstance(entity.get("id"), str) or not entity["id"]:
        raise ListFileInvalid(where, "id is missing")
    if not isinstance(entity.get("properties", {}), dict):
        raise ListFileInvalid(where, "properties is not an object")
    return entity


def _entry(entity: dict[str, Any], schema: Schema, where: str) -> ParsedEntry:
    properties: dict[str, Any] = entity.get("properties", {})
    where = f"{where} ({entity['schema']} {entity['id']})"
    primary = _values(properties, "name", where)
    if not primary:
        raise ListFileInvalid(where, "properties.name is empty")
    names = [ListedName(primary[0])] + [ListedName(n, NameKind.ALIAS) for n in primary[1:]]
    for key, kind in NAME_PROPERTIES:
        names += [ListedName(n, kind) for n in _values(properties, key, where)]
    countries = [
        c
        for key in ("nationality", "citizenship", "country")
        for c in _values(properties, key, where)
    ]
    return ParsedEntry(
        external_id=entity["id"],
        schema=schema,
        names=common.unique_names(names),
        birth_dates=tuple(
            common.birth_date(d, where, "properties.birthDate")
            for d in _values(properties, "birthDate", where)
        ),
        countries=tuple(iso_codes(countries)),
        topics=tuple(dict.fromkeys(_values(properties, "topics", where))),
    )


def _values(properties: dict[str, Any], key: str, where: str) -> list[str]:
    values = properties.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ListFileInvalid(where, f"properties.{key} is not a list of strings")
    return [v.strip() for v in values if v.strip()]
