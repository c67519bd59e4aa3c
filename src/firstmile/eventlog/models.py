from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, new_id
from firstmile.kit.time import utcnow


class Event(Base):
    """One row per meaningful change, written in the same transaction as the change.

    `seq` gives the global order that the timeline, funnels and relays read in.
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("source", "idempotency_key"),
        Index("ix_events_customer_seq", "customer_id", "seq"),
        Index("ix_events_type_seq", "type", "seq"),
        Index("ix_events_subject", "subject_type", "subject_id"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(String(36), default=new_id, unique=True)
    type: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(default=1)
    customer_id: Mapped[str | None] = mapped_column(String(36))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(80), default="firstmile")
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
