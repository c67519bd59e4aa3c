"""First-bill preview of a real order, placed through catalog and orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.billing import service as billing_service
from firstmile.billing.schemas import BillingAccountCreate, SepaDirectDebitCreate
from firstmile.catalog import pricing
from firstmile.kit import time as clock
from firstmile.orders.models import Order
from tests.factories import orders as order_factory
from tests.factories.billing import billing_account_body, sepa_body

MID_CYCLE = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen(sessions: sessionmaker[Session]) -> Iterator[None]:
    with clock.frozen_at(MID_CYCLE):
        yield


@pytest.fixture
def placed(db: Session, telco: str) -> Order:
    return order_factory.order(db)


def test_preview_of_a_placed_order_prorates_from_a_mid_cycle_start(
    db: Session, placed: Order
) -> None:
    body = billing_account_body(placed.account_id, cycle_day=1)
    billing = billing_service.create_billing_account(db, BillingAccountCreate(**body), actor=SYSTEM)
    billing_service.add_payment_method(
        db, billing.id, SepaDirectDebitCreate(**sepa_body()), actor=SYSTEM
    )
    preview = billing_service.first_bill_preview(db, billing.id, locale="cs")
    start = max(clock.utcnow().date(), datetime.fromisoformat(placed.snapshot["start_date"]).date())
    expected = pricing.bill_preview(placed.snapshot, start=start, cycle_day=1)
    (summary,) = preview["orders"]
    assert summary["order_id"] == placed.id
    assert summary["days"] < summary["cycle_days"]
    assert preview["first_bill"]["gross"] == expected["first"]["gross"]
    assert preview["regular_bill"]["gross"] == expected["regular"]["gross"]
    assert Decimal(preview["first_bill"]["gross"]) > 0
    assert preview["first_bill"]["due_date"] == "2026-04-15"
    assert preview["payment"]["method"]["iban_masked"].endswith("5399")
    assert "Kč" in preview["first_bill"]["gross_formatted"]
    assert preview["billable"] is False  # nothing active yet


def test_preview_uses_the_billing_accounts_own_cycle_day(db: Session, placed: Order) -> None:
    body = billing_account_body(placed.account_id, cycle_day=20)
    billing = billing_service.create_billing_account(db, BillingAccountCreate(**body), actor=SYSTEM)
    preview = billing_service.first_bill_preview(db, billing.id, locale="ar")
    assert preview["orders"][0]["first_period_end"] == "2026-03-19"
    assert preview["direction"] == "rtl"
    assert preview["payment"]["method"] is None


def test_a_feature_switched_after_activation_changes_the_regular_bill(
    db: Session, telco: str
) -> None:
    """A paid feature switched on (a modify order, no new contract) is billed at the price
    its order locked; switched off again, it no longer is."""
    from firstmile.orders import service as orders_service

    order = order_factory.order(db, {"offering": "fibre-300"})
    order_factory.sign(db, order)
    db.commit()
    for item in orders_service.get_order(db, order.id).items:
        order_factory.activated(db, order.id, item.id)
    db.commit()
    billing = billing_service.create_billing_account(
        db, BillingAccountCreate(**billing_account_body(order.account_id)), actor=SYSTEM
    )
    db.commit()

    def regular() -> Decimal:
        return Decimal(billing_service.first_bill_preview(db, billing.id)["regular_bill"]["gross"])

    def switch(on: bool) -> Decimal:
        product_id = orders_service.get_order(db, order.id).items[0].product_id
        change = orders_service.change_features(
            db, product_id=product_id, features={"content-filter": on}, actor=order_factory.AGENT
        )
        db.commit()
        order_factory.activated(db, change.id, change.items[0].id)
        db.commit()
        return Decimal(change.monthly_gross)

    before = regular()
    added = switch(True)
    assert added > 0
    assert regular() == before + added
    names = [
        line["code"]
        for line in billing_service.first_bill_preview(db, billing.id)["regular_bill"]["lines"]
    ]
    assert "content-filter" in names
    switch(False)
    assert regular() == before
