"""What every loader returns, and the checks they share."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from firstmile.kyc.screening.entries import ListedName, NameKind, ParsedEntry
from firstmile.kyc.screening.errors import ListFileInvalid

_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


@dataclass
class ParsedList:
    """The entries of one list file (or sdn.csv with its alt.csv), in file order."""

    format: str
    entries: list[ParsedEntry] = field(default_factory=list)
    skipped: int = 0  # records of kinds that are not screened (FtM addresses, sanctions, ...)
    _seen: dict[str, str] = field(default_factory=dict)

    def add(self, entry: ParsedEntry, where: str) -> None:
        """Keep `entry`; an external id seen before is an error naming both places."""
        first = self._seen.get(entry.external_id)
        if first is not None:
            raise ListFileInvalid(where, f"id {entry.external_id} also appears at {first}")
        self._seen[entry.external_id] = where
        self.entries.append(entry)


def birth_date(text: str, where: str, field_name: str) -> str:
    """A listed date as YYYY, YYYY-MM or YYYY-MM-DD; the UN's "1961-00-00" style of an
    unknown day or month is cut to what is known."""
    cleaned = re.sub(r"(-00)+$", "", text.strip()[:10])
    if not _DATE.match(cleaned):
        raise ListFileInvalid(where, f"{field_name} {text!r} is not a date (YYYY[-MM[-DD]])")
    return cleaned


def year(text: str, where: str, field_name: str) -> int:
    cleaned = text.strip()
    if not (len(cleaned) == 4 and cleaned.isdigit()):
        raise ListFileInvalid(where, f"{field_name} {text!r} is not a year")
    return int(cleaned)


def unique_names(names: Iterable[ListedName]) -> tuple[ListedName, ...]:
    """`names` without repeats (the first kind kept) and without blanks."""
    seen: set[str] = set()
    out: list[ListedName] = []
    for listed in names:
        text = " ".join(listed.name.split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(ListedName(text, listed.kind))
    return tuple(out)


def alias_kind(weak: bool) -> NameKind:
    return NameKind.WEAK if weak else NameKind.ALIAS
