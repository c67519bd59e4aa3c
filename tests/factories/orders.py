"""Orders test data: quotes ordered, signatures and provisioning reports as events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firstmile.auth.scopes import SYSTEM, Actor, Scope
from firstmile.catalog import service as catalog_service
from firstmile.catalog.models import Quote
from firstmile.customers.models import AccountKind
from firstmile.eventlog import service as eventlog_service
from firstmile.eventlog.models import Event
from firstmile.kit.db import new_id
from firstmile.orders import service as orders_service
from firstmile.orders.models import Order
from tests.factories.catalog import customer_with_account, quote_create

AGENT = Actor("token", "orders-agent", "orders test agent", frozenset({Scope.AGENT}))


def quote(
    db: Session,
    *items: dict[str, Any],
    account_kind: AccountKind = AccountKind.RESIDENTIAL,
    **kwargs: Any,
) -> Quote:
    """An open quote for a new customer (committed)."""
    customer, account = customer_with_account(db, kind=account_kind)
    row = catalog_service.create_quote(
        db, quote_create(customer, account, *items, **kwargs), actor=SYSTEM
    )
    db.commit()
    return row


def order(db: Session, *items: dict[str, Any], **kwargs: Any) -> Order:
    """A placed order (awaiting signature), committed."""
    placed = orders_service.place_order(db, quote_id=quote(db, *items, **kwargs).id, actor=AGENT)
    db.commit()
    return placed


def sign(db: Session, order: Order, *, at: datetime | None = None) -> Event:
    """Record the contract.signed event contracts would record (not committed)."""
    return eventlog_service.record(
        db,
        "contract.signed",
        actor="customer:test",
        customer_id=order.customer_id,
        subject_id=order.contract_id or new_id(),
        payload={"order_id": order.id, "contract_id": order.contract_id},
        occurred_at=at,
    )


def activated(db: Session, order_id: str, item_id: str, service_id: str | None = None) -> Event:
    """Record the service.activated event provisioning would record (not committed)."""
    return eventlog_service.record(
        db,
        "service.activated",
        actor="system:firstmile",
        customer_id=None,
        subject_id=service_id or new_id(),
        payload={
            "order_id": order_id,
            "order_item_id": item_id,
            "service_id": service_id or new_id(),
        },
    )


def activation_failed(db: Session, order_id: str, item_id: str, reason: str = "no port") -> Event:
    return eventlog_service.record(
        db,
        "service.activation_failed",
        actor="system:firstmile",
        subject_id=new_id(),
        payload={
            "order_id": order_id,
            "order_item_id": item_id,
            "reason": reason,
            "service_id": new_id(),
        },
    )


def events_of(db: Session, event_type: str) -> list[Event]:
    return list(db.scalars(select(Event).where(Event.type == event_type).order_by(Event.seq)))
