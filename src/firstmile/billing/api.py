"""Billing JSON routes. TxRoute owns the transaction; nothing here commits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from firstmile.billing import service as billing_service
from firstmile.billing.schemas import (
    BillingAccountCreate,
    BillingAccountRead,
    BillingAccountUpdate,
    FirstBillPreviewRead,
    PaymentMethodCreate,
    PaymentMethodRead,
)
from firstmile.kit.db import Session
from firstmile.kit.http import AnyActor, Db, TxRoute

router = APIRouter(prefix="/api/billing-accounts", tags=["billing"], route_class=TxRoute)


def _read(db: Session, account: Any) -> BillingAccountRead:
    return BillingAccountRead.of(account, billable=billing_service.billable(db, account.account_id))


@router.post("", status_code=201, response_model=BillingAccountRead)
def create_billing_account(
    data: BillingAccountCreate, db: Db, actor: AnyActor
) -> BillingAccountRead:
    """Set up billing for a customer account (one per account; 409 if it has one)."""
    account = billing_service.create_billing_account(db, data, actor=actor)
    return _read(db, account)


@router.get("", response_model=list[BillingAccountRead])
def find_billing_accounts(
    db: Db,
    _actor: AnyActor,
    account_id: Annotated[str | None, Query(max_length=36)] = None,
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
) -> list[BillingAccountRead]:
    found = billing_service.find_billing_accounts(
        db, account_id=account_id, customer_id=customer_id
    )
    return [_read(db, account) for account in found]


@router.get("/{billing_account_id}", response_model=BillingAccountRead)
def read_billing_account(billing_account_id: str, db: Db, _actor: AnyActor) -> BillingAccountRead:
    return _read(db, billing_service.get_billing_account(db, billing_account_id))


@router.patch("/{billing_account_id}", response_model=BillingAccountRead)
def update_billing_account(
    billing_account_id: str, data: BillingAccountUpdate, db: Db, actor: AnyActor
) -> BillingAccountRead:
    account = billing_service.update_billing_account(db, billing_account_id, data, actor=actor)
    return _read(db, account)


@router.post(
    "/{billing_account_id}/payment-methods", status_code=201, response_model=PaymentMethodRead
)
def add_payment_method(
    billing_account_id: str,
    data: Annotated[PaymentMethodCreate, Body()],
    db: Db,
    actor: AnyActor,
) -> PaymentMethodRead:
    """A SEPA direct debit mandate or a card token reference (never a card number)."""
    method = billing_service.add_payment_method(db, billing_account_id, data, actor=actor)
    return PaymentMethodRead.of(method)


@router.get("/{billing_account_id}/payment-methods", response_model=list[PaymentMethodRead])
def list_payment_methods(
    billing_account_id: str, db: Db, _actor: AnyActor
) -> list[PaymentMethodRead]:
    return [
        PaymentMethodRead.of(m) for m in billing_service.payment_methods(db, billing_account_id)
    ]


@router.delete(
    "/{billing_account_id}/payment-methods/{payment_method_id}",
    response_model=PaymentMethodRead,
)
def revoke_payment_method(
    billing_account_id: str, payment_method_id: str, db: Db, actor: AnyActor
) -> PaymentMethodRead:
    """Revoke the method (a SEPA mandate is cancelled); it stays listed as revoked."""
    method = billing_service.revoke_payment_method(
        db, billing_account_id, payment_method_id, actor=actor
    )
    return PaymentMethodRead.of(method)


@router.get("/{billing_account_id}/first-bill-preview", response_model=FirstBillPreviewRead)
def first_bill_preview(
    billing_account_id: str,
    db: Db,
    _actor: AnyActor,
    locale: Annotated[str | None, Query(max_length=10)] = None,
) -> dict[str, Any]:
    """The first (prorated) and regular bill, and how and when the customer pays."""
    return billing_service.first_bill_preview(db, billing_account_id, locale=locale)
