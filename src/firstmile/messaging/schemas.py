"""What the messaging API shows. Bodies of sensitive messages (one-time codes) never appear."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from firstmile.messaging.models import Message, MessageTemplate
from firstmile.messaging.templates import channels_of


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
    link: str | None
    sensitive: bool
    urgent: bool
    status: str
    attempts: int
    template_version: int | None
    skipped: dict[str, str] = Field(description="channels not used, each with why")
    fallback_channels: list[str] = Field(description="channels to try next, in order")
    fallback_of: str | None = Field(description="the failed or unread message this follows")
    scheduled_for: datetime | None = Field(description="held until the end of quiet hours")
    provider_message_id: str | None
    error: str | None
    sent_at: datetime | None
    delivered_at: datetime | None
    opened_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, message: Message) -> MessageRead:
        read = cls.model_validate(
            {
                **{k: getattr(message, k) for k in cls.model_fields if hasattr(message, k)},
                "fallback_channels": [f["channel"] for f in message.fallbacks or []],
            }
        )
        if message.sensitive:
            read.body_text = read.body_html = None
        return read


class MessageRequest(BaseModel):
    """A message to a customer, from a pack template; routing picks the channel."""

    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=36)
    purpose: str = Field(min_length=1, max_length=60, examples=["welcome"])
    data: dict[str, Any] = Field(default_factory=dict, description="The template's placeholders")
    idempotency_key: str = Field(
        min_length=1, max_length=200, description="A repeat with the same key sends nothing"
    )
    channel: Literal["email", "sms", "push", "inapp"] | None = Field(
        default=None, description="Force one channel (no routing, no fallbacks)"
    )


class GatewayReceipt(BaseModel):
    model_config = ConfigDict(extra="ignore")  # gateways send more than this; it is not needed

    reference: str = Field(min_length=1, max_length=300, description="The gateway's message id")
    status: str = Field(min_length=1, max_length=40, examples=["DELIVRD", "delivered"])
    error: str | None = Field(default=None, max_length=500, description="The gateway's reason")


class InboxItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    message_id: str
    locale: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class InboxRead(BaseModel):
    items: list[InboxItemRead]
    unread: int


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


class TemplateSummary(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    purpose: str
    version: int
    klass: str = Field(alias="class")
    urgent: bool
    description: str
    channels: list[str]
    locales: list[str]
    retired: bool
    loaded_at: datetime

    @classmethod
    def of(cls, row: MessageTemplate) -> TemplateSummary:
        channels = channels_of(row)
        first = row.content["channels"][channels[0]]
        main = next(iter(first.values()))
        return cls(
            purpose=row.purpose,
            version=row.version,
            klass=str(row.klass),
            urgent=row.urgent,
            description=row.content.get("description", ""),
            channels=channels,
            locales=sorted(main),
            retired=row.retired,
            loaded_at=row.loaded_at,
        )


class TemplateList(BaseModel):
    templates: list[TemplateSummary]


class TemplateRead(TemplateSummary):
    """One version with all its texts, as the pack's file holds them."""

    sample_data: dict[str, Any]
    texts: dict[str, dict[str, Any]]

    @classmethod
    def of(cls, row: MessageTemplate) -> TemplateRead:
        summary = TemplateSummary.of(row)
        return cls(
            **summary.model_dump(),
            sample_data=row.content.get("sample_data", {}),
            texts=row.content["channels"],
        )


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["email", "sms", "push", "inapp"]
    locale: str = Field(
        min_length=2, max_length=10, pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$"
    )
    data: dict[str, Any] | None = Field(
        default=None,
        description="Values for the placeholders; the template's sample data fills the rest.",
    )
    version: int | None = Field(default=None, ge=1, description="Default: the current version.")


class Money(BaseModel):
    amount: str
    currency: str


class SmsPreview(BaseModel):
    encoding: str
    characters: int
    units: int
    segments: int
    characters_per_segment: int
    cost: Money | None


class PreviewRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    purpose: str
    version: int
    klass: str = Field(alias="class")
    urgent: bool
    channel: str
    locale: str
    direction: str
    subject: str
    text: str
    html: str | None
    link: str | None
    sms: SmsPreview | None


class PushKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")

    p256dh: str = Field(min_length=1, max_length=200)
    auth: str = Field(min_length=1, max_length=100)


class PushSubscriptionCreate(BaseModel):
    """The browser's PushSubscription.toJSON(), plus its user agent if known."""

    model_config = ConfigDict(extra="ignore")  # expirationTime and the like

    endpoint: str = Field(min_length=1, max_length=1000)
    keys: PushKeys
    user_agent: str = Field(default="", max_length=300)


class PushSubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: str
    endpoint: str
    user_agent: str
    created_at: datetime
    revoked_at: datetime | None


class PushKey(BaseModel):
    application_server_key: str = Field(description="For PushManager.subscribe()")
