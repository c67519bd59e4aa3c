"""Two agents deciding one case, or one customer starting twice, at the same moment: decided
once, started once. Real threads, separate sessions (PostgreSQL row and advisory locks;
SQLite's single writer serialises them anyway)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.eventlog.models import Event
from firstmile.kyc import service
from firstmile.kyc.models import Verification
from tests.factories import customers as make
from tests.kyc.test_verification import submitted

# A typo in the surname: the case goes to an agent.
TYPO = service.Typed(
    surname="Novak", given_names="Eva", birth_date=date(1985, 3, 4), document_number="40123456"
)


def _at_once(sessions: sessionmaker[Session], *calls: Callable[[Session], Any]) -> list[str]:
    barrier = threading.Barrier(len(calls))
    out = [""] * len(calls)

    def run(i: int) -> None:
        with sessions() as db:
            barrier.wait()
            try:
                calls[i](db)
                db.commit()
                out[i] = "ok"
            except Exception as exc:  # the outcome is what the test checks
                db.rollback()
                out[i] = type(exc).__name__

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return out


@pytest.mark.parametrize("second", ["approve", "reject"])
def test_two_agents_deciding_one_case_decide_once(
    telco: str, sessions: sessionmaker[Session], second: str
) -> None:
    with sessions() as db:
        customer_id = make.registered(db).id
        verification_id = submitted(db, customer_id, TYPO).id
        db.commit()

    def decide(action: str) -> Callable[[Session], Any]:
        return lambda db: getattr(service, action)(db, verification_id, actor=SYSTEM, note="x")

    assert sorted(_at_once(sessions, decide("approve"), decide(second))) == ["Conflict", "ok"]
    with sessions() as db:
        decisions = db.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.customer_id == customer_id)
            .where(Event.type.in_(["kyc.approved", "kyc.rejected"]))
        )
        assert decisions == 1


def test_starting_three_times_at_once_opens_one_verification(
    telco: str, sessions: sessionmaker[Session]
) -> None:
    with sessions() as db:
        customer_id = make.registered(db).id
        db.commit()

    def start(db: Session) -> Any:
        return service.start(db, customer_id, actor=SYSTEM)

    assert _at_once(sessions, start, start, start) == ["ok", "ok", "ok"]
    with sessions() as db:
        count = select(func.count()).select_from(Verification)
        assert db.scalar(count.where(Verification.customer_id == customer_id)) == 1
