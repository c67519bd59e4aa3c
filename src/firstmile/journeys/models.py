"""Journeys, their published versions, the running instances, and the events that woke them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin
from firstmile.kit.time import utcnow


class Journey(IdMixin, Base):
    """One journey of one pack; its versions hold the definitions."""

    __tablename__ = "journeys"
    __table_args__ = (UniqueConstraint("pack", "code"),)

    pack: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    current_version: Mapped[int] = mapped_column(default=1)
    paused: Mapped[bool] = mapped_column(default=False)
    retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JourneyVersion(IdMixin, Base):
    """A published definition; never changed once instances run on it."""

    __tablename__ = "journey_versions"
    __table_args__ = (UniqueConstraint("journey_id", "version"),)

    journey_id: Mapped[str] = mapped_column(ForeignKey("journeys.id"))
    version: Mapped[int]
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(String(120))


class JourneyInstance(IdMixin, Base):
    """One customer's run through one journey version.

    `state` is the pure core's state; the other columns mirror what queries need. `due_at`
    is set when the worker has something to do (a new instance, a woken one, a timer) and
    NULL otherwise, so claiming due work is a range scan of one index, never a scan of all
    instances.
    """

    __tablename__ = "journey_instances"
    __table_args__ = (
        Index("ix_journey_instances_due_at", "due_at"),
        Index("ix_journey_instances_customer", "customer_id", "journey_id"),
        Index("ix_journey_instances_step", "journey_id", "step", "status"),
        UniqueConstraint("journey_id", "customer_id", "trigger_event_id"),
    )

    journey_id: Mapped[str] = mapped_column(ForeignKey("journeys.id"))
    version_id: Mapped[str] = mapped_column(ForeignKey("journey_versions.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    trigger_event_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(60))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[datetime | None]
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class JourneyInbox(Base):
    """An event for a waiting instance, kept until the worker has fed it to the core."""

    __tablename__ = "journey_inbox"
    __table_args__ = (Index("ix_journey_inbox_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    instance_id: Mapped[str] = mapped_column(ForeignKey("journey_instances.id"))
    event_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JourneyActionCall(Base):
    """A domain call made by a journey step, by its idempotency key: a second call with the
    same key is not made."""

    __tablename__ = "journey_action_calls"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    action: Mapped[str] = mapped_column(String(80))
    customer_id: Mapped[str] = mapped_column(String(36))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    called_at: Mapped[datetime] = mapped_column(default=utcnow)
