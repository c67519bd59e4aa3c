"""Message requests and what the simulator channel "sent"."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from firstmile.kit.db import Base, IdMixin, TimestampMixin
from firstmile.kit.time import utcnow

REDACTED = "[redacted after delivery]"


class MessageStatus(StrEnum):
    QUEUED = "queued"  # waiting for the delivery job (or for the end of quiet hours)
    SENT = "sent"  # handed to the provider (SMTP server, SMS gateway, simulator)
    DELIVERED = "delivered"  # the channel confirmed it reached the customer (in-app inbox)
    OPENED = "opened"  # the customer read it (in-app read receipt)
    FAILED = "failed"  # permanent failure, or temporary ones until the retries ran out
    BOUNCED = "bounced"  # accepted, then returned by the receiving side (a bounce, a DLR)
    SUPPRESSED = "suppressed"  # not sent: no channel has consent and is available


class MessageClass(StrEnum):
    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"


class Channel(StrEnum):
    """The customer's channels that carry messages (the same names as their preferences)."""

    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"
    INAPP = "inapp"


class Message(IdMixin, TimestampMixin, Base):
    """One message to one customer on one channel, rendered in the customer's locale.

    `sensitive` messages (they carry a one-time code) have their bodies redacted once the
    delivery is over, and the API never shows them.
    """

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_customer", "customer_id", "created_at"),)

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    purpose: Mapped[str] = mapped_column(String(60))
    klass: Mapped[MessageClass] = mapped_column(String(16))
    channel: Mapped[Channel] = mapped_column(String(16))
    recipient: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500), default=None)  # push, in-app
    # Marketing only: the one-click unsubscribe link (RFC 8058) for this channel.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500), default=None)
    sensitive: Mapped[bool] = mapped_column(default=False)
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[MessageStatus] = mapped_column(String(16), default=MessageStatus.QUEUED)
    # Routing: the channels skipped and why; the rendered fallbacks still to try, in order
    # (cleared once the message is done with); the message this one falls back from.
    skipped: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fallbacks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    fallback_of: Mapped[str | None] = mapped_column(ForeignKey("messages.id"), default=None)
    unread_fallback_minutes: Mapped[int | None] = mapped_column(default=None)
    scheduled_for: Mapped[datetime | None] = mapped_column(default=None)  # quiet hours
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    requested_by: Mapped[str] = mapped_column(String(120))
    attempts: Mapped[int] = mapped_column(default=0)
    template_version: Mapped[int | None] = mapped_column(default=None)
    provider_message_id: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    opened_at: Mapped[datetime | None] = mapped_column(default=None)


class ReceiptState(StrEnum):
    """What a provider's callback (a delivery receipt, a bounce) says became of a message."""

    DELIVERED = "delivered"
    FAILED = "failed"  # undeliverable, expired, rejected after acceptance
    BOUNCED = "bounced"


class DeliveryReference(Base):
    """A provider's id for a message it accepted (an SMS part, a gateway id), so that its
    callbacks find the message."""

    __tablename__ = "delivery_references"

    adapter: Mapped[str] = mapped_column(String(40), primary_key=True)
    reference: Mapped[str] = mapped_column(String(300), primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PushSubscription(IdMixin, Base):
    """A browser's or app's Web Push subscription (the PushSubscription JSON it gave)."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (Index("ix_push_subscriptions_customer", "customer_id"),)

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))  # the browser's public key, base64url
    auth: Mapped[str] = mapped_column(String(100))  # the shared auth secret, base64url
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class InboxItem(IdMixin, Base):
    """A message in the customer's in-app inbox (the portal shows it); read receipts."""

    __tablename__ = "inbox_items"
    __table_args__ = (Index("ix_inbox_items_customer", "customer_id", "created_at"),)

    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), unique=True)
    # Declared so that a flush inserts a message before its item (the ORM orders inserts by
    # relationships only); an item is written with the message's request when due at once.
    message: Mapped[Message] = relationship(lazy="raise")
    customer_id: Mapped[str] = mapped_column(String(36))
    locale: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)


class SimulatedDelivery(IdMixin, Base):
    """What the simulator channel "delivered": readable by admins for demos and tests."""

    __tablename__ = "simulated_deliveries"
    __table_args__ = (Index("ix_simulated_deliveries_customer", "customer_id", "delivered_at"),)

    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), unique=True)
    customer_id: Mapped[str] = mapped_column(String(36))
    channel: Mapped[Channel] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageTemplate(IdMixin, Base):
    """One version of a pack's template for one purpose: every channel's texts per locale.

    Loading a pack adds a version only when a template's content changed; a purpose the
    pack no longer has is retired (its history stays). A message records the version it
    was rendered from.
    """

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("pack", "purpose", "version"),)

    pack: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(60))
    version: Mapped[int]
    klass: Mapped[MessageClass] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(default=False)
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]]
    retired: Mapped[bool] = mapped_column(default=False)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class OfferRule(IdMixin, Base):
    """One offer of the pack's `offers.yaml`: when it applies and the slot values it gives."""

    __tablename__ = "offer_rules"
    __table_args__ = (UniqueConstraint("pack", "code"),)

    pack: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(60))
    priority: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)  # order in the file, among equals
    condition: Mapped[str] = mapped_column(Text)
    slots: Mapped[dict[str, Any]]


class MessagingPolicy(Base):
    """The pack's messaging settings (`messaging.yaml`): what an SMS segment costs."""

    __tablename__ = "messaging_policies"

    pack: Mapped[str] = mapped_column(String(40), primary_key=True)
    content: Mapped[dict[str, Any]]
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
