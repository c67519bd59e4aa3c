from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class EventIngest(BaseModel):
    """An event from an external system (network, MDM, CRM)."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=3, max_length=80, examples=["meter.reading_received"])
    source: str = Field(min_length=1, max_length=80, examples=["mdm"])
    idempotency_key: str = Field(min_length=1, max_length=200)
    customer_id: str | None = Field(default=None, max_length=36)
    subject_id: str | None = Field(default=None, max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime | None = None


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    id: str
    type: str
    version: int
    customer_id: str | None
    subject_type: str | None
    subject_id: str | None
    payload: dict[str, Any]
    actor: str
    source: str
    occurred_at: datetime
    recorded_at: datetime


class IngestResult(BaseModel):
    event: EventRead
    created: bool


class Timeline(BaseModel):
    customer_id: str
    events: list[EventRead]
    next_after_seq: int | None = Field(description="Pass as after_seq for the next page")
