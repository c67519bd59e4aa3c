"""Placing orders, and the order's life driven by contract and provisioning events."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from firstmile.catalog.models import Quote, QuoteStatus
from firstmile.customers.models import Account, AccountStatus, Customer, CustomerStatus
from firstmile.kit import time as clock
from firstmile.kit.errors import Conflict, NotFound
from firstmile.orders import service
from firstmile.orders.models import ItemStatus, Order, OrderStatus, Product, ProductStatus
from firstmile.provisioning.models import ServiceOrder
from tests.factories import orders as f


def _products(db: Session, order: Order) -> list[Product]:
    return list(db.scalars(select(Product).where(Product.order_id == order.id)))


def _signed(db: Session, *items: dict[str, object]) -> Order:
    order = f.order(db, *items)
    f.sign(db, order)
    db.commit()
    return service.get_order(db, order.id)


def _activate_all(db: Session, order: Order) -> Order:
    for item in order.items:
        f.activated(db, order.id, item.id)
    db.commit()
    return service.get_order(db, order.id)


def test_place_order_locks_the_quote_snapshot(telco: str, db: Session) -> None:
    quote = f.quote(db, {"offering": "mobile-10gb"})
    order = service.place_order(db, quote_id=quote.id, actor=f.AGENT)
    db.commit()
    assert order.status == OrderStatus.AWAITING_SIGNATURE
    assert order.snapshot == quote.content
    assert (order.currency, order.monthly_gross) == ("CZK", quote.monthly_gross)
    assert db.get(Quote, quote.id).status == QuoteStatus.ORDERED  # type: ignore[union-attr]


def test_place_order_creates_pending_items_and_products(telco: str, db: Session) -> None:
    order = f.order(db, {"offering": "mobile-10gb", "features": {"roaming": False}})
    [product] = _products(db, order)
    assert [i.status for i in order.items] == [ItemStatus.PENDING]
    assert order.items[0].product_id == product.id
    assert product.status == ProductStatus.PENDING
    assert product.features["roaming"] is False


def test_bundle_and_quantity_give_one_product_per_plan_and_unit(telco: str, db: Session) -> None:
    order = f.order(
        db,
        {"offering": "fibre-tv-bundle", "add_ons": ["tv-sports"]},
        {"offering": "mobile-10gb", "quantity": 2},
    )
    codes = [i.offering_code for i in order.items]
    assert codes == ["fibre-300", "tv-basic", "tv-sports", "mobile-10gb", "mobile-10gb"]
    bundled = [p.bundle_code for p in _products(db, order) if p.kind in ("broadband", "tv")]
    assert "fibre-tv-bundle" in bundled


def test_order_placed_event_names_the_customer(telco: str, db: Session) -> None:
    order = f.order(db, {"offering": "mobile-10gb"})
    [event] = f.events_of(db, "order.placed")
    assert (event.customer_id, event.subject_id) == (order.customer_id, order.id)
    assert event.payload["items"][0]["product_id"] == order.items[0].product_id


def test_a_quote_is_ordered_once(telco: str, db: Session) -> None:
    quote = f.quote(db, {"offering": "mobile-10gb"})
    service.place_order(db, quote_id=quote.id, actor=f.AGENT)
    db.commit()
    with pytest.raises(Conflict):
        service.place_order(db, quote_id=quote.id, actor=f.AGENT)


def test_an_expired_quote_cannot_be_ordered(telco: str, db: Session) -> None:
    quote = f.quote(db, {"offering": "mobile-10gb"})
    clock.travel(timedelta(days=60))
    with pytest.raises(Conflict):
        service.place_order(db, quote_id=quote.id, actor=f.AGENT)


@pytest.mark.parametrize("closed", ["customer", "account"])
def test_a_quote_cannot_be_ordered_once_its_customer_or_account_closed(
    telco: str, db: Session, closed: str
) -> None:
    quote = f.quote(db, {"offering": "mobile-10gb"})
    if closed == "customer":
        customer = db.get(Customer, quote.customer_id)
        assert customer is not None
        customer.status = CustomerStatus.CLOSED
    else:
        account = db.get(Account, quote.account_id)
        assert account is not None
        account.status = AccountStatus.CLOSED
    db.commit()
    with pytest.raises(Conflict) as refused:
        service.place_order(db, quote_id=quote.id, actor=f.AGENT)
    assert refused.value.field == f"{closed}_id"
    db.rollback()
    assert db.scalars(select(Order)).all() == []
    assert db.get_one(Quote, quote.id).status == QuoteStatus.OPEN  # still the customer's


def test_unknown_quote_is_not_found(telco: str, db: Session) -> None:
    with pytest.raises(NotFound):
        service.place_order(db, quote_id="nope", actor=f.AGENT)


def test_contract_signed_moves_the_order_in_progress(telco: str, db: Session) -> None:
    order = _signed(db, {"offering": "mobile-10gb"})
    assert order.status == OrderStatus.IN_PROGRESS
    assert order.signed_at == clock.utcnow()
    assert [e.subject_id for e in f.events_of(db, "order.in_progress")] == [order.id]


def test_contract_signed_starts_provisioning(telco: str, db: Session) -> None:
    order = _signed(db, {"offering": "fibre-300"})
    orders = db.scalars(select(ServiceOrder).where(ServiceOrder.order_id == order.id)).all()
    assert {str(so.kind) for so in orders} == {"router_shipment", "line_activation"}


def test_contract_signed_for_an_unknown_order_is_ignored(telco: str, db: Session) -> None:
    placed = f.order(db, {"offering": "mobile-10gb"})
    event = f.sign(db, Order(id="unknown", customer_id=placed.customer_id))
    db.commit()
    assert event.type == "contract.signed"
    assert service.get_order(db, placed.id).status == OrderStatus.AWAITING_SIGNATURE


def test_signing_twice_changes_nothing_more(telco: str, db: Session) -> None:
    order = _signed(db, {"offering": "mobile-10gb"})
    f.sign(db, order)
    db.commit()
    assert len(f.events_of(db, "order.in_progress")) == 1


def test_service_activated_makes_the_product_active(telco: str, db: Session) -> None:
    order = _signed(db, {"offering": "mobile-10gb"}, {"offering": "fibre-300"})
    f.activated(db, order.id, order.items[0].id, service_id="svc-1")
    db.commit()
    product = service.get_product(db, order.items[0].product_id)
    assert (product.status, product.service_id) == (ProductStatus.ACTIVE, "svc-1")
    assert service.get_order(db, order.id).status == OrderStatus.IN_PROGRESS
    [event] = f.events_of(db, "product.activated")
    assert event.customer_id == order.customer_id


def test_all_items_active_completes_the_order(telco: str, db: Session) -> None:
    order = _activate_all(db, _signed(db, {"offering": "mobile-10gb"}, {"offering": "fibre-300"}))
    assert order.status == OrderStatus.COMPLETED
    assert order.completed_at == clock.utcnow()
    assert len(f.events_of(db, "order.completed")) == 1


def test_completion_activates_the_account_and_the_customer(telco: str, db: Session) -> None:
    order = _activate_all(db, _signed(db, {"offering": "mobile-10gb"}))
    assert db.get(Account, order.account_id).status == AccountStatus.ACTIVE  # type: ignore[union-attr]
    customer = db.get(Customer, order.customer_id)
    assert customer is not None
    assert customer.status == CustomerStatus.ACTIVE


def test_a_repeated_activation_is_recorded_once(telco: str, db: Session) -> None:
    order = _signed(db, {"offering": "mobile-10gb"})
    f.activated(db, order.id, order.items[0].id)
    f.activated(db, order.id, order.items[0].id)
    db.commit()
    assert len(f.events_of(db, "product.activated")) == 1


def test_activation_for_an_unknown_item_is_ignored(telco: str, db: Session) -> None:
    event = f.activated(db, "no-order", "no-item")
    db.commit()
    assert event.type == "service.activated"
    assert f.events_of(db, "product.activated") == []


def test_one_failed_item_of_two_keeps_the_order_going(telco: str, db: Session) -> None:
    order = _signed(db, {"offering": "mobile-10gb"}, {"offering": "fibre-300"})
    f.activation_failed(db, order.id, order.items[0].id, reason="SIM stock empty")
    db.commit()
    order = service.get_order(db, order.id)
    assert order.items[0].status == ItemStatus.FAILED
    assert order.items[0].failure_reason == "SIM stock empty"
    assert order.status == OrderStatus.IN_PROGRESS


def test_order_fails_when_every_item_failed(telco: str, db: Session) -> None:
    order = _signed(db, {"offering": "mobile-10gb"})
    f.activation_failed(db, order.id, order.items[0].id)
    db.commit()
    assert service.get_order(db, order.id).status == OrderStatus.FAILED
    [event] = f.events_of(db, "order.failed")
    assert event.payload["reasons"] == {order.items[0].id: "no port"}


def test_a_retry_that_activates_revives_a_failed_order(telco: str, db: Session) -> None:
    order = _signed(db, {"offering": "mobile-10gb"})
    f.activation_failed(db, order.id, order.items[0].id)
    db.commit()
    f.activated(db, order.id, order.items[0].id)
    db.commit()
    order = service.get_order(db, order.id)
    assert order.status == OrderStatus.COMPLETED
    assert order.items[0].failure_reason is None


def test_search_orders_filters_by_customer_and_status(telco: str, db: Session) -> None:
    mine = f.order(db, {"offering": "mobile-10gb"})
    f.order(db, {"offering": "mobile-10gb"})
    rows, total = service.search_orders(db, customer_id=mine.customer_id)
    assert (total, [o.id for o in rows]) == (1, [mine.id])
    _rows, total = service.search_orders(db, status=OrderStatus.COMPLETED)
    assert total == 0


def test_order_totals_are_decimal(telco: str, db: Session) -> None:
    order = f.order(db, {"offering": "mobile-10gb"})
    assert isinstance(order.one_time_gross, Decimal)
    assert order.one_time_gross == Decimal(order.snapshot["totals"]["one_time"]["gross"])
