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
