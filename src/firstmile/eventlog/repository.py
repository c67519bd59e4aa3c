from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from firstmile.eventlog.models import Event
from firstmile.kit.db import Session


def find_by_key(db: Session, source: str, key: str) -> Event | None:
    return db.scalar(select(Event).where(Event.source == source, Event.idempotency_key == key))


def for_customer(
    db: Session,
    customer_id: str,
    *,
    after_seq: int = 0,
    limit: int = 100,
    types: Sequence[str] = (),
    since: datetime | None = None,
) -> list[Event]:
    stmt = select(Event).where(Event.customer_id == customer_id, Event.seq > after_seq)
    if types:
        stmt = stmt.where(Event.type.in_(types))
    if since is not None:
        stmt = stmt.where(Event.occurred_at >= since)
    return list(db.scalars(stmt.order_by(Event.seq).limit(limit)))


def for_subject(db: Session, subject_type: str, subject_id: str) -> list[Event]:
    stmt = select(Event).where(Event.subject_type == subject_type, Event.subject_id == subject_id)
    return list(db.scalars(stmt.order_by(Event.seq)))


def has_event(db: Session, customer_id: str, event_type: str) -> bool:
    stmt = select(Event.seq).where(Event.customer_id == customer_id, Event.type == event_type)
    return db.scalar(stmt.limit(1)) is not None
