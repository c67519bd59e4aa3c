from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, insert, select
from sqlalchemy.orm.base import instance_state

from firstmile.eventlog.models import Event
from firstmile.kit.db import Session

# A flush's new events (four or more) are written here, not by the unit of work. Their
# `seq` is known first, in the order they were recorded (the numbers the column would have
# given them: the log's order is unchanged): on PostgreSQL drawn from its sequence in one
# query; on SQLite the next after the largest, which is what SQLite itself would assign,
# and safe because a transaction there holds the database's write lock from its BEGIN
# (kit/db.make_engine). The rows then go in one executemany of a plain INSERT built from
# the objects' values, and the objects leave the session: an event never changes after it
# is recorded, nothing refers to one by relationship, and a later read loads the stored
# row. The unit of work's bookkeeping per object was most of what a journey batch spent on
# its events.
_WRITE_FROM = 4
_COLUMNS = tuple(c.key for c in Event.__table__.columns)


@sa_event.listens_for(Session, "before_flush")
def _write_new_events(db: Session, _context: Any, _instances: Any) -> None:
    new = [o for o in db.new if type(o) is Event and o.seq is None]
    if len(new) < _WRITE_FROM:
        return  # one INSERT ... RETURNING each: as few round trips, nothing to draw first
    new.sort(key=lambda e: instance_state(e).insert_order or 0)
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        series = func.generate_series(1, len(new)).table_valued("n")
        draw = select(func.nextval(func.pg_get_serial_sequence("events", "seq")))
        seqs = sorted(connection.execute(draw.select_from(series)).scalars())
    else:
        last = connection.execute(select(func.coalesce(func.max(Event.seq), 0))).scalar_one()
        seqs = list(range(last + 1, last + 1 + len(new)))
    rows = []
    for event, seq in zip(new, seqs, strict=True):
        event.seq = seq
        values = event.__dict__
        rows.append({name: values[name] for name in _COLUMNS})
        db.expunge(event)
    connection.execute(insert(Event), rows)


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
