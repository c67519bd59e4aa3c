"""What the messaging API shows. Bodies of sensitive messages (one-time codes) never appear."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from firstmile.messaging.models import Message


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: str
    purpose: str
    klass: str
    channel: str
    recipient: str | None
    locale: str
    subject: str
    body_text: str | None
    body_html: str | None
    sensitive: bool
    status: str
    attempts: int
    provider_message_id: str | None
    error: str | None
    sent_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, message: Message) -> MessageRead:
        read = cls.model_validate(message)
        if message.sensitive:
            read.body_text = read.body_html = None
        return read


class MessageList(BaseModel):
    messages: list[MessageRead]


class SimulatedDeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    message_id: str
    customer_id: str
    channel: str
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    delivered_at: datetime


class OutboxRead(BaseModel):
    deliveries: list[SimulatedDeliveryRead]
