"""Builders for screening tests: customers, list entries, the fixture files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from firstmile.customers.models import Customer, CustomerKind
from firstmile.kyc.screening.entries import ListedName, NameKind, ParsedEntry, Schema

DATA = Path(__file__).parent / "data"


def customer(db: Session, **overrides: Any) -> Customer:
    """A customer row (flushed): screening needs only its id."""
    row = Customer(
        **(
            {
                "kind": CustomerKind.INDIVIDUAL,
                "country": "CZ",
                "given_name": "Eva",
                "family_name": "Nováková",
            }
            | overrides
        )
    )
    db.add(row)
    db.flush()
    return row


def entry(external_id: str = "E1", *names: str, **overrides: Any) -> ParsedEntry:
    """A person entry named `names` (the first primary, the others aliases)."""
    listed = tuple(
        ListedName(name, NameKind.PRIMARY if i == 0 else NameKind.ALIAS)
        for i, name in enumerate(names or ("Omar Yusuf al-Rashidi",))
    )
    fields: dict[str, Any] = {"schema": Schema.PERSON, "names": listed} | overrides
    return ParsedEntry(external_id=external_id, **fields)
