"""Set-up tutorials from the pack, each customer's progress through them, and help requests.

A tutorial is pack data (`tutorials/*.yaml`, stored by `care.pack`); progress and help
requests belong to a customer. Whether a step is locked is never stored: it is computed from
the customer's services in the provisioning domain each time it is asked.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin, TimestampMixin
from firstmile.kit.time import utcnow


class HelpRequestStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Tutorial(IdMixin, Base):
    """One interactive set-up tutorial of the pack in force."""

    __tablename__ = "tutorials"

    pack: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(60), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[dict[str, Any]] = mapped_column(JSON)  # {locale: text}
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    minutes: Mapped[int] = mapped_column(default=10)
    # {"services": [kind...], "device_models": [...], "sim_types": [...]}: empty = any
    applies_to: Mapped[dict[str, Any]] = mapped_column(JSON)
    # [{"title", "body", "tip", "shortcut": {locale: text} | None,
    #   "image": {"file": "x.svg", "alt": {...}} | None, "needs_active_service": bool}]
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class TutorialProgress(IdMixin, TimestampMixin, Base):
    """Where one customer is in one tutorial: leaving and coming back resumes here."""

    __tablename__ = "tutorial_progress"
    __table_args__ = (UniqueConstraint("customer_id", "tutorial_code"),)

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    tutorial_code: Mapped[str] = mapped_column(String(60))
    current_step: Mapped[int] = mapped_column(default=1)  # 1-based
    completed_steps: Mapped[list[int]] = mapped_column(JSON, default=list)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class HelpRequest(IdMixin, Base):
    """ "It didn't work": a customer stuck at a tutorial step, with what agents need to know.

    `context` keeps the tutorial's and the step's titles ({locale: text}) as they were when
    the customer asked, so the request still reads right after the pack changes.
    """

    __tablename__ = "help_requests"
    __table_args__ = (Index("ix_help_requests_status_created", "status", "created_at"),)

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    tutorial_code: Mapped[str] = mapped_column(String(60))
    step: Mapped[int]
    device_model: Mapped[str | None] = mapped_column(String(80))
    service_id: Mapped[str | None] = mapped_column(String(36))
    service_status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[HelpRequestStatus] = mapped_column(String(16), default=HelpRequestStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    resolution: Mapped[str | None] = mapped_column(Text, default=None)
