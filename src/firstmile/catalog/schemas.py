"""Request and response bodies of the catalog API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from firstmile.catalog.models import QuoteStatus
from firstmile.customers.models import AccountKind

Id = str


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServiceAddress(_Input):
    """Where the service is delivered. `house_number` may be Czech style `2828/151`; the
    number after the slash (the orientation number) is the one the coverage ranges use."""

    street: str = Field(min_length=1, max_length=200)
    house_number: str = Field(
        min_length=1, max_length=20, pattern=r"^[0-9]+[a-zA-Z]?(/[0-9]+[a-zA-Z]?)?$"
    )
    postcode: str = Field(min_length=3, max_length=10)
    city: str = Field(min_length=1, max_length=120)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    supply_point: str | None = Field(
        default=None,
        max_length=30,
        description="Electricity metering point (Swedish anläggnings-ID: 18-digit GS1 GSRN)",
    )


class EligibilityCheck(_Input):
    offering: str = Field(min_length=1, max_length=60)
    customer_kind: AccountKind
    address: ServiceAddress


class EligibilityReason(BaseModel):
    code: str
    message: str
    field: str | None = None


class EligibilityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    offering: str
    eligible: bool
    reasons: list[EligibilityReason]
    technology: str | None = None
    max_down_mbps: int | None = None
    grid_area: str | None = None
    supply_point: str | None = Field(
        default=None, description="the metering point ID as checked: 18 ASCII digits"
    )


class QuoteOptions(_Input):
    sim_type: Literal["physical", "esim"] | None = None
    port_number: str | None = Field(default=None, min_length=3, max_length=30)


class QuoteItemCreate(_Input):
    offering: str = Field(min_length=1, max_length=60)
    add_ons: list[str] = Field(default=[], max_length=20)
    features: dict[str, bool] = Field(default={}, description="feature code -> on/off")
    options: QuoteOptions = QuoteOptions()
    quantity: int = Field(default=1, ge=1, le=10)


class QuoteCreate(_Input):
    customer_id: Id = Field(min_length=1, max_length=36)
    account_id: Id = Field(min_length=1, max_length=36)
    service_address: ServiceAddress
    items: list[QuoteItemCreate] = Field(min_length=1, max_length=20)
    start_date: date | None = Field(default=None, description="default: today (pack time zone)")
    locale: str | None = Field(default=None, description="default: the customer's language")
    cycle_day: int | None = Field(
        default=None,
        ge=1,
        le=28,
        description="the billing day the bills are worked out for: the account's billing "
        "account's, once set up (default: the operator's)",
    )


class QuoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    status: QuoteStatus
    customer_id: str
    account_id: str
    currency: str
    start_date: date
    valid_until: datetime
    created_at: datetime
    ordered_at: datetime | None
    one_time_gross: Decimal
    first_bill_gross: Decimal
    monthly_gross: Decimal
    content: dict[str, Any] = Field(description="the frozen quote: lines, usage rates, bills")


class PriceRead(BaseModel):
    code: str
    type: str
    name: str
    unit: str | None
    window: dict[str, Any] | None
    indexed: str | None
    net: Decimal
    tax: Decimal
    gross: Decimal


class FeatureRead(BaseModel):
    code: str
    name: str
    default: bool
    switchable: bool
    monthly_net: Decimal | None


class DiscountRead(BaseModel):
    code: str
    name: str
    percent: Decimal | None
    amount_net: Decimal | None
    price: str | None
    charge: str
    months: int | None


class OfferingRead(BaseModel):
    code: str
    role: str
    kind: str
    name: str
    description: str
    locale: str
    currency: str
    tax_rate: Decimal
    customer_types: list[str]
    prices: list[PriceRead]
    features: list[FeatureRead]
    discounts: list[DiscountRead]
    terms: dict[str, Any]
    service_spec: dict[str, Any] | None
    broadband: dict[str, Any] | None
    add_ons: list[str] = Field(description="codes of the add-ons that can go with it")
    components: list[str]
    number_porting: bool
    supply_point_required: bool
