"""Orders (TMF622 ProductOrder), their items, and the customer's product inventory (TMF637).

An order placed from a quote keeps the quote's frozen content as `snapshot`: the prices and
terms the customer signs stay what they were, whatever the catalog does later. A `modify`
order (a feature switched on or off) has no quote; its snapshot holds the change.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from firstmile.kit.db import Base, IdMixin, TimestampMixin
from firstmile.kit.time import utcnow


class OrderKind(StrEnum):
    NEW = "new"  # from a quote: new products, a contract to sign
    MODIFY = "modify"  # a change to products the customer holds (features)


class OrderStatus(StrEnum):
    AWAITING_SIGNATURE = "awaiting_signature"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


class ItemAction(StrEnum):
    ADD = "add"
    MODIFY = "modify"


class ItemStatus(StrEnum):
    PENDING = "pending"  # waiting for the signature or for provisioning
    ACTIVE = "active"  # provisioning reported the service live (or the change applied)
    FAILED = "failed"  # a permanent failure; an agent's retry may still activate it
    CANCELLED = "cancelled"


class ProductStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    CANCELLED = "cancelled"  # the order was cancelled before the product went live


class CancellationBasis(StrEnum):
    BEFORE_SIGNATURE = "before_signature"
    COOLING_OFF = "cooling_off"
    NOT_DELIVERED = "not_delivered"  # a failed order: nothing was delivered
    TERMINATION_TERMS = "termination_terms"


class Order(IdMixin, TimestampMixin, Base):
    __tablename__ = "orders"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    quote_id: Mapped[str | None] = mapped_column(ForeignKey("catalog_quotes.id"), unique=True)
    kind: Mapped[OrderKind] = mapped_column(String(16))
    status: Mapped[OrderStatus] = mapped_column(String(24), index=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    currency: Mapped[str] = mapped_column(String(3))
    one_time_gross: Mapped[Decimal]
    monthly_gross: Mapped[Decimal]
    contract_id: Mapped[str | None] = mapped_column(String(36))
    placed_by: Mapped[str] = mapped_column(String(120))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    signed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(120))
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    cancellation_basis: Mapped[CancellationBasis | None] = mapped_column(String(24))
    cancellation_fee: Mapped[Decimal | None]
    termination_date: Mapped[date | None]

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", lazy="raise", order_by="OrderItem.position"
    )


class Product(IdMixin, TimestampMixin, Base):
    """What the customer holds: one provisioned plan, with the features in force."""

    __tablename__ = "products"
    __table_args__ = (Index("ix_products_customer_status", "customer_id", "status"),)

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    offering_code: Mapped[str] = mapped_column(String(60))
    bundle_code: Mapped[str | None] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    quote_item: Mapped[int] = mapped_column(Integer)
    status: Mapped[ProductStatus] = mapped_column(String(16))
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    service_id: Mapped[str | None] = mapped_column(String(36))
    # An energy supply's metering point (18 digits); a meter is supplied by one product at once.
    supply_point: Mapped[str | None] = mapped_column(String(40), index=True)
    activated_at: Mapped[datetime | None]
    terminates_on: Mapped[date | None]
    terminated_at: Mapped[datetime | None]


class OrderItem(IdMixin, Base):
    __tablename__ = "order_items"

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    quote_item: Mapped[int | None] = mapped_column(Integer)
    offering_code: Mapped[str] = mapped_column(String(60))
    action: Mapped[ItemAction] = mapped_column(String(16))
    status: Mapped[ItemStatus] = mapped_column(String(16))
    features: Mapped[dict[str, Any]] = mapped_column(JSON)  # add: all; modify: the change
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    service_id: Mapped[str | None] = mapped_column(String(36))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="items", lazy="raise")
