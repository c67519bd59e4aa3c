"""Shared steps of the provisioning tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.eventlog import service as eventlog_service
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.models import ServiceOrder
from tests.factories.provisioning import AGENT, FakeOrder, customer, order, spec_for

METERING_POINT = "859182400100000017"  # an electricity supply's EAN, as a customer gives it


def start_order(sessions: sessionmaker[Session], *codes: str, **item: Any) -> FakeOrder:
    """A customer and an order of `codes`, provisioning started and committed."""
    with sessions() as db:
        who = customer(db)
        placed = order(who.id, *codes, **item)
        provisioning_service.start(db, placed, actor=AGENT, spec_for=spec_for)
        db.commit()
    return placed


def service_orders(db: Session, order_id: str) -> list[ServiceOrder]:
    """Fresh rows; the read transaction ends at once (on SQLite it holds the write lock)."""
    db.expire_all()
    found = list(
        db.scalars(
            select(ServiceOrder)
            .where(ServiceOrder.order_id == order_id)
            .order_by(ServiceOrder.created_at, ServiceOrder.kind)
        )
    )
    db.commit()
    return found


def report(
    sessions: sessionmaker[Session],
    event_type: str,
    payload: dict[str, Any],
    *,
    key: str,
    source: str = "network",
) -> bool:
    """An external network report through the ingestion path; returns whether it was new."""
    with sessions() as db:
        _event, created = eventlog_service.ingest(
            db,
            event_type=event_type,
            source=source,
            idempotency_key=key,
            actor="token:network",
            subject_id=str(payload["service_order_id"]),
            payload=payload,
        )
        db.commit()
    return created
