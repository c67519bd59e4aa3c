"""Switching features after activation is a modify order, applied by provisioning."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from firstmile.customers.models import AccountKind
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.orders import service
from firstmile.orders.models import ItemAction, Order, OrderKind, OrderStatus, Product
from firstmile.provisioning.models import ServiceOrder
from tests.factories import orders as f


def _active_product(db: Session, *items: dict[str, Any], **kwargs: Any) -> Product:
    order = f.order(db, *(items or ({"offering": "mobile-10gb"},)), **kwargs)
    f.sign(db, order)
    db.commit()
    order = service.get_order(db, order.id)
    for item in order.items:
        f.activated(db, order.id, item.id)
    db.commit()
    return service.get_product(db, order.items[0].product_id)


def _change(db: Session, product: Product, **features: bool) -> Order:
    order = service.change_features(db, product_id=product.id, features=features, actor=f.AGENT)
    db.commit()
    return order


def test_switching_roaming_off_places_a_modify_order(telco: str, db: Session) -> None:
    product = _active_product(db)
    order = _change(db, product, roaming=False)
    assert (order.kind, order.status, order.quote_id) == (
        OrderKind.MODIFY,
        OrderStatus.IN_PROGRESS,
        None,
    )
    [item] = order.items
    assert (item.action, item.features, item.product_id) == (
        ItemAction.MODIFY,
        {"roaming": False},
        product.id,
    )


def test_the_change_goes_to_provisioning_as_a_feature_change(telco: str, db: Session) -> None:
    order = _change(db, _active_product(db), roaming=False)
    [so] = db.scalars(select(ServiceOrder).where(ServiceOrder.order_id == order.id)).all()
    assert (str(so.kind), so.data["features"]) == ("feature_change", {"roaming": False})


def test_the_feature_stays_on_until_provisioning_applies_it(telco: str, db: Session) -> None:
    product = _active_product(db)
    _change(db, product, roaming=False)
    assert service.get_product(db, product.id).features["roaming"] is True


def test_applied_change_switches_the_product_feature_off(telco: str, db: Session) -> None:
    product = _active_product(db)
    order = _change(db, product, roaming=False)
    f.activated(db, order.id, order.items[0].id)
    db.commit()
    assert service.get_product(db, product.id).features["roaming"] is False
    assert service.get_order(db, order.id).status == OrderStatus.COMPLETED
    [event] = f.events_of(db, "product.features_changed")
    assert (event.payload["changes"], event.customer_id) == (
        {"roaming": False},
        product.customer_id,
    )


def test_a_priced_feature_switched_on_costs_its_monthly(telco: str, db: Session) -> None:
    product = _active_product(db, {"offering": "fibre-300"})
    order = _change(db, product, **{"content-filter": True})
    assert order.snapshot["totals"]["monthly_change"] == {
        "net": "29.00",
        "tax": "6.09",
        "gross": "35.09",
    }
    assert order.monthly_gross == Decimal("35.09")


def test_a_non_switchable_feature_is_refused_by_name(telco: str, db: Session) -> None:
    product = _active_product(
        db, {"offering": "mobile-business-unlimited"}, account_kind=AccountKind.BUSINESS
    )
    with pytest.raises(InvalidInput) as caught:
        service.change_features(
            db, product_id=product.id, features={"premium-sms-barring": False}, actor=f.AGENT
        )
    assert caught.value.field == "features.premium-sms-barring"
    assert "cannot be switched off" in caught.value.message


def test_an_unknown_feature_is_refused_by_name(telco: str, db: Session) -> None:
    product = _active_product(db)
    with pytest.raises(InvalidInput) as caught:
        service.change_features(db, product_id=product.id, features={"nope": True}, actor=f.AGENT)
    assert caught.value.field == "features.nope"


def test_a_change_to_the_current_state_is_refused(telco: str, db: Session) -> None:
    product = _active_product(db)
    with pytest.raises(InvalidInput) as caught:
        service.change_features(
            db, product_id=product.id, features={"roaming": True}, actor=f.AGENT
        )
    assert caught.value.field == "features"


def test_a_pending_product_cannot_change(telco: str, db: Session) -> None:
    order = f.order(db, {"offering": "mobile-10gb"})
    with pytest.raises(Conflict):
        service.change_features(
            db, product_id=order.items[0].product_id, features={"roaming": False}, actor=f.AGENT
        )


def test_one_change_at_a_time(telco: str, db: Session) -> None:
    product = _active_product(db)
    _change(db, product, roaming=False)
    with pytest.raises(Conflict):
        service.change_features(
            db, product_id=product.id, features={"voicemail": False}, actor=f.AGENT
        )


def test_unknown_product_is_not_found(telco: str, db: Session) -> None:
    with pytest.raises(NotFound):
        service.change_features(db, product_id="nope", features={"roaming": False}, actor=f.AGENT)
