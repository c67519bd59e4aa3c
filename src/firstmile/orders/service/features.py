"""Switching a product's features on or off after activation: a `modify` order.

No new contract: the feature's terms and price (`monthly_net` while on) were locked in the
snapshot of the order that created the product, and they stay what they were. Provisioning
applies the change as a feature-change service order; when it reports the item done
(`service.activated`), the product's features change (see lifecycle).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from firstmile.auth.scopes import Actor
from firstmile.catalog import pricing
from firstmile.eventlog import service as eventlog_service
from firstmile.kit.db import Session, serialize_order
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.kit.money import q
from firstmile.kit.time import utcnow
from firstmile.orders import events
from firstmile.orders import repository as repo
from firstmile.orders.errors import ChangePending, ProductNotActive
from firstmile.orders.models import (
    ItemAction,
    ItemStatus,
    Order,
    OrderItem,
    OrderKind,
    OrderStatus,
    Product,
    ProductStatus,
)
from firstmile.orders.service.lifecycle import record
from firstmile.provisioning import service as provisioning_service


def feature_specs(db: Session, product: Product) -> tuple[Order, dict[str, dict[str, Any]]]:
    """The order that created the product, and the product's feature specs as it locked them."""
    origin = repo.find_order(db, product.order_id)
    assert origin is not None  # a foreign key guarantees it
    items = origin.snapshot.get("items", [])
    item: dict[str, Any] = next((i for i in items if i.get("index") == product.quote_item), {})
    specs = {f["code"]: f for f in item.get("features", []) if f["code"] in product.features}
    return origin, specs


def _changes(
    product: Product, specs: dict[str, dict[str, Any]], wanted: dict[str, bool]
) -> dict[str, bool]:
    if not wanted:
        raise InvalidInput("name at least one feature to switch", field="features")
    for code, on in wanted.items():
        spec = specs.get(code)
        if spec is None:
            raise InvalidInput(f"the product has no feature {code!r}", field=f"features.{code}")
        if on != product.features.get(code) and not spec.get("switchable"):
            state = "on" if on else "off"
            raise InvalidInput(
                f"feature {code!r} cannot be switched {state}: the offering does not allow it",
                field=f"features.{code}",
            )
    changes = {c: on for c, on in wanted.items() if product.features.get(c) != on}
    if not changes:
        raise InvalidInput("the features are already in that state", field="features")
    return changes


def priced_now(order: Order, products: Sequence[Product]) -> Mapping[str, Any]:
    """The order's snapshot with its products' features as they are now (the order's
    `products`): a feature switched on or off after activation (a `modify` order, no new
    contract) changes what the customer pays each month, at the price the order locked."""
    units: dict[int, list[Mapping[str, bool]]] = {}
    for product in products:
        units.setdefault(product.quote_item, []).append(product.features or {})
    return pricing.with_features(order.snapshot, units)


def _price_effect(
    specs: dict[str, dict[str, Any]], changes: dict[str, bool], currency: str
) -> Decimal:
    """Monthly net change: a priced feature switched on costs its monthly, off saves it."""
    effect = Decimal("0")
    for code, on in changes.items():
        monthly = specs[code].get("monthly_net")
        if monthly is not None:
            effect += Decimal(str(monthly)) if on else -Decimal(str(monthly))
    return q(effect, currency)


def _changeable(db: Session, product_id: str) -> Product:
    product = repo.find_product(db, product_id, for_update=True)
    if product is None:
        raise NotFound("product", product_id)
    if product.status != ProductStatus.ACTIVE or product.terminates_on is not None:
        raise ProductNotActive(
            f"the product is {product.status}"
            + (", ending" if product.terminates_on is not None else "")
            + "; only an active product's features can change"
        )
    if repo.pending_change_for(db, product.id) is not None:
        raise ChangePending("a change of this product is still in progress")
    return product


def change_features(
    db: Session, *, product_id: str, features: dict[str, bool], actor: Actor
) -> Order:
    """Order a change of the product's features; provisioning applies it."""
    found = repo.find_product(db, product_id)
    if found is None:
        raise NotFound("product", product_id)
    serialize_order(db, found.order_id)
    product = _changeable(db, product_id)
    origin, specs = feature_specs(db, product)
    changes = _changes(product, specs, features)
    net = _price_effect(specs, changes, origin.currency)
    rate = Decimal(str(origin.snapshot.get("tax", {}).get("rate") or "0"))
    tax = q(net * rate, origin.currency)
    order = Order(
        customer_id=product.customer_id,
        account_id=product.account_id,
        kind=OrderKind.MODIFY,
        status=OrderStatus.IN_PROGRESS,
        snapshot={
            "kind": "modify",
            "product_id": product.id,
            "offering": product.offering_code,
            "origin_order_id": origin.id,
            "changes": changes,
            "currency": origin.currency,
            "totals": {
                "monthly_change": {"net": str(net), "tax": str(tax), "gross": str(net + tax)}
            },
        },
        currency=origin.currency,
        one_time_gross=Decimal("0.00"),
        monthly_gross=net + tax,
        placed_by=actor.ref,
        placed_at=utcnow(),
        signed_at=utcnow(),
        items=[],
    )
    db.add(order)
    db.flush()
    order.items.append(
        OrderItem(
            position=0,
            quote_item=product.quote_item,
            offering_code=product.offering_code,
            action=ItemAction.MODIFY,
            status=ItemStatus.PENDING,
            features=changes,
            options={},
            product_id=product.id,
        )
    )
    db.flush()
    _record_change(db, order, product, actor, net)
    provisioning_service.start(db, order, actor=actor)
    return order


def _record_change(db: Session, order: Order, product: Product, actor: Actor, net: Decimal) -> None:
    item = order.items[0]
    eventlog_service.record(
        db,
        events.ORDER_PLACED,
        actor=actor.ref,
        customer_id=order.customer_id,
        subject_id=order.id,
        payload={
            "order_id": order.id,
            "kind": str(order.kind),
            "quote_id": None,
            "account_id": order.account_id,
            "items": [
                {
                    "id": item.id,
                    "offering": item.offering_code,
                    "action": str(item.action),
                    "product_id": product.id,
                    "features": dict(item.features),
                }
            ],
            "currency": order.currency,
            "one_time_gross": str(order.one_time_gross),
            "monthly_gross": str(order.monthly_gross),
            "monthly_net_change": str(net),
        },
    )
    record(db, events.ORDER_IN_PROGRESS, order, actor.ref, contract_id=None)
