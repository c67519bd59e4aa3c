"""How an order moves after placement, driven by the contracts and provisioning events.

Each reaction runs inside the transaction that recorded the event, so the event and the
order's change commit together. Reactions are idempotent on state: a repeated or stale event
(an item already active, an order already cancelled) changes nothing, and an event about an
order this domain does not know is ignored.

The failure rule: an item whose activation failed for good is `failed`, but a fallout case
stays open for it and an agent's successful retry may still bring `service.activated`. The
order is `failed` only when nothing can proceed: every item that is not cancelled has failed
(none is pending, none active). A mix of live and failed items keeps the order `in_progress`
while the fallout cases are worked; an item revived by a retry takes a failed order back to
`in_progress` (or straight to `completed`).
"""

from __future__ import annotations

import logging
from typing import Any

from firstmile.auth.scopes import SYSTEM
from firstmile.customers import service as customers_service
from firstmile.eventlog import service as eventlog_service
from firstmile.eventlog.models import Event
from firstmile.kit.db import Session
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
from firstmile.provisioning import service as provisioning_service

log = logging.getLogger("firstmile.orders")


def record(db: Session, event_type: str, order: Order, actor: str, **payload: Any) -> None:
    eventlog_service.record(
        db,
        event_type,
        actor=actor,
        customer_id=order.customer_id,
        subject_id=order.id,
        payload={"order_id": order.id, "kind": str(order.kind), **payload},
    )


def record_product(
    db: Session, event_type: str, product: Product, actor: str, **extra: Any
) -> None:
    eventlog_service.record(
        db,
        event_type,
        actor=actor,
        customer_id=product.customer_id,
        subject_id=product.id,
        payload={
            "product_id": product.id,
            "order_id": product.order_id,
            "offering": product.offering_code,
            **extra,
        },
    )


def contract_signed(db: Session, event: Event) -> None:
    """awaiting_signature -> in_progress, and provisioning starts."""
    order_id = str((event.payload or {}).get("order_id") or "")
    order = repo.find_order(db, order_id, for_update=True)
    if order is None:
        log.info("contract.signed for unknown order %s ignored", order_id)
        return
    if order.status != OrderStatus.AWAITING_SIGNATURE:
        return
    order.status, order.signed_at = OrderStatus.IN_PROGRESS, event.occurred_at
    order.contract_id = order.contract_id or event.subject_id
    db.flush()
    record(db, events.ORDER_IN_PROGRESS, order, event.actor, contract_id=order.contract_id)
    provisioning_service.start(db, order, actor=SYSTEM)


def _item_of(db: Session, event: Event) -> tuple[Order, OrderItem] | None:
    item_id = str((event.payload or {}).get("order_item_id") or "")
    item = repo.find_item(db, item_id)
    if item is None:
        log.info("%s for unknown order item %s ignored", event.type, item_id)
        return None
    order = repo.find_order(db, item.order_id, for_update=True)
    if order is None or order.status == OrderStatus.CANCELLED:
        return None
    return order, item


def service_activated(db: Session, event: Event) -> None:
    """The item's product goes live (or its feature change applies); the order may complete."""
    found = _item_of(db, event)
    if found is None:
        return
    order, item = found
    if item.status in (ItemStatus.ACTIVE, ItemStatus.CANCELLED):
        return
    service_id = (event.payload or {}).get("service_id")
    item.status, item.completed_at, item.failure_reason = ItemStatus.ACTIVE, utcnow(), None
    item.service_id = str(service_id) if service_id else item.service_id
    product = repo.find_product(db, item.product_id, for_update=True)
    assert product is not None  # a foreign key guarantees it
    if item.action == ItemAction.MODIFY:
        _apply_change(db, order, item, product, event.actor)
    else:
        product.status, product.activated_at = ProductStatus.ACTIVE, utcnow()
        product.service_id = item.service_id
        db.flush()
        record_product(db, events.PRODUCT_ACTIVATED, product, event.actor, service_id=service_id)
    progress(db, order, actor=event.actor)


def _apply_change(db: Session, order: Order, item: OrderItem, product: Product, actor: str) -> None:
    product.features = {**product.features, **item.features}
    db.flush()
    record_product(
        db,
        events.PRODUCT_FEATURES_CHANGED,
        product,
        actor,
        modify_order_id=order.id,
        changes=dict(item.features),
        features=dict(product.features),
    )


def activation_failed(db: Session, event: Event) -> None:
    """The item failed for good (a fallout case is open); the order fails if nothing can go on."""
    found = _item_of(db, event)
    if found is None:
        return
    order, item = found
    if item.status != ItemStatus.PENDING:
        return
    item.status = ItemStatus.FAILED
    item.failure_reason = str((event.payload or {}).get("reason") or "activation failed")[:2000]
    db.flush()
    progress(db, order, actor=event.actor)


def progress(db: Session, order: Order, *, actor: str) -> None:
    """Derive the order's status from its items (see the module's failure rule)."""
    live = [i for i in order.items if i.status != ItemStatus.CANCELLED]
    states = {i.status for i in live}
    if live and states == {ItemStatus.ACTIVE}:
        _complete(db, order, actor)
    elif states == {ItemStatus.FAILED}:
        if order.status != OrderStatus.FAILED:
            order.status, order.failed_at = OrderStatus.FAILED, utcnow()
            db.flush()
            reasons = {i.id: i.failure_reason for i in live}
            record(db, events.ORDER_FAILED, order, actor, reasons=reasons)
    elif order.status == OrderStatus.FAILED:
        order.status, order.failed_at = OrderStatus.IN_PROGRESS, None
        db.flush()
        record(db, events.ORDER_IN_PROGRESS, order, actor, contract_id=order.contract_id)


def _complete(db: Session, order: Order, actor: str) -> None:
    if order.status == OrderStatus.COMPLETED:
        return
    order.status, order.completed_at, order.failed_at = OrderStatus.COMPLETED, utcnow(), None
    db.flush()
    record(db, events.ORDER_COMPLETED, order, actor, account_id=order.account_id)
    if order.kind == OrderKind.NEW:
        customers_service.activate_account(db, order.account_id, actor=SYSTEM)
