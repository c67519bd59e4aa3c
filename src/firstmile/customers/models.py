"""Customers, their accounts, contact media and consent history.

Other domains refer to `customers.id` and `accounts.id`; those columns are the stable core.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin, TimestampMixin
from firstmile.kit.time import utcnow


class CustomerKind(StrEnum):
    INDIVIDUAL = "individual"
    ORGANIZATION = "organization"


class CustomerStatus(StrEnum):
    PROSPECT = "prospect"  # registered, not yet contracted
    ACTIVE = "active"  # at least one active service
    SUSPENDED = "suspended"
    CLOSED = "closed"


class RegisteredVia(StrEnum):
    ONLINE_FORM = "online_form"
    APPOINTMENT = "appointment"
    AGENT = "agent"
    IMPORT = "import"


class AccountKind(StrEnum):
    RESIDENTIAL = "residential"
    BUSINESS = "business"


class AccountStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    CLOSED = "closed"


class ContactKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    POSTAL = "postal"


class PhoneType(StrEnum):
    MOBILE = "mobile"
    FIXED = "fixed"
    FIXED_OR_MOBILE = "fixed_or_mobile"  # numbering plans that do not tell (e.g. US, CA)
    VOIP = "voip"
    OTHER = "other"


class Channel(StrEnum):
    """Channels a customer may be reached on, for preferences and consents."""

    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"
    INAPP = "inapp"
    PHONE = "phone"
    POST = "post"


class ConsentPurpose(StrEnum):
    SERVICE = "service"
    MARKETING = "marketing"


class ConsentSource(StrEnum):
    WEB_FORM = "web_form"
    AGENT = "agent"
    API = "api"
    IMPORT = "import"
    APPOINTMENT = "appointment"
    MESSAGE_LINK = "message_link"  # the unsubscribe / preference link in a message


class Customer(IdMixin, TimestampMixin, Base):
    __tablename__ = "customers"

    kind: Mapped[CustomerKind] = mapped_column(String(16))
    status: Mapped[CustomerStatus] = mapped_column(String(16), default=CustomerStatus.PROSPECT)
    # individuals
    given_name: Mapped[str | None] = mapped_column(String(120))
    family_name: Mapped[str | None] = mapped_column(String(120))
    birth_date: Mapped[date | None]
    # organisations
    legal_name: Mapped[str | None] = mapped_column(String(200))
    registration_number: Mapped[str | None] = mapped_column(String(40))
    vat_number: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(10), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    preferred_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The customer's own quiet hours (local times in `time_zone`, may span midnight): no
    # message but an urgent one is sent between them. None: the pack's quiet hours apply.
    quiet_hours_start: Mapped[time | None] = mapped_column(default=None)
    quiet_hours_end: Mapped[time | None] = mapped_column(default=None)
    registered_via: Mapped[str] = mapped_column(String(20), default=RegisteredVia.ONLINE_FORM)

    @property
    def display_name(self) -> str:
        if self.kind == CustomerKind.ORGANIZATION:
            return self.legal_name or ""
        return " ".join(p for p in (self.given_name, self.family_name) if p)


class Account(IdMixin, TimestampMixin, Base):
    """A billing relationship of a customer; one customer may hold several, of either kind."""

    __tablename__ = "accounts"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[AccountKind] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[AccountStatus] = mapped_column(String(16), default=AccountStatus.PENDING)
    # business accounts: the company the account is for
    legal_name: Mapped[str | None] = mapped_column(String(200))
    registration_number: Mapped[str | None] = mapped_column(String(40))
    vat_number: Mapped[str | None] = mapped_column(String(20))
    company_country: Mapped[str | None] = mapped_column(String(2))
    activated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class ContactMedium(IdMixin, TimestampMixin, Base):
    """An email address, a phone number (E.164) or a structured postal address.

    `value` is the normalised email or E.164 number (None for postal addresses) and is what
    agents search on. At most one medium per kind is `preferred`.
    """

    __tablename__ = "contact_media"
    __table_args__ = (Index("ix_contact_media_kind_value", "kind", "value"),)

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[ContactKind] = mapped_column(String(16))
    value: Mapped[str | None] = mapped_column(String(320))
    phone_type: Mapped[PhoneType | None] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(40))
    preferred: Mapped[bool] = mapped_column(default=False)
    verified_at: Mapped[datetime | None]
    # postal addresses
    street: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(2))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Consent(IdMixin, Base):
    """One change of a consent; rows are only ever appended.

    The current state of (customer, purpose, channel) is its row with the highest `version`;
    the unique version makes two concurrent changes of one pair clash instead of interleave.
    """

    __tablename__ = "consents"
    # the unique constraint's index also serves the "current state" look-up
    __table_args__ = (UniqueConstraint("customer_id", "purpose", "channel", "version"),)

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    purpose: Mapped[ConsentPurpose] = mapped_column(String(16))
    channel: Mapped[Channel] = mapped_column(String(16))
    granted: Mapped[bool]
    version: Mapped[int]
    source: Mapped[ConsentSource] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
