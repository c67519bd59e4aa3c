"""The orders API's request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from firstmile.kit.money import q
from firstmile.orders.models import (
    CancellationBasis,
    ItemAction,
    ItemStatus,
    Order,
    OrderKind,
    OrderStatus,
    ProductStatus,
)

FeatureCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderCreate(_Input):
    quote_id: str = Field(min_length=1, max_length=36)


class OrderCancel(_Input):
    reason: str = Field(min_length=1, max_length=500)


class FeaturesChange(_Input):
    features: dict[FeatureCode, bool] = Field(min_length=1, max_length=50)


class OrderItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    position: int
    offering_code: str
    action: ItemAction
    status: ItemStatus
    features: dict[str, Any]
    options: dict[str, Any]
    product_id: str
    service_id: str | None
    failure_reason: str | None
    completed_at: datetime | None


class Totals(BaseModel):
    currency: str
    one_time_gross: Decimal
    monthly_gross: Decimal
    first_bill_gross: Decimal | None = None


class OrderRead(BaseModel):
    id: str
    kind: OrderKind
    status: OrderStatus
    customer_id: str
    account_id: str
    quote_id: str | None
    contract_id: str | None
    totals: Totals
    items: list[OrderItemRead]
    placed_at: datetime
    signed_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancellation_reason: str | None
    cancellation_basis: CancellationBasis | None
    cancellation_fee: Decimal | None
    termination_date: date | None
    snapshot: dict[str, Any]

    @classmethod
    def of(cls, order: Order) -> OrderRead:
        bills = order.snapshot.get("bills") or {}
        first = (bills.get("first") or {}).get("gross")
        return cls(
            id=order.id,
            kind=order.kind,
            status=order.status,
            customer_id=order.customer_id,
            account_id=order.account_id,
            quote_id=order.quote_id,
            contract_id=order.contract_id,
            totals=Totals(
                currency=order.currency,
                one_time_gross=q(order.one_time_gross, order.currency),
                monthly_gross=q(order.monthly_gross, order.currency),
                first_bill_gross=Decimal(first) if first is not None else None,
            ),
            items=[OrderItemRead.model_validate(i) for i in order.items],
            placed_at=order.placed_at,
            signed_at=order.signed_at,
            completed_at=order.completed_at,
            cancelled_at=order.cancelled_at,
            cancellation_reason=order.cancellation_reason,
            cancellation_basis=order.cancellation_basis,
            cancellation_fee=(
                None
                if order.cancellation_fee is None
                else q(order.cancellation_fee, order.currency)
            ),
            termination_date=order.termination_date,
            snapshot=order.snapshot,
        )


class OrderPage(BaseModel):
    items: list[OrderRead]
    total: int
    offset: int
    limit: int


class ProductRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: str
    account_id: str
    order_id: str
    offering_code: str
    bundle_code: str | None
    kind: str
    name: dict[str, Any]
    status: ProductStatus
    features: dict[str, Any]
    service_id: str | None
    activated_at: datetime | None
    terminates_on: date | None
    terminated_at: datetime | None


class ProductPage(BaseModel):
    items: list[ProductRead]
    total: int
    offset: int
    limit: int
