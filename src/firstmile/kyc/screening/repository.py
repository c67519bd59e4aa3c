"""Every screening query."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select, tuple_

from firstmile.kit.db import Session
from firstmile.kyc.screening.entries import ListedName, Listing, NameKind, Schema
from firstmile.kyc.screening.models import Hit, ListEntry, ScreenedSubject, ScreeningList

_BATCH = 1_000


def list_stamp(db: Session) -> tuple[tuple[str, str], ...]:
    """(source, load id) of every list: changes whenever any list is loaded."""
    rows = db.execute(select(ScreeningList.source, ScreeningList.load_id).order_by("source"))
    return tuple((source, load_id) for source, load_id in rows)


def entries_of(db: Session, source: str) -> dict[str, ListEntry]:
    """Every entry of `source`, removed ones too, by external id."""
    rows = db.scalars(select(ListEntry).where(ListEntry.source == source))
    return {row.external_id: row for row in rows}


def listings(db: Session, ids: Sequence[str] | None = None) -> Iterator[Listing]:
    """The entries not removed (only `ids` when given), as the matcher sees them."""
    query = select(ListEntry).where(ListEntry.removed_at.is_(None)).order_by(ListEntry.id)
    if ids is None:
        yield from map(to_listing, db.scalars(query.execution_options(yield_per=_BATCH)))
        return
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        yield from map(to_listing, db.scalars(query.where(ListEntry.id.in_(chunk))))


def to_listing(row: ListEntry) -> Listing:
    return Listing(
        id=row.id,
        source=row.source,
        external_id=row.external_id,
        schema=Schema(row.schema),
        names=tuple(ListedName(n["name"], NameKind(n["kind"])) for n in row.names),
        birth_dates=tuple(row.birth_dates),
        countries=tuple(row.countries),
        topics=tuple(row.topics),
        content_hash=row.content_hash,
    )


def hits_of(db: Session, customer_id: str, entry_ids: Sequence[str] | None = None) -> list[Hit]:
    """The customer's hits, oldest first (only on `entry_ids` when given)."""
    query = select(Hit).where(Hit.customer_id == customer_id).order_by(Hit.created_at, Hit.id)
    if entry_ids is not None:
        query = query.where(Hit.entry_id.in_(entry_ids))
    return list(db.scalars(query))


def subjects(db: Session) -> Iterator[ScreenedSubject]:
    """Every customer screened so far, read a page at a time (the caller may write between
    pages: no cursor stays open)."""
    after = ("", "")
    key = tuple_(ScreenedSubject.customer_id, ScreenedSubject.subject)
    while True:
        page = list(
            db.scalars(
                select(ScreenedSubject)
                .where(key > tuple_(*after))
                .order_by(ScreenedSubject.customer_id, ScreenedSubject.subject)
                .limit(_BATCH)
            )
        )
        yield from page
        if len(page) < _BATCH:
            return
        after = (page[-1].customer_id, page[-1].subject)
