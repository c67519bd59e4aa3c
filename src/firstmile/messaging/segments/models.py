"""Segment definitions (from the pack) and who is in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin
from firstmile.kit.time import utcnow


class Segment(IdMixin, Base):
    """One segment of one pack; `version` grows when its condition changes."""

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("pack", "code"),)

    pack: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    condition: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    retired: Mapped[bool] = mapped_column(default=False)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class SegmentMembership(Base):
    __tablename__ = "segment_memberships"
    __table_args__ = (Index("ix_segment_memberships_customer", "customer_id"),)

    segment_id: Mapped[str] = mapped_column(ForeignKey("segments.id"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
