"""Every messaging query."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from firstmile.kit.db import Session
from firstmile.kit.jobs import Job
from firstmile.messaging.models import (
    DeliveryReference,
    InboxItem,
    Message,
    MessageClass,
    MessageStatus,
    PushSubscription,
    SimulatedDelivery,
)


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


def count_recent(
    db: Session, customer_id: str, klass: MessageClass, channel: str, *, since: datetime
) -> int:
    """Messages of `klass` on `channel` requested for the customer since `since` that were,
    or will be, sent (suppressed and failed ones do not count against a frequency cap)."""
    return (
        db.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                Message.customer_id == customer_id,
                Message.klass == klass,
                Message.channel == channel,
                Message.created_at >= since,
                Message.status.not_in([MessageStatus.SUPPRESSED, MessageStatus.FAILED]),
            )
        )
        or 0
    )


def inbox_item(db: Session, item_id: str) -> InboxItem | None:
    return db.get(InboxItem, item_id)


def inbox_for_customer(db: Session, customer_id: str, *, limit: int = 100) -> list[InboxItem]:
    return list(
        db.scalars(
            select(InboxItem)
            .where(InboxItem.customer_id == customer_id)
            .order_by(InboxItem.created_at.desc(), InboxItem.id)
            .limit(limit)
        )
    )


def message_for_reference(db: Session, adapter: str, reference: str) -> Message | None:
    """The message a provider's reference points at, locked (callbacks change it)."""
    row = db.get(DeliveryReference, (adapter, reference))
    return None if row is None else find_for_update(db, row.message_id)


def add_references(db: Session, adapter: str, message_id: str, references: list[str]) -> None:
    for reference in dict.fromkeys(references):  # once each, in order
        if db.get(DeliveryReference, (adapter, reference)) is None:
            db.add(DeliveryReference(adapter=adapter, reference=reference, message_id=message_id))


def has_push_subscription(db: Session, customer_id: str) -> bool:
    found = db.scalar(
        select(PushSubscription.id)
        .where(PushSubscription.customer_id == customer_id, PushSubscription.revoked_at.is_(None))
        .limit(1)
    )
    return found is not None


def push_subscriptions(db: Session, customer_id: str) -> list[PushSubscription]:
    return list(
        db.scalars(
            select(PushSubscription)
            .where(PushSubscription.customer_id == customer_id)
            .order_by(PushSubscription.created_at)
        )
    )


def push_subscription_by_endpoint(db: Session, endpoint: str) -> PushSubscription | None:
    return db.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
