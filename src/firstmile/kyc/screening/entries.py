"""A list entry as the loaders read it and the matcher sees it, independent of storage.

Birth dates are kept as the list gives them: "1962-05-01" (a full date), "1962-05"
(a month), "1962" (a year) or "1960/1964" (a range of years, "approximately" or "between"
on the lists). Countries are ISO 3166-1 alpha-2 codes (nationalities and citizenships, or
the country an organisation belongs to). Topics follow FollowTheMoney: "sanction",
"role.pep", "crime", ...; the UN, EU and OFAC loaders give "sanction".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Schema(StrEnum):
    PERSON = "person"
    COMPANY = "company"  # companies, organisations, public bodies
    OTHER = "other"  # vessels, aircraft


class NameKind(StrEnum):
    PRIMARY = "primary"
    ALIAS = "alias"  # a good-quality a.k.a.
    WEAK = "weak"  # a low-quality a.k.a. (UN "Low", OFAC and OpenSanctions weak aliases)
    ORIGINAL = "original"  # the name in its original script (UN NAME_ORIGINAL_SCRIPT)


@dataclass(frozen=True, slots=True)
class ListedName:
    name: str
    kind: NameKind = NameKind.PRIMARY

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "kind": self.kind.value}


@dataclass(frozen=True)
class ParsedEntry:
    """One entry of a list file."""

    external_id: str
    schema: Schema
    names: tuple[ListedName, ...]
    birth_dates: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    topics: tuple[str, ...] = ("sanction",)
    details: dict[str, str] = field(default_factory=dict)  # reference, programme, listed on

    def content(self) -> dict[str, Any]:
        return {
            "schema": self.schema.value,
            "names": [n.to_dict() for n in self.names],
            "birth_dates": list(self.birth_dates),
            "countries": list(self.countries),
            "topics": list(self.topics),
            "details": dict(sorted(self.details.items())),
        }

    def content_hash(self) -> str:
        """SHA-256 of everything the entry says: a changed name, date or topic changes it."""
        text = json.dumps(self.content(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Listing:
    """A stored entry, as the matcher sees it."""

    id: str
    source: str
    external_id: str
    schema: Schema
    names: tuple[ListedName, ...]
    birth_dates: tuple[str, ...]
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    content_hash: str
