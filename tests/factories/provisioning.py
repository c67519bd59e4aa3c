"""Provisioning test data: customers, order stand-ins shaped like the orders domain's, specs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firstmile.auth.scopes import Actor, Scope
from firstmile.customers.models import Customer, CustomerKind
from firstmile.eventlog.models import Event
from firstmile.kit.db import new_id

AGENT = Actor("token", "test-agent", "test agent", frozenset({Scope.AGENT}))

SPECS: dict[str, dict[str, Any]] = {
    "mobile-esim": {"kind": "mobile", "self_activation": False, "sim_types": ["esim", "physical"]},
    "mobile-self": {"kind": "mobile", "self_activation": True, "sim_types": ["physical", "esim"]},
    "mobile-plain": {"kind": "mobile", "self_activation": False, "sim_types": ["physical"]},
    "fibre": {
        "kind": "broadband",
        "device_models": ["router-fm-ax3000"],
        "technician": "required",
    },
    "tv": {"kind": "tv", "device_models": ["stb-fm-4k"], "technician": "optional"},
    "power": {"kind": "electricity", "device_models": ["meter-fm-electricity"]},
    "gas": {"kind": "gas", "device_models": ["meter-fm-gas"], "technician": "optional"},
    "data-addon": {"add_on_for": ["mobile-plain", "mobile-self"]},
}


def spec_for(_db: Session, code: str) -> Mapping[str, Any]:
    return SPECS[code]


@dataclass
class FakeItem:
    """Stands in for an orders OrderItem: what provisioning reads of one."""

    offering_code: str
    action: str = "add"
    options: dict[str, Any] = field(default_factory=dict)
    features: dict[str, Any] = field(default_factory=dict)
    product_id: str | None = field(default_factory=new_id)
    id: str = field(default_factory=new_id)


@dataclass
class FakeOrder:
    customer_id: str
    items: list[FakeItem]
    kind: str = "new"
    snapshot: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_id)


def customer(db: Session, **overrides: Any) -> Customer:
    values: dict[str, Any] = {
        "kind": CustomerKind.INDIVIDUAL,
        "given_name": "Eva",
        "family_name": "Nováková",
        "country": "CZ",
    }
    values.update(overrides)
    row = Customer(**values)
    db.add(row)
    db.flush()
    return row


def order(customer_id: str, *codes: str, **item_overrides: Any) -> FakeOrder:
    return FakeOrder(customer_id, [FakeItem(code, **item_overrides) for code in codes])


def events_of(db: Session, event_type: str) -> list[Event]:
    """Read, then end the read transaction: on SQLite it would hold the write lock."""
    found = list(db.scalars(select(Event).where(Event.type == event_type).order_by(Event.seq)))
    db.commit()
    return found


def count_events(db: Session, event_type: str) -> int:
    found = db.scalar(select(func.count()).select_from(Event).where(Event.type == event_type))
    db.commit()
    return found or 0
