"""Contracts test data: an order stand-in, a snapshot shaped like catalog's, signed-off helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from firstmile.contracts.document import ContractInput, Party
from firstmile.customers.models import Account, AccountKind, Customer
from firstmile.kit.db import new_id
from firstmile.messaging import service as messaging_service
from tests.factories import messaging as messaging_factories

LOCALES = ("en", "ja", "cs", "sv", "ar")


def names(en: str, ja: str, cs: str, sv: str, ar: str) -> dict[str, str]:
    return {"en": en, "ja": ja, "cs": cs, "sv": sv, "ar": ar}


MONTHLY = names("Monthly fee", "月額料金", "Měsíční poplatek", "Månadsavgift", "الرسوم الشهرية")
PLAN = names("Mobile 10 GB", "モバイル 10GB", "Mobil 10 GB", "Mobil 10 GB", "الجوال 10 جيجابايت")


def line(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "item": 0,
        "source": "mobile-10gb",
        "code": "monthly",
        "kind": "price",
        "name": "Monthly fee",
        "names": MONTHLY,
        "charge": "recurring",
        "quantity": 1,
        "unit_net": "828.00",
        "net": "828.00",
        "tax_rate": "0.21",
        "tax": "173.88",
        "gross": "1001.88",
        "months": None,
    }
    return {**values, **overrides}


def snapshot(**overrides: Any) -> dict[str, Any]:
    """A frozen quote as `catalog_service.quote_snapshot` returns it (the parts contracts print)."""
    values: dict[str, Any] = {
        "version": 1,
        "quote_id": new_id(),
        "pack": "telco",
        "currency": "CZK",
        "locale": "en",
        "start_date": "2026-03-10",
        "cycle_day": 1,
        "items": [
            {
                "index": 0,
                "offering": "mobile-10gb",
                "name": "Mobile 10 GB",
                "names": PLAN,
                "features": [
                    {
                        "code": "roaming",
                        "name": "Roaming",
                        "names": names("Roaming", "ローミング", "Roaming", "Roaming", "التجوال"),
                        "on": True,
                        "switchable": True,
                        "monthly_net": None,
                    }
                ],
                "terms": {
                    "minimum_term_months": 24,
                    "notice_days": 30,
                    "early_termination": {"rule": "remaining_monthly", "percent": "20"},
                },
                "usage_rates": [
                    {
                        "name": "Data",
                        "names": names("Data", "データ", "Data", "Data", "البيانات"),
                        "unit": "MB",
                        "window": None,
                        "unit_net": "0.1000",
                        "tax": "0.0210",
                        "unit_gross": "0.1210",
                    }
                ],
            }
        ],
        "lines": [
            line(),
            line(
                code="sim",
                charge="one_time",
                names=names("SIM", "SIM", "SIM", "SIM", "الشريحة"),
                net="99.00",
                tax="20.79",
                gross="119.79",
            ),
            line(code="intro", kind="discount", net="-164.50", tax="-34.55", gross="-199.05"),
        ],
        "totals": {
            "one_time": {"net": "99.00", "tax": "20.79", "gross": "119.79"},
            "monthly": {"net": "663.50", "tax": "139.33", "gross": "802.83"},
        },
        "bills": {
            "first": {
                "period_start": "2026-03-10",
                "period_end": "2026-03-31",
                "net": "545.00",
                "tax": "114.45",
                "gross": "659.45",
            },
            "regular": {"net": "828.00", "tax": "173.88", "gross": "1001.88"},
        },
    }
    return {**values, **overrides}


def contract_input(template: dict[str, Any], **overrides: Any) -> ContractInput:
    values: dict[str, Any] = {
        "contract_number": "C-2026-0001",
        "order_number": "O-2026-0001",
        "language": "en",
        "created_at": datetime(2026, 3, 9, 10, 0, tzinfo=UTC),
        "timezone": "Europe/Prague",
        "cooling_off_days": 14,
        "operator": {
            "legal_name": "Firstmile Telco s.r.o.",
            "address": "Vinohradská 2828/151, 130 00 Praha 3",
            "support_email": "care@telco.example",
            "support_phone": "+420 800 123 456",
        },
        "customer": Party(name="Eva Nováková", address="Kungsgatan 1, 111 43 Stockholm, SE"),
        "snapshot": snapshot(),
        "template": template,
    }
    return ContractInput(**{**values, **overrides})


@dataclass
class Order:
    """Stands in for firstmile.orders.models.Order: the attributes contracts reads."""

    customer_id: str
    account_id: str
    snapshot: dict[str, Any]
    id: str = field(default_factory=new_id)


def customer_and_account(
    db: Session, *, language: str = "en", **customer_overrides: Any
) -> tuple[Customer, Account]:
    """A customer with verified email and mobile and service consents, plus one account."""
    customer = messaging_factories.customer(db, language=language, **customer_overrides)
    account = Account(
        customer_id=customer.id, number=new_id()[:12], kind=AccountKind.RESIDENTIAL, name="Home"
    )
    db.add(account)
    db.commit()
    return customer, account


def order(db: Session, *, language: str = "en", **customer_overrides: Any) -> Order:
    customer, account = customer_and_account(db, language=language, **customer_overrides)
    return Order(customer.id, account.id, snapshot(locale=language))


def last_code(db: Session, customer_id: str) -> str:
    """The newest one-time code the simulator "delivered" to the customer."""
    deliveries = messaging_service.simulated_deliveries(db, customer_id, limit=1)
    assert deliveries, "no message was delivered"
    # the code follows the contract number in every language; \b fails next to kana
    found = re.findall(r"(?<![0-9a-f-])\d{6}(?![0-9a-f-])", deliveries[0].body_text)
    assert found, deliveries[0].body_text
    return found[-1]
