"""Catalog test data: customers with accounts, service addresses, quote requests."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from firstmile.catalog.schemas import QuoteCreate, ServiceAddress
from firstmile.customers.models import (
    Account,
    AccountKind,
    Customer,
    CustomerKind,
)
from firstmile.kit.db import new_id

# A valid Swedish metering point ID (GS1 GSRN, check digit 3).
SUPPLY_POINT = "735999000000000013"


def customer_with_account(
    db: Session,
    *,
    kind: AccountKind = AccountKind.RESIDENTIAL,
    country: str = "CZ",
    language: str = "en",
) -> tuple[Customer, Account]:
    """A customer and one account, committed (read-only use of the customers tables)."""
    customer = Customer(
        kind=CustomerKind.INDIVIDUAL
        if kind == AccountKind.RESIDENTIAL
        else CustomerKind.ORGANIZATION,
        given_name="Eva",
        family_name="Nováková",
        legal_name="Acme s.r.o.",
        country=country,
        language=language,
    )
    db.add(customer)
    db.flush()
    account = Account(
        customer_id=customer.id,
        number=new_id()[:12],
        kind=kind,
        name="Home",
    )
    db.add(account)
    db.commit()
    return customer, account


def prague_address(**overrides: Any) -> dict[str, Any]:
    base = {
        "street": "Vinohradská",
        "house_number": "2828/151",
        "postcode": "130 00",
        "city": "Praha",
        "country": "CZ",
    }
    return {**base, **overrides}


def stockholm_address(**overrides: Any) -> dict[str, Any]:
    base = {
        "street": "Kungsgatan",
        "house_number": "1",
        "postcode": "111 43",
        "city": "Stockholm",
        "country": "SE",
        "supply_point": SUPPLY_POINT,
    }
    return {**base, **overrides}


def quote_body(
    customer: Customer,
    account: Account,
    *items: dict[str, Any],
    address: dict[str, Any] | None = None,
    start_date: date | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_id": customer.id,
        "account_id": account.id,
        "service_address": address or prague_address(),
        "items": list(items) or [{"offering": "mobile-10gb"}],
    }
    if start_date is not None:
        body["start_date"] = start_date.isoformat()
    return {**body, **overrides}


def quote_create(*args: Any, **kwargs: Any) -> QuoteCreate:
    return QuoteCreate.model_validate(quote_body(*args, **kwargs))


def address(**values: Any) -> ServiceAddress:
    return ServiceAddress.model_validate(values)
