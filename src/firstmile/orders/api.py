"""JSON API: orders from quotes, their cancellation, and the customer's product inventory."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from firstmile.kit.http import AnyActor, Db, TxRoute
from firstmile.orders import service
from firstmile.orders.models import OrderStatus, ProductStatus
from firstmile.orders.schemas import (
    FeaturesChange,
    OrderCancel,
    OrderCreate,
    OrderPage,
    OrderRead,
    ProductPage,
    ProductRead,
)

router = APIRouter(prefix="/api", tags=["orders"], route_class=TxRoute)

IdQuery = Annotated[str | None, Query(min_length=1, max_length=36)]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.post("/orders", response_model=OrderRead, status_code=201)
def place_order(body: OrderCreate, db: Db, actor: AnyActor) -> OrderRead:
    """Order an open quote: its prices are locked, a contract is prepared for signature.
    A quote is ordered once (409 the second time); send an `Idempotency-Key` to retry safely."""
    return OrderRead.of(service.place_order(db, quote_id=body.quote_id, actor=actor))


@router.get("/orders", response_model=OrderPage)
def search_orders(
    db: Db,
    _actor: AnyActor,
    customer_id: IdQuery = None,
    status: Annotated[OrderStatus | None, Query()] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> OrderPage:
    """Orders, newest first."""
    rows, total = service.search_orders(
        db, customer_id=customer_id, status=status, limit=limit, offset=offset
    )
    return OrderPage(items=[OrderRead.of(o) for o in rows], total=total, offset=offset, limit=limit)


@router.get("/orders/{order_id}", response_model=OrderRead)
def read_order(order_id: str, db: Db, _actor: AnyActor) -> OrderRead:
    """The order with its items, status, locked totals and contract."""
    return OrderRead.of(service.get_order(db, order_id))


@router.post("/orders/{order_id}/cancel", response_model=OrderRead)
def cancel_order(order_id: str, body: OrderCancel, db: Db, actor: AnyActor) -> OrderRead:
    """Cancel: free before signature and in the cooling-off period, otherwise under the
    contract's termination terms (fee and termination date on the order). 409 twice."""
    service.cancel_order(db, order_id, reason=body.reason, actor=actor)
    return OrderRead.of(service.get_order(db, order_id))


@router.get("/products", response_model=ProductPage)
def search_products(
    db: Db,
    _actor: AnyActor,
    customer_id: IdQuery = None,
    status: Annotated[ProductStatus | None, Query()] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ProductPage:
    """The product inventory (what customers hold), oldest first."""
    rows, total = service.search_products(
        db, customer_id=customer_id, status=status, limit=limit, offset=offset
    )
    return ProductPage(
        items=[ProductRead.model_validate(p) for p in rows], total=total, offset=offset, limit=limit
    )


@router.get("/products/{product_id}", response_model=ProductRead)
def read_product(product_id: str, db: Db, _actor: AnyActor) -> ProductRead:
    return ProductRead.model_validate(service.get_product(db, product_id))


@router.post("/products/{product_id}/features", response_model=OrderRead, status_code=201)
def change_features(product_id: str, body: FeaturesChange, db: Db, actor: AnyActor) -> OrderRead:
    """Switch features of an active product on or off: a `modify` order that provisioning
    applies; the product's features change when it reports the change done."""
    order = service.change_features(
        db, product_id=product_id, features=dict(body.features), actor=actor
    )
    return OrderRead.of(order)
