"""Every query of the orders domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from firstmile.kit.db import Session
from firstmile.orders.models import (
    ItemStatus,
    Order,
    OrderItem,
    OrderKind,
    OrderStatus,
    Product,
    ProductStatus,
)


def find_order(db: Session, order_id: str, *, for_update: bool = False) -> Order | None:
    """The order with its items loaded; `for_update` locks the order row first."""
    stmt = select(Order).where(Order.id == order_id).options(selectinload(Order.items))
    if for_update:
        stmt = stmt.with_for_update(of=Order).execution_options(populate_existing=True)
    return db.scalar(stmt)


def find_item(db: Session, item_id: str) -> OrderItem | None:
    return db.get(OrderItem, item_id)


def supplying(db: Session, supply_point: str, kind: str) -> Product | None:
    """The product that supplies (or is being switched to supply) this metering point."""
    live = (ProductStatus.PENDING, ProductStatus.ACTIVE, ProductStatus.SUSPENDED)
    stmt = select(Product).where(
        Product.supply_point == supply_point, Product.kind == kind, Product.status.in_(live)
    )
    return db.scalars(stmt.limit(1)).first()


def find_product(db: Session, product_id: str, *, for_update: bool = False) -> Product | None:
    stmt = select(Product).where(Product.id == product_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.scalar(stmt)


def search_orders(
    db: Session,
    *,
    customer_id: str | None,
    status: OrderStatus | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Order], int]:
    """A page of orders, newest first, and how many match in all."""
    where = []
    if customer_id is not None:
        where.append(Order.customer_id == customer_id)
    if status is not None:
        where.append(Order.status == status)
    total = db.scalar(select(func.count()).select_from(Order).where(*where)) or 0
    stmt = (
        select(Order)
        .where(*where)
        .options(selectinload(Order.items))
        .order_by(Order.placed_at.desc(), Order.id)
        .limit(limit)
        .offset(offset)
    )
    return db.scalars(stmt).all(), total


def search_products(
    db: Session,
    *,
    customer_id: str | None,
    status: ProductStatus | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Product], int]:
    where = []
    if customer_id is not None:
        where.append(Product.customer_id == customer_id)
    if status is not None:
        where.append(Product.status == status)
    total = db.scalar(select(func.count()).select_from(Product).where(*where)) or 0
    stmt = (
        select(Product)
        .where(*where)
        .order_by(Product.created_at, Product.id)
        .limit(limit)
        .offset(offset)
    )
    return db.scalars(stmt).all(), total


def products_of_order(db: Session, order_id: str) -> Sequence[Product]:
    stmt = select(Product).where(Product.order_id == order_id).order_by(Product.quote_item)
    return db.scalars(stmt).all()


def pending_change_for(db: Session, product_id: str) -> OrderItem | None:
    """A modify item on the product that has not finished (one change at a time)."""
    stmt = (
        select(OrderItem)
        .join(Order, Order.id == OrderItem.order_id)
        .where(
            OrderItem.product_id == product_id,
            Order.kind == OrderKind.MODIFY,
            OrderItem.status.in_([ItemStatus.PENDING, ItemStatus.FAILED]),
            Order.status.in_([OrderStatus.IN_PROGRESS, OrderStatus.FAILED]),
        )
        .limit(1)
    )
    return db.scalar(stmt)
