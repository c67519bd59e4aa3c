"""Every messaging query."""

from __future__ import annotations

from sqlalchemy import select

from firstmile.kit.db import Session
from firstmile.kit.jobs import Job
from firstmile.messaging.models import Message, SimulatedDelivery


def find(db: Session, message_id: str) -> Message | None:
    return db.get(Message, message_id)


def find_for_update(db: Session, message_id: str) -> Message | None:
    """The message row locked until the transaction ends (PostgreSQL; SQLite has one writer)."""
    return db.scalar(
        select(Message)
        .where(Message.id == message_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def by_idempotency_key(db: Session, key: str) -> Message | None:
    return db.scalar(select(Message).where(Message.idempotency_key == key))


def for_customer(db: Session, customer_id: str, *, limit: int = 100) -> list[Message]:
    return list(
        db.scalars(
            select(Message)
            .where(Message.customer_id == customer_id)
            .order_by(Message.created_at.desc(), Message.id)
            .limit(limit)
        )
    )


def simulated_for_customer(
    db: Session, customer_id: str, *, limit: int = 100
) -> list[SimulatedDelivery]:
    return list(
        db.scalars(
            select(SimulatedDelivery)
            .where(SimulatedDelivery.customer_id == customer_id)
            .order_by(SimulatedDelivery.delivered_at.desc(), SimulatedDelivery.id)
            .limit(limit)
        )
    )


def delivery_job(db: Session, key: str) -> Job | None:
    return db.scalar(select(Job).where(Job.key == key))
