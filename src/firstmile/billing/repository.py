"""Every billing query."""

from __future__ import annotations

from sqlalchemy import select

from firstmile.billing.models import (
    BillingAccount,
    PaymentMethod,
    PaymentMethodStatus,
)
from firstmile.customers.models import Account
from firstmile.kit.db import Session


def billing_account(db: Session, billing_account_id: str) -> BillingAccount | None:
    return db.get(BillingAccount, billing_account_id)


def billing_account_locked(db: Session, billing_account_id: str) -> BillingAccount | None:
    """The row locked until the end of the transaction (serialises mandate numbering)."""
    return db.scalar(
        select(BillingAccount)
        .where(BillingAccount.id == billing_account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def for_account(db: Session, account_id: str) -> BillingAccount | None:
    return db.scalar(select(BillingAccount).where(BillingAccount.account_id == account_id))


def search(
    db: Session,
    *,
    account_id: str | None = None,
    customer_id: str | None = None,
    limit: int = 100,
) -> list[BillingAccount]:
    query = select(BillingAccount).order_by(BillingAccount.created_at, BillingAccount.id)
    if account_id is not None:
        query = query.where(BillingAccount.account_id == account_id)
    if customer_id is not None:
        query = query.where(BillingAccount.customer_id == customer_id)
    return list(db.scalars(query.limit(limit)))


def customer_account(db: Session, account_id: str) -> Account | None:
    """Read-only look-up of the customers domain's account."""
    return db.get(Account, account_id)


def payment_method(db: Session, payment_method_id: str) -> PaymentMethod | None:
    return db.get(PaymentMethod, payment_method_id)


def payment_methods(
    db: Session, billing_account_id: str, *, active_only: bool = False
) -> list[PaymentMethod]:
    query = select(PaymentMethod).where(PaymentMethod.billing_account_id == billing_account_id)
    if active_only:
        query = query.where(PaymentMethod.status == PaymentMethodStatus.ACTIVE)
    return list(db.scalars(query.order_by(PaymentMethod.created_at.desc(), PaymentMethod.id)))


def default_method(db: Session, billing_account_id: str) -> PaymentMethod | None:
    return db.scalar(
        select(PaymentMethod)
        .where(
            PaymentMethod.billing_account_id == billing_account_id,
            PaymentMethod.status == PaymentMethodStatus.ACTIVE,
            PaymentMethod.is_default.is_(True),
        )
        .limit(1)
    )


def mandate_reference_taken(db: Session, creditor_id: str, reference: str) -> bool:
    found = db.scalar(
        select(PaymentMethod.id).where(
            PaymentMethod.creditor_id == creditor_id,
            PaymentMethod.mandate_reference == reference,
        )
    )
    return found is not None
