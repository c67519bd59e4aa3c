"""What a customer account ordered, read through the orders domain (the one place that does)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from firstmile.kit.db import Session
from firstmile.kit.time import today_in
from firstmile.orders import repository as orders_repo
from firstmile.orders import service as orders_service
from firstmile.orders.models import Order, OrderKind, OrderStatus, Product, ProductStatus
from firstmile.packs import loader as packs

BILLED_ORDER_STATUSES = frozenset(
    {OrderStatus.AWAITING_SIGNATURE, OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED}
)
# orders can filter by customer, not yet by account: read a customer's whole (small) history.
PAGE = 200


@dataclass(frozen=True, slots=True)
class Ordered:
    """One live order of the account: its frozen quote snapshot and when billing starts."""

    order_id: str
    status: str
    snapshot: Mapping[str, Any]
    start: date


def _account_orders(db: Session, customer_id: str, account_id: str) -> list[Order]:
    found: list[Order] = []
    offset = 0
    while True:
        page, total = orders_service.search_orders(
            db, customer_id=customer_id, limit=PAGE, offset=offset
        )
        found += [o for o in page if o.account_id == account_id]
        offset += PAGE
        if offset >= total:
            return found


def _start(products: Sequence[Product], order: Order, today: date, tz: ZoneInfo) -> date:
    """The day the first live product went live; else the quoted start, never before today."""
    live = [p.activated_at.astimezone(tz).date() for p in products if p.activated_at is not None]
    if live:
        return min(live)
    quoted = order.snapshot.get("start_date")
    planned = date.fromisoformat(quoted) if isinstance(quoted, str) else today
    return max(planned, today)


def orders_for(db: Session, customer_id: str, account_id: str) -> list[Ordered]:
    """The account's new-product orders that are, or will be, billed, oldest first."""
    zone = packs.current_meta(db).timezone
    tz, today = ZoneInfo(zone), today_in(zone)
    out = []
    for order in _account_orders(db, customer_id, account_id):
        if order.kind != OrderKind.NEW or order.status not in BILLED_ORDER_STATUSES:
            continue
        products = orders_repo.products_of_order(db, order.id)
        billed = orders_service.priced_now(order, products)
        out.append(Ordered(order.id, str(order.status), billed, _start(products, order, today, tz)))
    return sorted(out, key=lambda o: (o.start, o.order_id))


def has_active_product(db: Session, customer_id: str, account_id: str) -> bool:
    offset = 0
    while True:
        page, total = orders_service.search_products(
            db, customer_id=customer_id, status=ProductStatus.ACTIVE, limit=PAGE, offset=offset
        )
        if any(p.account_id == account_id for p in page):
            return True
        offset += PAGE
        if offset >= total:
            return False
