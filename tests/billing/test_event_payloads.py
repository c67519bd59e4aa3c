"""Billing events name what changed but never carry an email address or a person's name:
the event log is kept after an erasure, so it must hold no personal value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from firstmile.auth.scopes import SYSTEM
from firstmile.billing import service as billing_service
from firstmile.billing.models import BillingAccount
from firstmile.billing.schemas import (
    BillingAccountCreate,
    BillingAccountUpdate,
    SepaDirectDebitCreate,
)
from firstmile.eventlog.models import Event
from firstmile.kit import time as clock
from tests.factories.billing import (
    billing_account_body,
    customer_account,
    pack_meta_only,
    sepa_body,
)

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def billing(db: Session) -> BillingAccount:
    pack_meta_only(db)
    _customer, account = customer_account(db)
    body = billing_account_body(account.id, bill_email="eva@example.com")
    created = billing_service.create_billing_account(db, BillingAccountCreate(**body), actor=SYSTEM)
    db.commit()
    return created


def _event(db: Session, kind: str) -> Event:
    return db.scalars(select(Event).where(Event.type == kind)).one()


def test_a_bill_email_change_is_recorded_by_name_only(db: Session, billing: BillingAccount) -> None:
    data = BillingAccountUpdate(bill_email="bills@example.com", cycle_day=15)
    billing_service.update_billing_account(db, billing.id, data, actor=SYSTEM)
    event = _event(db, "billing_account.updated")
    assert event.version == 2
    assert event.payload["fields"] == ["bill_email", "cycle_day"]
    assert event.payload["changes"] == {"cycle_day": {"from": "1", "to": 15}}
    assert "example.com" not in str(event.payload)


def test_a_signed_mandate_says_whether_the_holder_signed_not_who(
    db: Session, billing: BillingAccount
) -> None:
    with clock.frozen_at(NOW):
        for signer in (None, "Jana Svobodová"):
            body = sepa_body(mandate_signed_by=signer) if signer else sepa_body()
            billing_service.add_payment_method(
                db, billing.id, SepaDirectDebitCreate(**body), actor=SYSTEM
            )
    events = db.scalars(
        select(Event).where(Event.type == "mandate.signed").order_by(Event.seq)
    ).all()
    assert [e.payload["signed_by_holder"] for e in events] == [True, False]
    assert [e.version for e in events] == [2, 2]
    payloads = str([e.payload for e in events])
    assert "Nováková" not in payloads
    assert "Svobodová" not in payloads
