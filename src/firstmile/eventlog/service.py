"""Writing and reading the event log. Never commits: the caller's transaction holds the change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from firstmile.eventlog import catalogue
from firstmile.eventlog import repository as repo
from firstmile.eventlog.models import Event
from firstmile.kit.db import Session, new_id
from firstmile.kit.errors import InvalidInput
from firstmile.kit.time import utcnow

Handler = Callable[[Session, Event], None]
_handlers: dict[str, list[Handler]] = {}


def on(event_type: str) -> Callable[[Handler], Handler]:
    """Subscribe a domain function to an event type ("*": every event); it runs inside the
    recording transaction."""

    def register(fn: Handler) -> Handler:
        _handlers.setdefault(event_type, []).append(fn)
        return fn

    return register


def record(
    db: Session,
    event_type: str,
    *,
    actor: str,
    customer_id: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    payload: dict[str, Any] | None = None,
    source: str = "firstmile",
    idempotency_key: str | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """Append an event in the current transaction and run its subscribers.

    The row is inserted with the session's next flush (any query, or the commit): a request
    that records several events sends them together."""
    declared = catalogue.lookup(event_type)
    now = utcnow()
    event = Event(
        id=new_id(),
        type=event_type,
        version=declared.version,
        customer_id=customer_id,
        subject_type=subject_type or declared.subject,
        subject_id=subject_id,
        payload=payload or {},
        actor=actor,
        source=source,
        idempotency_key=idempotency_key,
        occurred_at=occurred_at or now,
        recorded_at=now,
    )
    db.add(event)
    for handler in (*_handlers.get(event_type, ()), *_handlers.get("*", ())):
        handler(db, event)
    return event


def ingest(
    db: Session,
    *,
    event_type: str,
    source: str,
    idempotency_key: str,
    actor: str,
    customer_id: str | None = None,
    subject_id: str | None = None,
    payload: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> tuple[Event, bool]:
    """Record an event from outside once per (source, idempotency key).

    Returns the event and whether it was new. A repeat with a different body is a conflict
    of meaning, so it is refused rather than silently ignored.
    """
    if not catalogue.lookup(event_type).external:
        raise InvalidInput(f"event type {event_type!r} cannot be sent from outside", field="type")
    existing = repo.find_by_key(db, source, idempotency_key)
    if existing is not None:
        if existing.type != event_type or existing.payload != (payload or {}):
            raise InvalidInput(
                "idempotency key already used for a different event",
                field="idempotency_key",
            )
        return existing, False
    event = record(
        db,
        event_type,
        actor=actor,
        customer_id=customer_id,
        subject_id=subject_id,
        payload=payload,
        source=source,
        idempotency_key=idempotency_key,
        occurred_at=occurred_at,
    )
    db.flush()  # a concurrent duplicate fails here, on its unique key
    return event, True


def timeline(db: Session, customer_id: str, *, after_seq: int = 0, limit: int = 100) -> list[Event]:
    return repo.for_customer(db, customer_id, after_seq=after_seq, limit=limit)
