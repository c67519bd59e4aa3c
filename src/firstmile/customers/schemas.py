"""API shapes of the customers domain. Country-dependent checks (phone, VAT, registration
numbers) happen in the service, which knows the customer's country."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from firstmile.customers.models import (
    AccountKind,
    AccountStatus,
    Channel,
    ConsentPurpose,
    ConsentSource,
    ContactKind,
    CustomerKind,
    CustomerStatus,
    PhoneType,
)

Name = Field(default=None, min_length=1, max_length=120)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerCreate(_Input):
    """The person or organisation. Individuals need given and family name; organisations a
    legal name and registration number (validated for `country`)."""

    kind: CustomerKind
    country: str = Field(min_length=2, max_length=2, examples=["CZ"])
    given_name: str | None = Name
    family_name: str | None = Name
    birth_date: date | None = None
    legal_name: str | None = Field(default=None, min_length=1, max_length=200)
    registration_number: str | None = Field(default=None, max_length=60)
    vat_number: str | None = Field(default=None, max_length=30)


class Preferences(_Input):
    language: str = Field(default="en", max_length=10, examples=["cs"])
    time_zone: str | None = Field(
        default=None,
        max_length=64,
        examples=["Europe/Prague"],
        description="IANA time zone; the operator's (the pack's) when left out",
    )
    preferred_channels: list[Channel] = Field(default_factory=list, max_length=6)


class PostalAddress(_Input):
    street: str = Field(min_length=1, max_length=200)
    house_number: str | None = Field(default=None, max_length=20)
    postcode: str = Field(min_length=1, max_length=20)
    city: str = Field(min_length=1, max_length=120)
    region: str | None = Field(default=None, max_length=120)
    country: str = Field(min_length=2, max_length=2)


class ContactMediumCreate(_Input):
    """`value` is the email address or phone number; `address` the postal address."""

    kind: ContactKind
    value: str | None = Field(default=None, min_length=1, max_length=320)
    address: PostalAddress | None = None
    label: str | None = Field(default=None, max_length=40, examples=["home"])
    preferred: bool = False
    details: dict[str, Any] = Field(default_factory=dict)


class ContactMediumUpdate(_Input):
    """A new value or address is no longer verified."""

    value: str | None = Field(default=None, min_length=1, max_length=320)
    address: PostalAddress | None = None
    label: str | None = Field(default=None, max_length=40)
    preferred: bool | None = None
    details: dict[str, Any] | None = None


class ConsentCreate(_Input):
    purpose: ConsentPurpose
    channel: Channel
    granted: bool
    source: ConsentSource = ConsentSource.API


class Company(_Input):
    """The company a business account is for; numbers validated for `country`
    (default: the customer's country)."""

    legal_name: str = Field(min_length=1, max_length=200)
    registration_number: str | None = Field(default=None, max_length=60)
    vat_number: str | None = Field(default=None, max_length=30)
    country: str | None = Field(default=None, min_length=2, max_length=2)


class AccountCreate(_Input):
    kind: AccountKind
    name: str | None = Field(default=None, min_length=1, max_length=200)
    company: Company | None = None


class AccountsCreate(_Input):
    accounts: list[AccountCreate] = Field(min_length=1, max_length=20)


class RegistrationCreate(_Input):
    """A whole registration in one request: one procedure whatever the mix of accounts."""

    customer: CustomerCreate
    preferences: Preferences = Field(default_factory=Preferences)
    contacts: list[ContactMediumCreate] = Field(default_factory=list, max_length=20)
    consents: list[ConsentCreate] = Field(default_factory=list, max_length=24)
    accounts: list[AccountCreate] = Field(min_length=1, max_length=20)


class AppointmentRegistrationCreate(_Input):
    """A prospect who books a registration appointment with a sales or care agent."""

    customer: CustomerCreate
    preferences: Preferences = Field(default_factory=Preferences)
    contacts: list[ContactMediumCreate] = Field(min_length=1, max_length=5)
    consents: list[ConsentCreate] = Field(default_factory=list, max_length=24)
    slot_id: str = Field(min_length=1, max_length=36)
    note: str | None = Field(default=None, max_length=500)


class CustomerUpdate(_Input):
    language: str | None = Field(default=None, max_length=10)
    time_zone: str | None = Field(default=None, max_length=64)
    preferred_channels: list[Channel] | None = Field(default=None, max_length=6)


class QuietHoursUpdate(_Input):
    """The customer's own quiet hours: both times (local, may span midnight), or neither to
    fall back to the pack's."""

    start: time | None = None
    end: time | None = None


class VerificationConfirm(_Input):
    code: str = Field(min_length=4, max_length=10, pattern=r"^\s*\d+\s*$")


class InPersonVerification(_Input):
    reason: str = Field(min_length=3, max_length=300, examples=["passport shown at the shop"])


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: str
    number: str
    kind: AccountKind
    name: str
    status: AccountStatus
    legal_name: str | None
    registration_number: str | None
    vat_number: str | None
    company_country: str | None
    activated_at: datetime | None
    created_at: datetime


class ContactMediumRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: ContactKind
    value: str | None
    phone_type: PhoneType | None
    label: str | None
    preferred: bool
    verified_at: datetime | None
    street: str | None
    house_number: str | None
    postcode: str | None
    city: str | None
    region: str | None
    country: str | None
    details: dict[str, Any]


class ConsentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    purpose: ConsentPurpose
    channel: Channel
    granted: bool
    version: int
    source: ConsentSource
    actor: str
    recorded_at: datetime


class CustomerSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: CustomerKind
    status: CustomerStatus
    display_name: str
    country: str
    registered_via: str
    created_at: datetime


class CustomerRead(CustomerSummary):
    given_name: str | None
    family_name: str | None
    birth_date: date | None
    legal_name: str | None
    registration_number: str | None
    vat_number: str | None
    language: str
    time_zone: str
    preferred_channels: list[Channel]
    accounts: list[AccountRead]
    contact_media: list[ContactMediumRead]
    consents: list[ConsentRead]


class CustomerPage(BaseModel):
    items: list[CustomerSummary]
    total: int
    offset: int
    limit: int


class VerificationSent(BaseModel):
    medium_id: str
    channel: Channel
    message_id: str
    expires_in_seconds: int


class AppointmentRegistrationRead(BaseModel):
    customer: CustomerRead
    booking_id: str
