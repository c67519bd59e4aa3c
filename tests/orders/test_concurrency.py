"""Two agents ordering the same quote at once: exactly one order, the other a conflict."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit.errors import Conflict
from firstmile.orders import service
from firstmile.orders.models import Order
from tests.factories import orders as f


def _place(sessions: sessionmaker[Session], quote_id: str, barrier: threading.Barrier) -> str:
    with sessions() as db:
        barrier.wait()
        try:
            service.place_order(db, quote_id=quote_id, actor=f.AGENT)
            db.commit()
        except Conflict:
            db.rollback()
            return "conflict"
        return "placed"


def test_concurrent_orders_of_one_quote_place_one(
    telco: str, sessions: sessionmaker[Session]
) -> None:
    with sessions() as db:
        quote_id = f.quote(db, {"offering": "mobile-10gb"}).id
    barrier = threading.Barrier(4)
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(_place(sessions, quote_id, barrier)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["conflict", "conflict", "conflict", "placed"]
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(Order)) == 1
