"""Concurrent additions of payment methods: threads with their own sessions and transactions."""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.billing import service as billing_service
from firstmile.billing.models import PaymentMethod
from firstmile.billing.schemas import BillingAccountCreate, SepaDirectDebitCreate
from tests.factories.billing import (
    billing_account_body,
    customer_account,
    pack_meta_only,
    sepa_body,
)

WORKERS = 6


def test_concurrent_mandates_get_distinct_references_and_one_default(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as s:
        pack_meta_only(s)
        _c, account = customer_account(s)
        billing = billing_service.create_billing_account(
            s, BillingAccountCreate(**billing_account_body(account.id)), actor=SYSTEM
        )
        s.commit()
        billing_id = billing.id
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def add() -> None:
        with sessions() as s:
            try:
                barrier.wait()
                billing_service.add_payment_method(
                    s, billing_id, SepaDirectDebitCreate(**sepa_body()), actor=SYSTEM
                )
                s.commit()
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=add) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sessions() as s:
        methods = list(s.scalars(select(PaymentMethod)))
    assert len({m.mandate_reference for m in methods}) == WORKERS
    assert sum(m.is_default for m in methods) == 1
