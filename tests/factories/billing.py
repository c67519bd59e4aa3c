"""Billing test data: a customer account to bill, and request bodies with keyword overrides."""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml
from sqlalchemy.orm import Session

from firstmile.customers.models import Account, AccountKind, Customer, CustomerKind
from firstmile.kit.db import new_id
from firstmile.packs.loader import PACKS_DIR, PackMeta
from firstmile.packs.models import Pack

IBAN_CZ = "CZ65 0800 0000 1920 0014 5399"
BIC_CZ = "GIBACZPX"
IBAN_DE = "DE89370400440532013000"
BIC_DE = "COBADEFFXXX"


def customer_account(
    db: Session, *, language: str = "cs", number: str | None = None
) -> tuple[Customer, Account]:
    """A customer with one account, committed (read-only use of the customers tables)."""
    customer = Customer(
        kind=CustomerKind.INDIVIDUAL,
        given_name="Eva",
        family_name="Nováková",
        country="CZ",
        language=language,
    )
    db.add(customer)
    db.flush()
    account = Account(
        customer_id=customer.id,
        number=number or f"A{new_id()[:8].upper()}",
        kind=AccountKind.RESIDENTIAL,
        name="Home",
    )
    db.add(account)
    db.commit()
    return customer, account


def billing_account_body(account_id: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "account_id": account_id,
        "cycle_day": 1,
        "paperless": True,
        "bill_email": "eva@example.com",
        "bill_language": "cs",
    }
    return {**base, **overrides}


def sepa_body(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": "sepa_direct_debit",
        "holder_name": "Eva Nováková",
        "iban": IBAN_CZ,
        "bic": BIC_CZ,
        "mandate_signed_on": date(2026, 1, 10).isoformat(),
    }
    return {**base, **overrides}


def card_body(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": "card",
        "provider": "stripe",
        "token_reference": "pm_1PqR2sT3uV4wX5yZ",
        "brand": "visa",
        "last4": "4242",
        "expiry_month": 12,
        "expiry_year": 2030,
    }
    return {**base, **overrides}


def snapshot(**overrides: Any) -> dict[str, Any]:
    """A quote snapshot as `catalog.service.quote_snapshot` returns it: lines as JSON.

    One monthly plan (500.00 net, 21 % tax) and a one-time activation fee (100.00 net).
    """

    def line(code: str, charge: str, net: str, tax: str, gross: str) -> dict[str, Any]:
        return {
            "item": 0,
            "source": "mobile-plan",
            "code": code,
            "kind": "price",
            "name": code,
            "names": {"en": f"{code} (en)", "cs": f"{code} (cs)", "ja": f"{code} (ja)"},
            "charge": charge,
            "quantity": 1,
            "unit_net": net,
            "net": net,
            "tax_rate": "0.21",
            "tax": tax,
            "gross": gross,
            "months": None,
        }

    base: dict[str, Any] = {
        "currency": "CZK",
        "start_date": "2026-03-16",
        "lines": [
            line("monthly", "recurring", "500.00", "105.00", "605.00"),
            line("activation", "one_time", "100.00", "21.00", "121.00"),
        ],
    }
    return {**base, **overrides}


def pack_meta_only(db: Session, code: str = "telco") -> str:
    """Store only a shipped pack's metadata (currency, creditor id): billing needs no more,
    and this is far faster than loading the whole pack for every test."""
    meta = PackMeta.model_validate(yaml.safe_load((PACKS_DIR / code / "pack.yaml").read_text()))
    db.add(Pack(code=code, name=meta.name, path=code, digest="", meta=meta.model_dump(mode="json")))
    db.commit()
    return code
