"""Frequency caps under concurrency: sends to one customer at the same moment, each in its own
transaction as separate worker processes would, never go past the cap (on PostgreSQL they
wait for each other's count; SQLite's single writer serialises them anyway)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.messaging import service
from firstmile.messaging.models import Message, MessageStatus
from tests.factories.messaging import customer, message_template, policy

HELLO = {"en": {"subject": "Hello", "body": "Hello {{ name }}."}}
SENDS = 6


def _send(
    sessions: sessionmaker[Session], customer_id: str, n: int, barrier: threading.Barrier
) -> None:
    with sessions() as db:
        barrier.wait()
        service.send(
            db,
            customer_id=customer_id,
            purpose="offer",
            data={"name": "Eva"},
            idempotency_key=f"offer-{customer_id}-{n}",
            actor=SYSTEM,
        )
        db.commit()


def test_sends_at_once_to_one_customer_keep_the_cap(
    sessions: sessionmaker[Session], daytime: None
) -> None:
    with sessions() as db:
        policy(db, caps={"marketing": {"email": (1, 7)}})
        message_template(db, "offer", HELLO, klass="marketing", channels=("email",))
        customer_id = customer(db, consents={("marketing", "email"): True}, preferred=["email"]).id
        db.commit()
    barrier = threading.Barrier(SENDS)
    threads = [
        threading.Thread(target=_send, args=(sessions, customer_id, n, barrier))
        for n in range(SENDS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with sessions() as db:
        statuses = db.scalars(select(Message.status).where(Message.customer_id == customer_id))
        counted = [s for s in statuses if s != MessageStatus.SUPPRESSED]
        assert len(counted) == 1
        assert db.scalar(select(func.count()).select_from(Message)) == SENDS
