"""OFAC's SDN list in its CSV form: sdn.csv, and optionally alt.csv for the aliases.

sdn.csv has no header; its columns are ent_num, SDN_Name, SDN_Type, Program, Title,
Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks, and "-0-" means empty.
SDN_Type is "individual", "vessel", "aircraft" or empty (an entity). Dates of birth and
nationalities are in Remarks ("DOB 10 Mar 1957; POB ...; nationality Iran; alt. DOB circa
1958"). alt.csv: ent_num, alt_num, alt_type (aka, fka, nka), alt_name, alt_remarks.
A line holding only the DOS end-of-file character (as the published files end) is skipped.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path

from firstmile.kyc.screening.countries import iso_code
from firstmile.kyc.screening.entries import ListedName, NameKind, ParsedEntry, Schema
from firstmile.kyc.screening.errors import ListFileInvalid
from firstmile.kyc.screening.loaders import common

SDN_COLUMNS = ("ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign",
               "Vess_type", "Tonnage", "GRT", "Vess_flag", "Vess_owner", "Remarks")  # fmt: skip
ALT_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
SCHEMAS = {"individual": Schema.PERSON, "": Schema.COMPANY, "vessel": Schema.OTHER,
           "aircraft": Schema.OTHER}  # fmt: skip
EMPTY = "-0-"
_DOB = re.compile(
    r"DOB (?:circa |approximately )?(?P<date>(?:\d{1,2} )?(?:[A-Z][a-z]{2} )?\d{4})"
    r"(?: to (?:(?:\d{1,2} )?(?:[A-Z][a-z]{2} )?)?(?P<until>\d{4}))?"
)
_COUNTRY = re.compile(r"(?:nationality|citizen) (?P<country>[^;.]+)")


def parse(sdn: Path, aliases: Path | None = None) -> common.ParsedList:
    """Entries of `sdn` (sdn.csv) with the aliases of `aliases` (alt.csv), if given."""
    parsed = common.ParsedList("ofac")
    rows = {}
    for line, row in _rows(sdn, SDN_COLUMNS):
        entry = _entry(row, f"{sdn.name} line {line}")
        parsed.add(entry, f"{sdn.name} line {line}")
        rows[entry.external_id] = len(parsed.entries) - 1
    if aliases is not None:
        for line, row in _rows(aliases, ALT_COLUMNS):
            where = f"{aliases.name} line {line}"
            position = rows.get(row["ent_num"])
            if position is None:
                raise ListFileInvalid(where, f"ent_num {row['ent_num']} is not in {sdn.name}")
            if not row["alt_name"]:
                raise ListFileInvalid(where, "alt_name is empty")
            parsed.entries[position] = _with_alias(parsed.entries[position], row["alt_name"])
    return parsed


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for each record of `path`; "-0-" read as empty."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # older OFAC files are Windows-1252
    reader = csv.reader(text.splitlines(), skipinitialspace=False)
    out: list[tuple[int, dict[str, str]]] = []
    for values in reader:
        line = reader.line_num
        if not values or values == ["\x1a"] or not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            raise ListFileInvalid(
                f"{path.name} line {line}", f"{len(values)} columns, expected {len(columns)}"
            )
        cleaned = [("" if v.strip() == EMPTY else v.strip()) for v in values]
        if not cleaned[0].isdigit():
            raise ListFileInvalid(
                f"{path.name} line {line}", f"ent_num {values[0]!r} is not a number"
            )
        out.append((line, dict(zip(columns, cleaned, strict=True))))
    return out


def _entry(row: dict[str, str], where: str) -> ParsedEntry:
    if not row["SDN_Name"]:
        raise ListFileInvalid(where, "SDN_Name is empty")
    kind = row["SDN_Type"].lower()
    if kind not in SCHEMAS:
        raise ListFileInvalid(
            where, f"SDN_Type {row['SDN_Type']!r} is not individual, vessel or aircraft"
        )
    remarks = row["Remarks"]
    countries = [code for m in _COUNTRY.finditer(remarks) if (code := iso_code(m["country"]))]
    details = {"programme": row["Program"], "title": row["Title"]}
    return ParsedEntry(
        external_id=row["ent_num"],
        schema=SCHEMAS[kind],
        names=common.unique_names([ListedName(row["SDN_Name"])]),
        birth_dates=tuple(_birth_dates(remarks, where)),
        countries=tuple(dict.fromkeys(countries)),
        details={key: value for key, value in details.items() if value},
    )


def _birth_dates(remarks: str, where: str) -> list[str]:
    dates: list[str] = []
    for found in _DOB.finditer(remarks):
        start = _remark_date(found["date"], where)
        dates.append(f"{start[:4]}/{found['until']}" if found["until"] else start)
    return dates


def _remark_date(text: str, where: str) -> str:
    """ "10 Mar 1957" -> 1957-03-10, "Mar 1957" -> 1957-03, "1957" -> 1957."""
    for pattern, out in (("%d %b %Y", "%Y-%m-%d"), ("%b %Y", "%Y-%m"), ("%Y", "%Y")):
        try:
            return datetime.strptime(text, pattern).strftime(out)
        except ValueError:
            continue
    raise ListFileInvalid(where, f"Remarks: DOB {text!r} is not a date")


def _with_alias(entry: ParsedEntry, name: str) -> ParsedEntry:
    names = common.unique_names([*entry.names, ListedName(name, NameKind.ALIAS)])
    return ParsedEntry(
        entry.external_id, entry.schema, names, entry.birth_dates, entry.countries,
        entry.topics, entry.details,
    )  # fmt: skip
