"""Billing accounts and payment methods.

Vocabulary from TMF666 (Account: `BillingAccount`, `billStructure`, `paymentMethod`) and
TMF676 (Payment: `PaymentMethod` of kind bank account debit or tokenised card). A SEPA Core
Direct Debit method carries its mandate (reference, date of signature, debtor, creditor id);
a card method carries only what the payment provider gives back (a token reference), never
a card number.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin, TimestampMixin


class BillingAccountStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class BillDelivery(StrEnum):
    EMAIL = "email"
    POSTAL = "postal"


class PaymentMethodKind(StrEnum):
    SEPA_DIRECT_DEBIT = "sepa_direct_debit"
    CARD = "card"


class PaymentMethodStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class BillingAccount(IdMixin, TimestampMixin, Base):
    """How one customer account is billed: cycle, bill format and language, currency."""

    __tablename__ = "billing_accounts"
    __table_args__ = (CheckConstraint("cycle_day BETWEEN 1 AND 28", name="cycle_day_range"),)

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[BillingAccountStatus] = mapped_column(
        String(16), default=BillingAccountStatus.ACTIVE
    )
    cycle_day: Mapped[int] = mapped_column(Integer)
    paperless: Mapped[bool] = mapped_column(default=True)
    bill_delivery: Mapped[BillDelivery] = mapped_column(String(16))
    bill_email: Mapped[str | None] = mapped_column(String(254))
    bill_language: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    # Mandate references are numbered per billing account; the row is locked to take one.
    mandate_sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_by: Mapped[str] = mapped_column(String(120))


class PaymentMethod(IdMixin, TimestampMixin, Base):
    """A SEPA direct debit mandate or a provider card token of a billing account."""

    __tablename__ = "payment_methods"
    __table_args__ = (
        # SEPA rulebook: a mandate reference is unique per creditor identifier.
        UniqueConstraint("creditor_id", "mandate_reference"),
    )

    billing_account_id: Mapped[str] = mapped_column(ForeignKey("billing_accounts.id"), index=True)
    kind: Mapped[PaymentMethodKind] = mapped_column(String(20))
    status: Mapped[PaymentMethodStatus] = mapped_column(
        String(16), default=PaymentMethodStatus.ACTIVE
    )
    is_default: Mapped[bool] = mapped_column(default=False)
    # SEPA Core Direct Debit
    holder_name: Mapped[str | None] = mapped_column(String(70))
    iban: Mapped[str | None] = mapped_column(String(34))  # normalised, never shown in full
    bic: Mapped[str | None] = mapped_column(String(11))
    mandate_reference: Mapped[str | None] = mapped_column(String(35))
    mandate_signed_on: Mapped[date | None]
    mandate_signed_by: Mapped[str | None] = mapped_column(String(120))
    creditor_id: Mapped[str | None] = mapped_column(String(35))
    # card (a payment provider's token; the card number never reaches firstmile)
    provider: Mapped[str | None] = mapped_column(String(20))
    token_reference: Mapped[str | None] = mapped_column(String(200))
    brand: Mapped[str | None] = mapped_column(String(20))
    last4: Mapped[str | None] = mapped_column(String(4))
    expiry_month: Mapped[int | None] = mapped_column(Integer)
    expiry_year: Mapped[int | None] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(120))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(120))
