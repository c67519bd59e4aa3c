"""Reading orders and the product inventory."""

from __future__ import annotations

from collections.abc import Sequence

from firstmile.kit.db import Session
from firstmile.kit.errors import NotFound
from firstmile.orders import repository as repo
from firstmile.orders.models import Order, OrderStatus, Product, ProductStatus


def get_order(db: Session, order_id: str) -> Order:
    """The order with its items (NotFound when unknown)."""
    order = repo.find_order(db, order_id)
    if order is None:
        raise NotFound("order", order_id)
    return order


def get_product(db: Session, product_id: str) -> Product:
    product = repo.find_product(db, product_id)
    if product is None:
        raise NotFound("product", product_id)
    return product


def search_orders(
    db: Session,
    *,
    customer_id: str | None = None,
    status: OrderStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Order], int]:
    """A page of orders, newest first, with the total that match."""
    return repo.search_orders(
        db, customer_id=customer_id, status=status, limit=limit, offset=offset
    )


def search_products(
    db: Session,
    *,
    customer_id: str | None = None,
    status: ProductStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Product], int]:
    return repo.search_products(
        db, customer_id=customer_id, status=status, limit=limit, offset=offset
    )
