"""Screening: load lists, screen customers, re-screen after a load, record reviewers'
decisions. Never commits; the caller owns the transaction.

Hits: a match of a customer with a list entry is recorded once per version of the entry
(its content hash). A hit marked false positive stays silent while the entry is unchanged;
when the entry changes (a new hash) a match is a new open hit. An open or confirmed hit is
returned again by the next screening, not duplicated.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from firstmile.auth.scopes import Actor
from firstmile.kit.db import Session, new_id, serialize_on
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.kit.time import utcnow
from firstmile.kyc.screening import loaders, repository
from firstmile.kyc.screening.entries import ParsedEntry, Schema
from firstmile.kyc.screening.errors import HitAlreadyDecided
from firstmile.kyc.screening.index import Index
from firstmile.kyc.screening.matching import DEFAULT_THRESHOLD, Match, Query, search
from firstmile.kyc.screening.models import (
    Hit,
    HitDecision,
    HitStatus,
    ListEntry,
    ScreenedSubject,
    ScreeningList,
)


@dataclass
class LoadResult:
    """What a load changed: entry ids added, changed (or back after removal), removed."""

    source: str
    format: str
    load_id: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "load_id": self.load_id,
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


# -- lists ------------------------------------------------------------------------------------


def load_file(
    db: Session, format: str, path: Path, *, source: str | None = None, aliases: Path | None = None
) -> LoadResult:
    """Read a list file (see `loaders.parse`) and load it as `source` (default: the format)."""
    parsed = loaders.parse(format, path, aliases=aliases)
    return load_entries(db, source or format, format, parsed.entries, skipped=parsed.skipped)


def load_entries(
    db: Session, source: str, format: str, entries: list[ParsedEntry], *, skipped: int = 0
) -> LoadResult:
    """Make `source` hold exactly `entries`: new external ids are added, those whose content
    hash differs are changed, those missing are marked removed; the rest stay as they are."""
    if not source or len(source) > 40:
        raise InvalidInput("must be 1 to 40 characters", field="source")
    serialize_on(db, f"kyc.screening.load:{source}")
    listed = db.get(ScreeningList, source)
    if listed is None:
        listed = ScreeningList(source=source, format=format, load_id=new_id())
        db.add(listed)
        db.flush()
    existing = repository.entries_of(db, source)
    result = LoadResult(source, format, new_id(), skipped=skipped)
    now = utcnow()
    for entry in entries:
        row = existing.pop(entry.external_id, None)
        digest = entry.content_hash()
        if row is None:
            row = ListEntry(
                id=new_id(), source=source, external_id=entry.external_id, first_seen_at=now
            )
            _fill(row, entry, digest)
            db.add(row)
            result.added.append(row.id)
        elif row.content_hash != digest or row.removed_at is not None:
            _fill(row, entry, digest)
            row.changed_at, row.removed_at = now, None
            result.changed.append(row.id)
        else:
            result.unchanged += 1
    for row in existing.values():
        if row.removed_at is None:
            row.removed_at = now
            result.removed.append(row.id)
    listed.format, listed.load_id, listed.loaded_at = format, result.load_id, now
    listed.entry_count = len(entries)
    db.flush()
    return result


def _fill(row: ListEntry, entry: ParsedEntry, digest: str) -> None:
    content = entry.content()
    row.schema = content["schema"]
    row.names, row.birth_dates = content["names"], content["birth_dates"]
    row.countries, row.topics = content["countries"], content["topics"]
    row.details, row.content_hash = content["details"], digest


# -- matching ---------------------------------------------------------------------------------

_indexes: dict[str, tuple[tuple[tuple[str, str], ...], Index]] = {}
_indexes_lock = threading.Lock()


def current_index(db: Session) -> Index:
    """The in-memory index of every entry not removed, rebuilt when any list was loaded
    since it was built (one small query tells), one per database per process."""
    stamp = repository.list_stamp(db)
    key = str(db.get_bind().engine.url)
    with _indexes_lock:
        cached = _indexes.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    index = Index(repository.listings(db))
    with _indexes_lock:
        _indexes[key] = (stamp, index)
    return index


def match(
    db: Session,
    name: str,
    *,
    birth_date: date | None = None,
    country: str | None = None,
    schema: Schema | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Match]:
    """The entries that match, best first, with the reasons; nothing is recorded."""
    query = _query(name, birth_date, country, schema)
    return search(current_index(db), query, _threshold(threshold))


def _query(name: str, birth_date: date | None, country: str | None, schema: Schema | None) -> Query:
    if not name.strip():
        raise InvalidInput("is empty", field="name")
    if country is not None and not (len(country) == 2 and country.isalpha()):
        raise InvalidInput("must be an ISO 3166 alpha-2 code", field="nationality")
    return Query(name, birth_date, country.upper() if country else None, schema)


def _schema(schema: Schema | str | None) -> Schema | None:
    if schema is None or isinstance(schema, Schema):
        return schema
    try:
        return Schema(schema)
    except ValueError:
        raise InvalidInput("must be person, company or other", field="schema") from None


def _threshold(threshold: float) -> float:
    if not 0.0 < threshold <= 1.0:
        raise InvalidInput("must be above 0 and at most 1", field="threshold")
    return threshold


# -- customers --------------------------------------------------------------------------------


def screen_customer(
    db: Session,
    customer_id: str,
    name: str,
    birth_date: date | None,
    nationality: str | None,
    schema: Schema | str | None,
    *,
    subject: str = "customer",
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Hit]:
    """Screen a customer against every list: the hits that stand now (open or confirmed,
    new or recorded before), best first. Hits the reviewer marked false positive on the
    same version of an entry are not returned. What the customer was screened as is kept
    for re-screening after the next list load."""
    query = _query(name, birth_date, nationality, _schema(schema))
    serialize_on(db, f"kyc.screening.customer:{customer_id}")
    screened = db.get(ScreenedSubject, (customer_id, subject))
    if screened is None:
        screened = ScreenedSubject(customer_id=customer_id, subject=subject)
        db.add(screened)
    screened.name, screened.birth_date, screened.nationality = query.name, birth_date, query.country
    screened.schema = query.schema.value if query.schema else None
    screened.screened_at = utcnow()
    matches = search(current_index(db), query, _threshold(threshold))
    return [hit for hit, _created in _record(db, customer_id, matches)]


def rescreen_after_load(
    db: Session, load_result: LoadResult, *, threshold: float = DEFAULT_THRESHOLD
) -> list[Hit]:
    """Screen every customer screened before against the entries `load_result` added or
    changed only; the new hits (recorded, open)."""
    ids = load_result.added + load_result.changed
    if not ids:
        return []
    index = Index(repository.listings(db, ids))
    created: list[Hit] = []
    for subject in repository.subjects(db):
        schema = Schema(subject.schema) if subject.schema else None
        query = Query(subject.name, subject.birth_date, subject.nationality, schema)
        matches = search(index, query, _threshold(threshold))
        created += [hit for hit, new in _record(db, subject.customer_id, matches) if new]
    return created


def _record(db: Session, customer_id: str, matches: list[Match]) -> list[tuple[Hit, bool]]:
    """The hit standing for each match, recorded if new (True), skipped if a reviewer
    called it a false positive on this version of the entry."""
    ids = [m.listing.id for m in matches]
    known = {(h.entry_id, h.entry_hash): h for h in repository.hits_of(db, customer_id, ids)}
    out: list[tuple[Hit, bool]] = []
    for found in matches:
        hit = known.get((found.listing.id, found.listing.content_hash))
        if hit is None:
            hit = Hit(customer_id=customer_id, entry_id=found.listing.id,
                      entry_hash=found.listing.content_hash, status=HitStatus.OPEN)  # fmt: skip
            db.add(hit)
            out.append((_refresh(hit, found), True))
        elif hit.status == HitStatus.OPEN:
            out.append((_refresh(hit, found), False))
        elif hit.status == HitStatus.CONFIRMED:
            out.append((hit, False))
    db.flush()
    return out


def _refresh(hit: Hit, found: Match) -> Hit:
    """An open hit carries the latest score and reasons."""
    hit.score, hit.query_name, hit.explanation = found.score, found.query.text, found.to_dict()
    return hit


def hits_of(db: Session, customer_id: str) -> list[Hit]:
    """Every hit ever recorded for the customer, oldest first, whatever its status."""
    return repository.hits_of(db, customer_id)


def describe(hit: Hit) -> str:
    """One line for a reviewer: the entry, the score, which names matched, and the date of
    birth and nationality effects ("OFAC 7531 SMITH, John (sanction): 0.93; John Smith ~
    SMITH, John; same date of birth 1962-05-01 (+0.1); GB, listed IR (-0.1)")."""
    found = hit.explanation
    entry, name = found.get("entry", {}), found.get("name", {})
    effects = [
        f"{part['reason']} ({part['effect']:+})"
        for part in (found.get("birth_date"), found.get("nationality"))
        if part and part.get("effect")
    ]
    topics = ", ".join(entry.get("topics", [])) or "listed"
    head = f"{str(entry.get('source', '')).upper()} {entry.get('external_id', '')}"
    text = f"{head} {entry.get('name', '')} ({topics}): {hit.score:.2f}"
    return "; ".join([text, f"{name.get('query', '')} ~ {name.get('listed', '')}", *effects])


def get_hit(db: Session, hit_id: str) -> Hit:
    found = db.get(Hit, hit_id)
    if found is None:
        raise NotFound("screening hit", hit_id)
    return found


# -- decisions --------------------------------------------------------------------------------


def mark_false_positive(db: Session, hit_id: str, actor: Actor, note: str) -> Hit:
    """Not this customer: the hit stays silent until the list entry changes."""
    return _decide(db, hit_id, HitStatus.FALSE_POSITIVE, actor, note)


def confirm(db: Session, hit_id: str, actor: Actor, note: str) -> Hit:
    """The customer is the listed person or organisation."""
    return _decide(db, hit_id, HitStatus.CONFIRMED, actor, note)


def _decide(db: Session, hit_id: str, status: HitStatus, actor: Actor, note: str) -> Hit:
    if not note.strip():
        raise InvalidInput("say why", field="note")
    serialize_on(db, f"kyc.screening.hit:{hit_id}")
    hit = get_hit(db, hit_id)
    db.refresh(hit)  # the decision of a concurrent reviewer, if any, is seen
    if hit.status != HitStatus.OPEN:
        raise HitAlreadyDecided(f"hit {hit_id} is already {hit.status}", status=hit.status)
    now = utcnow()
    hit.status, hit.decided_at, hit.decided_by, hit.decision_note = status, now, actor.ref, note
    db.add(HitDecision(hit_id=hit.id, decision=status, actor=actor.ref, note=note, at=now))
    db.flush()
    return hit
