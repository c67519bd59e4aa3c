"""The catalog in force (loaded from the operator pack) and the quotes made from it.

Pack-defined structures (prices, features, discounts, terms, service specs) are JSON: nothing
queries inside them, and the pack's pydantic models have validated them before they land here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin, TimestampMixin
from firstmile.kit.time import utcnow


class OfferingRole(StrEnum):
    PLAN = "plan"  # a product the customer can order on its own
    ADD_ON = "add_on"  # only together with one of the plans it is for
    BUNDLE = "bundle"  # several plans sold together with a bundle discount


class QuoteStatus(StrEnum):
    OPEN = "open"
    ORDERED = "ordered"
    EXPIRED = "expired"


class CatalogRelease(IdMixin, Base):
    """One load of the pack's catalog: country-wide settings (tax, currency, validity)."""

    __tablename__ = "catalog_releases"

    pack: Mapped[str] = mapped_column(String(40))
    digest: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    tax: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"rate": "0.21", "name": {locale: text}}
    unit_taxes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    quote_validity_days: Mapped[int] = mapped_column(Integer)
    default_cycle_day: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Offering(IdMixin, TimestampMixin, Base):
    """A product offering (TMF620 ProductOffering) with its prices (ProductOfferingPrice)."""

    __tablename__ = "catalog_offerings"

    code: Mapped[str] = mapped_column(String(60), unique=True)
    pack: Mapped[str] = mapped_column(String(40))
    role: Mapped[OfferingRole] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(20))  # mobile|broadband|tv|electricity|gas|...
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    description: Mapped[dict[str, Any]] = mapped_column(JSON)
    customer_types: Mapped[list[str]] = mapped_column(JSON)
    prices: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    features: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    discounts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    service_spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    broadband: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    add_on_for: Mapped[list[str]] = mapped_column(JSON, default=list)
    components: Mapped[list[str]] = mapped_column(JSON, default=list)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CoverageEntry(IdMixin, Base):
    """Fixed-line coverage: which technology and speed reach an address range."""

    __tablename__ = "catalog_coverage"
    __table_args__ = (Index("ix_catalog_coverage_country_postcode", "country", "postcode"),)

    country: Mapped[str] = mapped_column(String(2))
    postcode: Mapped[str] = mapped_column(String(12))
    street: Mapped[str | None] = mapped_column(String(200))
    house_from: Mapped[int | None] = mapped_column(Integer)
    house_to: Mapped[int | None] = mapped_column(Integer)
    technology: Mapped[str] = mapped_column(String(10))
    max_down_mbps: Mapped[int] = mapped_column(Integer)
    max_up_mbps: Mapped[int] = mapped_column(Integer)


class GridArea(IdMixin, Base):
    """A postcode range of an electricity price area (elområde) and its network charges."""

    __tablename__ = "catalog_grid_areas"
    __table_args__ = (Index("ix_catalog_grid_areas_country_from", "country", "postcode_from"),)

    country: Mapped[str] = mapped_column(String(2))
    area: Mapped[str] = mapped_column(String(10))
    postcode_from: Mapped[str] = mapped_column(String(12))
    postcode_to: Mapped[str] = mapped_column(String(12))
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    monthly_net: Mapped[Decimal]
    per_kwh_net: Mapped[Decimal]


class Quote(IdMixin, TimestampMixin, Base):
    """What the customer signs. `content` is frozen at creation; only the status moves."""

    __tablename__ = "catalog_quotes"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    status: Mapped[QuoteStatus] = mapped_column(String(16), default=QuoteStatus.OPEN)
    currency: Mapped[str] = mapped_column(String(3))
    start_date: Mapped[date]
    valid_until: Mapped[datetime]
    first_bill_gross: Mapped[Decimal]
    monthly_gross: Mapped[Decimal]
    one_time_gross: Mapped[Decimal]
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(120))
    ordered_at: Mapped[datetime | None]
