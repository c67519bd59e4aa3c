"""Cancelling orders: free before signature and in the cooling-off period, then under terms."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from firstmile.customers.models import AccountKind
from firstmile.kit import time as clock
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.jobs import Job
from firstmile.kit.money import q
from firstmile.orders import service, termination
from firstmile.orders.models import (
    CancellationBasis,
    ItemStatus,
    Order,
    OrderStatus,
    Product,
    ProductStatus,
)
from firstmile.orders.service.cancellation import TERMINATE_JOB
from firstmile.packs import loader as packs
from firstmile.provisioning.models import ServiceOrder, ServiceOrderStatus
from tests.factories import orders as f

SIGNED_ON = date(2024, 3, 4)  # conftest freezes the clock at 2024-03-04 10:00 UTC


def _signed(db: Session, *items: dict[str, Any], **kwargs: Any) -> Order:
    order = f.order(db, *items, **kwargs)
    f.sign(db, order)
    db.commit()
    return service.get_order(db, order.id)


def _completed(db: Session, *items: dict[str, Any], **kwargs: Any) -> Order:
    order = _signed(db, *items, **kwargs)
    for item in order.items:
        f.activated(db, order.id, item.id)
    db.commit()
    return service.get_order(db, order.id)


def _cancel(db: Session, order: Order, reason: str = "changed my mind") -> Order:
    service.cancel_order(db, order.id, reason=reason, actor=f.AGENT)
    db.commit()
    return service.get_order(db, order.id)


def _products(db: Session, order: Order) -> list[Product]:
    return list(db.scalars(select(Product).where(Product.order_id == order.id)))


def test_cancel_before_signature_is_free(telco: str, db: Session) -> None:
    order = _cancel(db, f.order(db, {"offering": "fibre-300"}))
    assert order.status == OrderStatus.CANCELLED
    assert order.cancellation_basis == CancellationBasis.BEFORE_SIGNATURE
    assert order.cancellation_fee == Decimal("0.00")
    assert [i.status for i in order.items] == [ItemStatus.CANCELLED]


def test_cancel_before_signature_cancels_the_pending_products(telco: str, db: Session) -> None:
    order = _cancel(db, f.order(db, {"offering": "fibre-300"}))
    assert [p.status for p in _products(db, order)] == [ProductStatus.CANCELLED]
    [event] = f.events_of(db, "product.terminated")
    assert event.payload["status"] == "cancelled"


def test_cancelling_twice_is_a_conflict(telco: str, db: Session) -> None:
    order = _cancel(db, f.order(db, {"offering": "mobile-10gb"}))
    with pytest.raises(Conflict):
        service.cancel_order(db, order.id, reason="again", actor=f.AGENT)


def test_cancel_needs_a_reason(telco: str, db: Session) -> None:
    order = f.order(db, {"offering": "mobile-10gb"})
    with pytest.raises(InvalidInput) as caught:
        service.cancel_order(db, order.id, reason="  ", actor=f.AGENT)
    assert caught.value.field == "reason"


def test_cancel_unknown_order_is_not_found(telco: str, db: Session) -> None:
    with pytest.raises(NotFound):
        service.cancel_order(db, "nope", reason="x", actor=f.AGENT)


def test_day_14_after_signature_is_free(telco: str, db: Session) -> None:
    order = _signed(db, {"offering": "fibre-300"})
    clock.travel(timedelta(days=14))
    order = _cancel(db, order)
    assert order.cancellation_basis == CancellationBasis.COOLING_OFF
    assert order.cancellation_fee == Decimal("0.00")
    assert order.termination_date == SIGNED_ON + timedelta(days=14)


def test_day_15_after_signature_costs_the_termination_fee(telco: str, db: Session) -> None:
    order = _signed(db, {"offering": "fibre-300"})  # 12 months minimum, fixed 1500.00
    clock.travel(timedelta(days=15))
    order = _cancel(db, order)
    assert order.cancellation_basis == CancellationBasis.TERMINATION_TERMS
    assert order.cancellation_fee == Decimal("1500.00")
    # 30 days' notice from the day of cancellation
    assert order.termination_date == SIGNED_ON + timedelta(days=15 + 30)


def test_fee_and_rule_are_in_the_cancelled_event(telco: str, db: Session) -> None:
    order = _signed(db, {"offering": "fibre-300"})
    clock.travel(timedelta(days=15))
    _cancel(db, order)
    [event] = f.events_of(db, "order.cancelled")
    assert (event.payload["fee"], event.payload["currency"]) == ("1500.00", "CZK")
    assert event.payload["fee_items"][0]["rule"] == "fixed"
    assert event.customer_id == order.customer_id


def test_remaining_monthly_fee_for_a_live_business_plan(telco: str, db: Session) -> None:
    order = _completed(
        db, {"offering": "mobile-business-unlimited"}, account_kind=AccountKind.BUSINESS
    )
    clock.travel(timedelta(days=20))
    order = _cancel(db, order)
    monthly = termination.monthly_gross_of(order.snapshot["lines"], 0)
    assert monthly == Decimal("906.29")  # 749.00 + 21% VAT (157.29)
    # ends 2024-04-23 (20 days + 30 notice); term to 2026-03-04: 22 whole months left
    assert order.termination_date == date(2024, 4, 23)
    assert order.cancellation_fee == q(Decimal("0.20") * 22 * monthly, "CZK") == Decimal("3987.68")


def test_remaining_monthly_fee_counts_features_as_they_are_now(
    telco: str, db: Session, tmp_path: Path
) -> None:
    """A priced feature switched off after activation no longer counts in the months left."""
    pack = tmp_path / "telco"
    shutil.copytree(packs.resolve("telco"), pack)
    catalog = pack / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    business = text.index("code: mobile-business-unlimited")
    at = text.index("code: roaming", business)
    at = text.index("switchable: true", at) + len("switchable: true")
    catalog.write_text(text[:at] + '\n        monthly: "100.00"' + text[at:], encoding="utf-8")
    packs.load(db, pack)
    db.commit()
    order = _completed(
        db, {"offering": "mobile-business-unlimited"}, account_kind=AccountKind.BUSINESS
    )
    assert termination.monthly_gross_of(order.snapshot["lines"], 0) == Decimal("1027.29")
    [product] = _products(db, order)
    product.features = {**product.features, "roaming": False}  # a completed feature change
    db.commit()
    clock.travel(timedelta(days=20))
    order = _cancel(db, order)
    # 20 % of 22 months of 749.00 + 21 % VAT = 906.29, not of 1,027.29 with roaming
    assert order.cancellation_fee == Decimal("3987.68")


def test_cancelling_in_progress_stops_provisioning(telco: str, db: Session) -> None:
    order = _cancel(db, _signed(db, {"offering": "fibre-300"}))
    rows = db.scalars(select(ServiceOrder).where(ServiceOrder.order_id == order.id)).all()
    assert rows
    assert {so.status for so in rows} == {ServiceOrderStatus.CANCELLED}


def test_a_late_activation_of_a_cancelled_order_changes_nothing(telco: str, db: Session) -> None:
    order = _cancel(db, _signed(db, {"offering": "mobile-10gb"}))
    f.activated(db, order.id, order.items[0].id)
    db.commit()
    assert [p.status for p in _products(db, order)] == [ProductStatus.CANCELLED]


def test_completed_order_in_cooling_off_terminates_at_once(telco: str, db: Session) -> None:
    order = _completed(db, {"offering": "mobile-10gb"})
    clock.travel(timedelta(days=3))
    order = _cancel(db, order)
    [product] = _products(db, order)
    assert product.status == ProductStatus.TERMINATED
    assert product.terminated_at == clock.utcnow()


def test_completed_order_after_cooling_off_ends_after_notice(telco: str, db: Session) -> None:
    order = _completed(db, {"offering": "fibre-300"})
    clock.travel(timedelta(days=40))
    order = _cancel(db, order)
    [product] = _products(db, order)
    ends = SIGNED_ON + timedelta(days=70)
    assert (product.status, product.terminates_on) == (ProductStatus.ACTIVE, ends)
    job = db.scalar(select(Job).where(Job.key == f"{TERMINATE_JOB}:{order.id}"))
    assert job is not None
    assert job.args == {"order_id": order.id}


def test_products_terminate_on_the_termination_date(telco: str, db: Session) -> None:
    order = _completed(db, {"offering": "fibre-300"})
    clock.travel(timedelta(days=40))
    _cancel(db, order)
    clock.travel(timedelta(days=29))
    assert service.terminate_due(db, order.id) == []
    clock.travel(timedelta(days=1))
    [ended] = service.terminate_due(db, order.id)
    db.commit()
    assert ended.status == ProductStatus.TERMINATED
    assert f.events_of(db, "product.terminated")[0].payload["status"] == "terminated"


def test_a_failed_order_cancels_free(telco: str, db: Session) -> None:
    order = _signed(db, {"offering": "fibre-300"})
    clock.travel(timedelta(days=30))
    f.activation_failed(db, order.id, order.items[0].id)
    db.commit()
    order = _cancel(db, order)
    assert order.cancellation_basis == CancellationBasis.NOT_DELIVERED
    assert order.cancellation_fee == Decimal("0.00")


def test_a_completed_feature_change_cannot_be_cancelled(telco: str, db: Session) -> None:
    order = _completed(db, {"offering": "mobile-10gb"})
    change = service.change_features(
        db, product_id=order.items[0].product_id, features={"roaming": False}, actor=f.AGENT
    )
    f.activated(db, change.id, change.items[0].id)
    db.commit()
    with pytest.raises(Conflict):
        service.cancel_order(db, change.id, reason="undo", actor=f.AGENT)


def test_a_business_has_no_cooling_off_unless_the_operator_grants_it(
    telco: str, db: Session
) -> None:
    """The right of withdrawal is the consumer's: a business cancelling the day after
    signing pays under the terms, unless the pack sets `cooling_off_business`."""
    order = _completed(
        db, {"offering": "mobile-business-unlimited"}, account_kind=AccountKind.BUSINESS
    )
    clock.travel(timedelta(days=1))
    order = _cancel(db, order)
    assert order.cancellation_basis == CancellationBasis.TERMINATION_TERMS
    # 20 % of 906.29 for the 23 whole months left after the 30 days of notice
    assert order.cancellation_fee == Decimal("4168.93")
    meta = packs.current_meta(db).model_copy(update={"cooling_off_business": True})
    assert meta.cooling_off_for("business") == meta.cooling_off_for("residential") == 14
    assert termination.within_cooling_off(SIGNED_ON, SIGNED_ON, 0) is False
