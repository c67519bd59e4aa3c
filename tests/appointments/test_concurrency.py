"""Many requests at once, each with its own session and transaction, as web workers do.

On PostgreSQL these race for real (row locks decide); on SQLite the writer lock serialises
them, and the same outcome must hold.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from firstmile.appointments import service
from firstmile.appointments.models import Slot
from firstmile.auth.scopes import SYSTEM
from firstmile.kit.errors import Conflict
from firstmile.kit.time import utcnow
from tests.factories import appointments as f

THREADS = 20


def _race(sessions: sessionmaker[Session], attempts: list[Callable[[Session], object]]) -> int:
    """Run every attempt in its own thread and transaction at once; returns how many won."""
    barrier = threading.Barrier(len(attempts))
    wins: list[int] = []
    lock = threading.Lock()

    def run(attempt: Callable[[Session], object]) -> None:
        with sessions() as db:
            barrier.wait()
            try:
                attempt(db)
                db.commit()
            except Conflict:
                db.rollback()
                return
        with lock:
            wins.append(1)

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return len(wins)


def _slot_with_customers(sessions: sessionmaker[Session], capacity: int) -> tuple[str, list[str]]:
    with sessions() as db:
        slot = f.slot(db, f.calendar(db, capacity=capacity))
        customers = [f.customer(db, given_name=f"C{i}").id for i in range(THREADS)]
        db.commit()
        return slot.id, customers


def _booker(slot_id: str, customer_id: str) -> Callable[[Session], object]:
    return lambda db: service.book(
        db, slot_id=slot_id, customer_id=customer_id, purpose="registration", actor=SYSTEM
    )


def _booked(sessions: sessionmaker[Session], slot_id: str) -> int:
    with sessions() as db:
        return db.get_one(Slot, slot_id).booked


def test_twenty_requests_for_one_place_book_it_once(sessions: sessionmaker[Session]) -> None:
    slot_id, customers = _slot_with_customers(sessions, capacity=1)
    assert _race(sessions, [_booker(slot_id, c) for c in customers]) == 1
    assert _booked(sessions, slot_id) == 1


def test_twenty_requests_for_three_places_book_three(sessions: sessionmaker[Session]) -> None:
    slot_id, customers = _slot_with_customers(sessions, capacity=3)
    assert _race(sessions, [_booker(slot_id, c) for c in customers]) == 3
    assert _booked(sessions, slot_id) == 3
    with sessions() as db:
        assert len(service.free_slots(db, calendar_kind="sales")) == 0


def test_concurrent_reschedules_into_the_last_place_one_wins(
    sessions: sessionmaker[Session],
) -> None:
    bookings = []
    with sessions() as db:
        cal = f.calendar(db)
        target = f.slot(db, cal, starts_at=utcnow() + timedelta(days=5))
        for i in range(THREADS):
            slot = f.slot(db, cal, starts_at=utcnow() + timedelta(days=1, minutes=30 * i))
            bookings.append(f.booking(db, slot).id)
        db.commit()
    moves = [
        (lambda db, b=b: service.reschedule(db, b, slot_id=target.id, actor=SYSTEM))
        for b in bookings
    ]
    assert _race(sessions, moves) == 1
    assert _booked(sessions, target.id) == 1
    with sessions() as db:
        remaining = service.free_slots(db, calendar_kind="sales", limit=100)
        assert len(remaining) == 1  # the one old slot the winner left


def test_concurrent_cancels_free_the_place_once(sessions: sessionmaker[Session]) -> None:
    with sessions() as db:
        slot = f.slot(db, f.calendar(db, capacity=2))
        booking = f.booking(db, slot)
        f.booking(db, slot)
        db.commit()
    cancel = lambda db: service.cancel(db, booking.id, actor=SYSTEM)  # noqa: E731
    assert _race(sessions, [cancel] * 10) == 1
    assert _booked(sessions, slot.id) == 1


def test_a_booking_moved_meanwhile_is_still_found(sessions: sessionmaker[Session]) -> None:
    """Two reschedules of one booking at once: the second finds the booking where the first
    moved it (a lock taken through the join to the old slot answered 404)."""
    for i in range(4):
        with sessions() as db:
            cal = f.calendar(db, code=f"moved-{i}")
            first = f.slot(db, cal, starts_at=utcnow() + timedelta(days=1, hours=i))
            second = f.slot(db, cal, starts_at=utcnow() + timedelta(days=2, hours=i))
            third = f.slot(db, cal, starts_at=utcnow() + timedelta(days=3, hours=i))
            booking = f.booking(db, first).id
            db.commit()
            targets = (second.id, third.id)
        moves = [
            (lambda db, t=t, b=booking: service.reschedule(db, b, slot_id=t, actor=SYSTEM))
            for t in targets
        ]
        assert _race(sessions, moves) == 2  # NotFound is not a Conflict: it would escape
        assert _booked(sessions, targets[0]) + _booked(sessions, targets[1]) == 1
