"""Concurrent registrations with separate sessions and threads (real locking on PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.customers.models import Account
from firstmile.customers.service import accounts as accounts_module
from firstmile.kit.db import new_id
from tests.factories import customers as make

CLASHING = "1234567897"
THREADS = 4


def test_concurrent_registrations_never_share_an_account_number(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every thread first draws the same number; all but one must retry and still succeed."""
    real = accounts_module.new_account_number
    local = threading.local()

    def first_clashes() -> str:
        if not getattr(local, "drawn", False):
            local.drawn = True
            return CLASHING
        return real()

    monkeypatch.setattr(accounts_module, "new_account_number", first_clashes)
    monkeypatch.setattr(accounts_module.repo, "account_number_taken", lambda _db, _n: False)
    start = threading.Barrier(THREADS)

    def register(index: int) -> str:
        local.drawn = False
        with sessions() as db:
            start.wait(timeout=10)
            customer = make.registered(db, customer=make.person(given_name=f"P{index}{new_id()}"))
            db.commit()
            return customer.id

    with ThreadPoolExecutor(THREADS) as pool:
        ids = list(pool.map(register, range(THREADS)))

    with sessions() as db:
        numbers = list(db.scalars(select(Account.number).where(Account.customer_id.in_(ids))))
    assert len(numbers) == THREADS
    assert len(set(numbers)) == THREADS
    assert numbers.count(CLASHING) == 1
