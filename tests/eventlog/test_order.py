"""The log's order: `seq` follows the order in which a transaction recorded its events, on
every backend (PostgreSQL numbers a flush's new events before inserting them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from firstmile.eventlog import service as eventlog
from firstmile.eventlog.models import Event


def test_events_of_one_flush_are_numbered_in_the_order_recorded(db: Session) -> None:
    recorded = [
        eventlog.record(db, "crm.contact_logged", actor="test", payload={"n": n}) for n in range(30)
    ]
    db.flush()
    seqs = [e.seq for e in recorded]
    assert all(isinstance(s, int) for s in seqs)
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 30
    later = eventlog.record(db, "crm.contact_logged", actor="test", payload={"n": 30})
    db.commit()
    assert later.seq > seqs[-1]
    stored = db.scalars(select(Event.payload).order_by(Event.seq)).all()
    assert [p["n"] for p in stored] == list(range(31))


def test_a_rolled_back_flush_keeps_nothing_and_the_next_one_numbers_afresh(db: Session) -> None:
    with db.begin_nested() as savepoint:
        eventlog.record(db, "crm.contact_logged", actor="test", payload={"n": "gone"})
        db.flush()
        savepoint.rollback()
    kept = eventlog.record(db, "crm.contact_logged", actor="test", payload={"n": "kept"})
    db.commit()
    rows = db.execute(select(Event.seq, Event.payload)).all()
    assert [(seq, payload) for seq, payload in rows] == [(kept.seq, {"n": "kept"})]


def test_a_flush_stores_every_field_of_its_events_as_recorded(db: Session) -> None:
    """On PostgreSQL a flush's events are written apart from the unit of work; the rows
    hold what the objects held, and a read after the commit finds each one."""
    recorded = [
        eventlog.record(
            db,
            "crm.contact_logged",
            actor=f"staff:{n}",
            customer_id=f"customer-{n % 2}",
            subject_id=f"subject-{n}",
            payload={"n": n, "text": "Ahoj, مرحبا, こんにちは"},
        )
        for n in range(6)
    ]
    db.commit()
    for event in recorded:
        db.expire_all()
        stored = db.get(Event, event.seq)
        assert stored is not None
        assert (stored.id, stored.type, stored.actor, stored.customer_id, stored.subject_id) == (
            event.id,
            event.type,
            event.actor,
            event.customer_id,
            event.subject_id,
        )
        assert stored.payload == event.payload
        assert (stored.occurred_at, stored.recorded_at) == (event.occurred_at, event.recorded_at)
        assert (stored.version, stored.source, stored.subject_type) == (
            event.version,
            event.source,
            event.subject_type,
        )
