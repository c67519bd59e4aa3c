"""Billing API shapes. Checks of bank and card details live in `validation.py`, run by the
service, so the same rules hold for every caller, not only the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from firstmile.billing.models import (
    BillDelivery,
    BillingAccount,
    BillingAccountStatus,
    PaymentMethod,
    PaymentMethodKind,
    PaymentMethodStatus,
)
from firstmile.billing.validation import mask_iban

CycleDay = Annotated[int, Field(ge=1, le=28, description="day of the month a cycle starts")]


class BillingAccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, max_length=36)
    cycle_day: CycleDay = 1
    paperless: bool = True
    bill_email: EmailStr | None = Field(
        default=None, description="where paperless bills go; default: the customer's email"
    )
    bill_language: str | None = Field(
        default=None, max_length=10, description="default: the customer's language"
    )


class BillingAccountUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cycle_day: CycleDay | None = None
    paperless: bool | None = None
    bill_email: EmailStr | None = None
    bill_language: str | None = Field(default=None, max_length=10)


class BillingAccountRead(BaseModel):
    id: str
    account_id: str
    customer_id: str
    status: BillingAccountStatus
    cycle_day: int
    paperless: bool
    bill_delivery: BillDelivery
    bill_email: str | None
    bill_language: str
    currency: str
    billable: bool = Field(
        description="billing account, an active payment method and an active product"
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, account: BillingAccount, *, billable: bool) -> BillingAccountRead:
        fields = {name: getattr(account, name) for name in cls.model_fields if name != "billable"}
        return cls(**fields, billable=billable)


class SepaDirectDebitCreate(BaseModel):
    """A SEPA Core Direct Debit mandate the debtor signed."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["sepa_direct_debit"]
    holder_name: str = Field(min_length=1, max_length=70, description="debtor name")
    iban: str = Field(min_length=1, max_length=50, description="spaces allowed")
    bic: str | None = Field(default=None, max_length=14, description="optional in SEPA")
    mandate_signed_on: date = Field(description="date of signature")
    mandate_signed_by: str | None = Field(
        default=None, min_length=1, max_length=120, description="default: the holder"
    )
    make_default: bool = True


class CardCreate(BaseModel):
    """A card held by a payment provider: only its token reference, never the card number."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["card"]
    provider: str = Field(pattern=r"^[a-z][a-z0-9_]{1,19}$", examples=["stripe", "adyen"])
    token_reference: str = Field(min_length=1, max_length=200)
    brand: str = Field(min_length=1, max_length=20, examples=["visa", "mastercard"])
    last4: str = Field(pattern=r"^[0-9]{4}$")
    expiry_month: int = Field(ge=1, le=12)
    expiry_year: int = Field(ge=2000, le=2100)
    make_default: bool = True


PaymentMethodCreate = Annotated[SepaDirectDebitCreate | CardCreate, Field(discriminator="kind")]


class PaymentMethodRead(BaseModel):
    id: str
    billing_account_id: str
    kind: PaymentMethodKind
    status: PaymentMethodStatus
    is_default: bool
    holder_name: str | None = None
    iban_masked: str | None = None
    bic: str | None = None
    mandate_reference: str | None = None
    mandate_signed_on: date | None = None
    mandate_signed_by: str | None = None
    creditor_id: str | None = None
    provider: str | None = None
    brand: str | None = None
    last4: str | None = None
    expiry_month: int | None = None
    expiry_year: int | None = None
    created_at: datetime
    revoked_at: datetime | None = None

    @classmethod
    def of(cls, method: PaymentMethod) -> PaymentMethodRead:
        skip = {"iban_masked"}
        fields = {name: getattr(method, name) for name in cls.model_fields if name not in skip}
        masked = mask_iban(method.iban) if method.iban else None
        return cls(**fields, iban_masked=masked)


class FirstBillPreviewRead(BaseModel):
    """The first (prorated) and regular bill, and how and when the customer pays."""

    billing_account_id: str
    account_id: str
    locale: str
    direction: Literal["ltr", "rtl"]
    currency: str
    cycle_day: int
    labels: dict[str, str]
    orders: list[dict[str, Any]]
    first_bill: dict[str, Any]
    regular_bill: dict[str, Any]
    payment: dict[str, Any]
    billable: bool
