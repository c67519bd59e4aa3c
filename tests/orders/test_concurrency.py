"""Two agents ordering the same quote at once: exactly one order, the other a conflict."""

from __future__ import annotations

import threading

import httpx
from fastapi.testclient import TestClient
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


def test_the_same_idempotency_key_twice_at_once_answers_both_alike(
    telco: str, client: TestClient, agent: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    """The repeat waits for the first request and gets its answer (not a 409 of its own)."""
    with sessions() as db:
        quote_id = f.quote(db, {"offering": "mobile-10gb"}).id
    headers = {**agent, "Idempotency-Key": "twice-at-once"}
    barrier = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def post() -> None:
        barrier.wait()
        answers.append(client.post("/api/orders", json={"quote_id": quote_id}, headers=headers))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert sorted(str(a.headers.get("Idempotent-Replayed")) for a in answers) == ["None", "true"]
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(Order)) == 1
