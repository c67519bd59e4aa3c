"""Placing an order from a quote: prices locked, items and pending products, a contract.

A quote item becomes one order item (and one product) per provisioned plan and unit: a
bundle of fibre and TV with quantity 1 gives two, a mobile plan with quantity 3 gives three.
Each product carries the features in force for it; an add-on's features go to the plan the
add-on is for. An add-on is also an item (and a product) of its own: provisioning applies it
as a feature change on its plan's service.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from firstmile.auth.scopes import Actor
from firstmile.catalog import service as catalog_service
from firstmile.catalog.models import Quote
from firstmile.eventlog import service as eventlog_service
from firstmile.kit.db import Session, new_id, serialize_on
from firstmile.kit.errors import Conflict
from firstmile.kit.time import utcnow
from firstmile.orders import events
from firstmile.orders import repository as repo
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
from firstmile.orders.service.contracting import prepare_contract

ADDRESS_OPTIONS = ("supply_point",)
SUPPLY_KINDS = ("electricity", "gas")


@dataclass(frozen=True)
class PlannedItem:
    quote_item: int
    offering_code: str
    bundle_code: str | None
    kind: str
    names: dict[str, str]
    features: dict[str, bool]
    options: dict[str, Any]
    add_on: bool = False


def _add_on_targets(db: Session, item: dict[str, Any]) -> dict[str, list[str]]:
    """Add-on code -> the plans it is for (from the catalog; add-ons are never retired)."""
    return {
        a["offering"]: list(catalog_service.offering(db, a["offering"]).add_on_for)
        for a in item.get("add_ons", [])
    }


def _component_features(
    item: dict[str, Any], component: dict[str, Any], first: bool, targets: dict[str, list[str]]
) -> dict[str, bool]:
    features = {str(code): bool(on) for code, on in component.get("features", {}).items()}
    code = component["offering"]
    for spec in item.get("features", []):
        if not spec.get("add_on"):
            continue
        wanted = targets.get(spec["source"], [])
        if code in wanted or (first and not set(wanted) & _component_codes(item)):
            features[spec["code"]] = bool(spec["on"])
    return features


def _component_codes(item: dict[str, Any]) -> set[str]:
    return {c["offering"] for c in item.get("components", [])}


def plan_items(db: Session, snapshot: dict[str, Any]) -> list[PlannedItem]:
    """The order items a quote snapshot asks for, in quote order."""
    address = snapshot.get("service_address") or {}
    extra = {k: address[k] for k in ADDRESS_OPTIONS if address.get(k)}
    planned: list[PlannedItem] = []
    for item in snapshot.get("items", []):
        options = {**extra, **(item.get("options") or {})}
        for _unit in range(int(item.get("quantity", 1))):
            planned += _plans(item, options, _add_on_targets(db, item))
            planned += _add_on_items(item)
    return planned


def _plans(
    item: dict[str, Any], options: dict[str, Any], targets: dict[str, list[str]]
) -> list[PlannedItem]:
    components = item.get("components") or []
    bundle = item["offering"] if len(components) > 1 else None
    return [
        PlannedItem(
            quote_item=int(item["index"]),
            offering_code=component["offering"],
            bundle_code=bundle,
            kind=component["kind"],
            names=dict(component.get("names") or {}),
            features=_component_features(item, component, n == 0, targets),
            options=options,
        )
        for n, component in enumerate(components)
    ]


def _add_on_items(item: dict[str, Any]) -> list[PlannedItem]:
    """An add-on is an item of its own (provisioning applies it to its plan's service); its
    features live on the plan's product, where they can be switched later."""
    return [
        PlannedItem(
            quote_item=int(item["index"]),
            offering_code=a["offering"],
            bundle_code=None,
            kind=a["kind"],
            names=dict(a.get("names") or {}),
            features={
                f["code"]: bool(f["on"])
                for f in item.get("features", [])
                if f.get("add_on") and f.get("source") == a["offering"]
            },
            options={},
            add_on=True,
        )
        for a in item.get("add_ons", [])
    ]


def _order(quote: Quote, snapshot: dict[str, Any], actor: Actor) -> Order:
    return Order(
        customer_id=quote.customer_id,
        account_id=quote.account_id,
        quote_id=quote.id,
        kind=OrderKind.NEW,
        status=OrderStatus.AWAITING_SIGNATURE,
        snapshot=snapshot,
        currency=quote.currency,
        one_time_gross=Decimal(snapshot["totals"]["one_time"]["gross"]),
        monthly_gross=quote.monthly_gross,
        placed_by=actor.ref,
        placed_at=utcnow(),
        items=[],
    )


def _supply_point(plan: PlannedItem) -> str | None:
    """The metering point an energy plan supplies (None for anything else)."""
    if plan.add_on or plan.kind not in SUPPLY_KINDS:
        return None
    return str(plan.options.get("supply_point") or "") or None


def _check_supplies_free(db: Session, planned: list[PlannedItem]) -> None:
    """409 when a metering point is already supplied, or being switched, by another order:
    one meter has one supply (ordered twice at once, the second waits and is refused)."""
    for plan in planned:
        point = _supply_point(plan)
        if point is None:
            continue
        serialize_on(db, f"supply:{plan.kind}:{point}")
        if repo.supplying(db, point, plan.kind) is not None:
            raise Conflict(
                f"this metering point already has a {plan.kind} supply with us, live or being "
                "switched; a change of tariff is made to that supply",
                field="quote_id",
            )


def _item_and_product(order: Order, position: int, plan: PlannedItem) -> tuple[OrderItem, Product]:
    product = Product(
        id=new_id(),
        customer_id=order.customer_id,
        account_id=order.account_id,
        order_id=order.id,
        offering_code=plan.offering_code,
        bundle_code=plan.bundle_code,
        kind=plan.kind,
        name=plan.names,
        quote_item=plan.quote_item,
        status=ProductStatus.PENDING,
        features={} if plan.add_on else plan.features,
        supply_point=_supply_point(plan),
    )
    item = OrderItem(
        order_id=order.id,
        position=position,
        quote_item=plan.quote_item,
        offering_code=plan.offering_code,
        action=ItemAction.ADD,
        status=ItemStatus.PENDING,
        features=plan.features,
        options=plan.options,
        product_id=product.id,
    )
    return item, product


def place_order(db: Session, *, quote_id: str, actor: Actor) -> Order:
    """Order an open, valid quote once: its snapshot becomes the order's locked prices.

    The quote row is locked and marked ordered first, so a second order of the same quote
    (even a concurrent one) is a Conflict; the unique quote_id on orders is the last guard.
    """
    # Lock and mark first: the locked read is the quote's first load in this session, so a
    # concurrent order that committed meanwhile is seen (the identity map would keep a stale
    # copy loaded earlier). Anything refused below rolls the mark back with the transaction.
    quote = catalog_service.mark_quote_ordered(db, quote_id, actor=actor)
    snapshot = catalog_service.quote_snapshot(quote)
    planned = plan_items(db, snapshot)
    if not planned:
        raise Conflict("the quote has nothing to order", field="quote_id")
    _check_supplies_free(db, planned)
    order = _order(quote, snapshot, actor)
    db.add(order)
    db.flush()
    pairs = [_item_and_product(order, i, plan) for i, plan in enumerate(planned)]
    db.add_all([product for _, product in pairs])
    db.flush()  # products first: items refer to them
    order.items.extend(item for item, _ in pairs)
    db.flush()
    order.contract_id = prepare_contract(db, order, actor=actor)
    db.flush()
    _record_placed(db, order, actor)
    return order


def _record_placed(db: Session, order: Order, actor: Actor) -> None:
    eventlog_service.record(
        db,
        events.ORDER_PLACED,
        actor=actor.ref,
        customer_id=order.customer_id,
        subject_id=order.id,
        payload={
            "order_id": order.id,
            "kind": str(order.kind),
            "quote_id": order.quote_id,
            "account_id": order.account_id,
            "items": [
                {
                    "id": i.id,
                    "offering": i.offering_code,
                    "action": str(i.action),
                    "product_id": i.product_id,
                }
                for i in order.items
            ],
            "currency": order.currency,
            "one_time_gross": str(order.one_time_gross),
            "monthly_gross": str(order.monthly_gross),
            "contract_id": order.contract_id,
        },
    )
