"""Campaigns, their runs, and who got what."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin, TimestampMixin
from firstmile.kit.time import utcnow

CONTROL = "control"


class CampaignStatus(StrEnum):
    DRAFT = "draft"  # created, not started
    ACTIVE = "active"  # runs are scheduled or sending
    COMPLETED = "completed"  # a one-off campaign whose run finished
    CANCELLED = "cancelled"


class Campaign(IdMixin, TimestampMixin, Base):
    __tablename__ = "campaigns"

    name: Mapped[str] = mapped_column(String(200))
    segment: Mapped[str] = mapped_column(String(60))
    # [{"name": "A", "purpose": "upgrade_offer", "weight": 1}, ...]
    variants: Mapped[list[Any]] = mapped_column(JSON)
    control_percent: Mapped[int] = mapped_column(default=10)
    rate_per_minute: Mapped[int] = mapped_column(default=600)
    repeat_every_days: Mapped[int | None] = mapped_column(default=None)
    goal_event: Mapped[str] = mapped_column(String(80))
    goal_window_days: Mapped[int] = mapped_column(default=14)
    status: Mapped[CampaignStatus] = mapped_column(String(16), default=CampaignStatus.DRAFT)
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(120))


class CampaignRun(IdMixin, Base):
    __tablename__ = "campaign_runs"
    __table_args__ = (Index("ix_campaign_runs_campaign", "campaign_id", "number"),)

    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    cursor: Mapped[str] = mapped_column(String(36), default="")  # last customer id handled


class CampaignRecipient(Base):
    __tablename__ = "campaign_recipients"
    __table_args__ = (Index("ix_campaign_recipients_customer", "customer_id"),)

    run_id: Mapped[str] = mapped_column(ForeignKey("campaign_runs.id"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    variant: Mapped[str] = mapped_column(String(40))  # a variant's name, or "control"
    message_id: Mapped[str | None] = mapped_column(ForeignKey("messages.id"), default=None)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
