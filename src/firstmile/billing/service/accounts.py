"""Billing accounts: one per customer account (TMF666 BillingAccount)."""

from __future__ import annotations

from typing import Any

from firstmile.auth.scopes import Actor
from firstmile.billing import events
from firstmile.billing import repository as repo
from firstmile.billing.models import (
    BillDelivery,
    BillingAccount,
    BillingAccountStatus,
)
from firstmile.billing.schemas import BillingAccountCreate, BillingAccountUpdate
from firstmile.billing.service import ordered
from firstmile.customers import repository as customers_repo
from firstmile.eventlog import service as eventlog_service
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.i18n import SUPPORTED_LOCALES, is_supported, language_of
from firstmile.packs import loader as packs

# Named in `billing_account.updated`, never recorded with their values: the event log
# keeps no personal data (an erasure could not take it back from every copy).
PERSONAL_FIELDS = frozenset({"bill_email"})


def get_billing_account(db: Session, billing_account_id: str) -> BillingAccount:
    account = repo.billing_account(db, billing_account_id)
    if account is None:
        raise NotFound("billing account", billing_account_id)
    return account


def find_billing_accounts(
    db: Session, *, account_id: str | None = None, customer_id: str | None = None
) -> list[BillingAccount]:
    return repo.search(db, account_id=account_id, customer_id=customer_id)


def _bill_language(value: str | None, fallback: str) -> str:
    """The asked language, else the customer's (or pack's) if supported, else English."""
    if value is not None:
        if not is_supported(value):
            raise InvalidInput(
                f"bill language must be one of {', '.join(SUPPORTED_LOCALES)}",
                field="bill_language",
            )
        return language_of(value)
    return language_of(fallback) if is_supported(fallback) else "en"


def _delivery(paperless: bool, bill_email: str | None) -> BillDelivery:
    if paperless and not bill_email:
        raise InvalidInput("a paperless bill needs an email address", field="bill_email")
    return BillDelivery.EMAIL if paperless else BillDelivery.POSTAL


def create_billing_account(
    db: Session, data: BillingAccountCreate, *, actor: Actor
) -> BillingAccount:
    """Set up billing for a customer account; one billing account per account (else 409)."""
    account = repo.customer_account(db, data.account_id)
    if account is None:
        raise NotFound("account", data.account_id)
    if repo.for_account(db, account.id) is not None:
        raise Conflict("the account already has a billing account", field="account_id")
    customer = customers_repo.find(db, account.customer_id)
    meta = packs.current_meta(db)
    fallback = customer.language if customer is not None else meta.default_locale
    bill_email = data.bill_email
    if data.paperless and not bill_email:  # default: the customer's verified email
        bill_email = customers_repo.verified_email(db, account.customer_id)
    billing = BillingAccount(
        account_id=account.id,
        customer_id=account.customer_id,
        status=BillingAccountStatus.ACTIVE,
        cycle_day=data.cycle_day,
        paperless=data.paperless,
        bill_delivery=_delivery(data.paperless, bill_email),
        bill_email=bill_email,
        bill_language=_bill_language(data.bill_language, fallback),
        currency=meta.currency,
        mandate_sequence=0,
        created_by=actor.ref,
        updated_by=actor.ref,
    )
    db.add(billing)
    db.flush()
    eventlog_service.record(
        db,
        events.BILLING_ACCOUNT_CREATED,
        actor=actor.ref,
        customer_id=billing.customer_id,
        subject_id=billing.id,
        payload={
            "account_id": billing.account_id,
            "cycle_day": billing.cycle_day,
            "paperless": billing.paperless,
            "bill_language": billing.bill_language,
            "currency": billing.currency,
        },
    )
    return billing


def update_billing_account(
    db: Session, billing_account_id: str, data: BillingAccountUpdate, *, actor: Actor
) -> BillingAccount:
    """Change the cycle day, paperless bill (and its email) or bill language."""
    billing = get_billing_account(db, billing_account_id)
    if billing.status != BillingAccountStatus.ACTIVE:
        raise Conflict("the billing account is closed")
    wanted = _wanted_values(billing, data)
    fields: list[str] = []
    changes: dict[str, Any] = {}
    for name, value in wanted.items():
        old = getattr(billing, name)
        if old != value:
            fields.append(name)
            if name not in PERSONAL_FIELDS:
                changes[name] = {"from": str(old) if old is not None else None, "to": value}
            setattr(billing, name, value)
    if not fields:
        return billing
    billing.updated_by = actor.ref
    db.flush()
    eventlog_service.record(
        db,
        events.BILLING_ACCOUNT_UPDATED,
        actor=actor.ref,
        customer_id=billing.customer_id,
        subject_id=billing.id,
        payload={"fields": sorted(fields), "changes": changes},
    )
    return billing


def _wanted_values(billing: BillingAccount, data: BillingAccountUpdate) -> dict[str, Any]:
    """Validate the whole change before anything is written."""
    given = data.model_dump(exclude_unset=True)
    for name in ("cycle_day", "paperless"):
        if name in given and given[name] is None:
            raise InvalidInput("may be left out but not null", field=name)
    paperless = given.get("paperless", billing.paperless)
    email = given.get("bill_email", billing.bill_email)
    wanted: dict[str, Any] = {
        "cycle_day": given.get("cycle_day", billing.cycle_day),
        "paperless": paperless,
        "bill_email": email,
        "bill_delivery": _delivery(paperless, email).value,
    }
    if given.get("bill_language") is not None:
        wanted["bill_language"] = _bill_language(given["bill_language"], billing.bill_language)
    return wanted


def billable(db: Session, account_id: str) -> bool:
    """An active billing account, an active payment method and at least one active product."""
    billing = repo.for_account(db, account_id)
    if billing is None or billing.status != BillingAccountStatus.ACTIVE:
        return False
    if repo.default_method(db, billing.id) is None:
        return False
    return ordered.has_active_product(db, billing.customer_id, account_id)
