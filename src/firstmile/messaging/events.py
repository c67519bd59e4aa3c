"""Messaging event types. Payloads never carry a message body, a subject or a code."""

from __future__ import annotations

from firstmile.eventlog.catalogue import declare

_COMMON = {
    "purpose": "why the message is sent, e.g. contract_signature_code",
    "channel": "email, sms, push or inapp",
    "klass": "transactional or marketing",
}

MESSAGE_REQUESTED = declare(
    "message.requested",
    "A message to the customer was requested and queued for delivery.",
    subject="message",
    payload={
        **_COMMON,
        "locale": "the locale the message was rendered in",
        "fallbacks": "the channels to try next, in order, should this one fail",
        "skipped": "channels not used, each with why: no_consent, no_address, "
        "no_subscription, frequency_cap",
        "scheduled_for": "when it goes out if it waits for the end of quiet hours, else null",
    },
)
MESSAGE_SENT = declare(
    "message.sent",
    "The channel's provider accepted the message (SMTP 250, gateway 2xx, simulator).",
    subject="message",
    payload={
        **_COMMON,
        "adapter": "which adapter delivered it (smtp, http_gateway, simulator)",
        "attempts": "delivery attempts it took",
        "delivered": "whether the channel confirmed it reached the customer (in-app inbox)",
    },
)
MESSAGE_FAILED = declare(
    "message.failed",
    "The message could not be delivered: a permanent failure, or the retries ran out.",
    subject="message",
    payload={
        **_COMMON,
        "reason": "permanent, retries_exhausted, undeliverable (a receipt) or bounced",
        "error": "the provider's answer, without message content",
        "attempts": "delivery attempts made",
    },
)
MESSAGE_SUPPRESSED = declare(
    "message.suppressed",
    "The message was not sent: when requested, no channel had the customer's consent and was "
    "available; or, when it was due, the customer had withdrawn consent on its channel or "
    "had been closed (its next channel, if any, is tried).",
    subject="message",
    payload={
        **_COMMON,
        "reason": "the one reason (no_consent, no_address, ...) or no_channel when they differ; "
        "at delivery no_consent or customer_closed",
        "skipped": "each channel considered, with why it was not used",
    },
)
MESSAGE_FELL_BACK = declare(
    "message.fell_back",
    "A message failed, stayed unread or was withheld, so its next channel was queued as a "
    "new message; or none of the rest of its route may be used now (see skipped).",
    subject="message",
    payload={
        **_COMMON,
        "reason": "failed, unread, no_consent",
        "next_channel": "the channel tried next (null: none left that may be used)",
        "next_message_id": "the message on that channel",
        "skipped": "when none: each channel left, with why it may not be used now",
    },
)
MESSAGE_DELIVERED = declare(
    "message.delivered",
    "The provider reported the message delivered to the customer (a delivery receipt).",
    subject="message",
    payload={**_COMMON, "adapter": "the adapter whose callback reported it"},
)
MESSAGE_OPENED = declare(
    "message.opened",
    "The customer read the message (an in-app read receipt).",
    subject="message",
    payload=_COMMON,
)

SEGMENT_ENTERED = declare(
    "segment.entered",
    "The customer now meets a segment's condition (journeys and campaigns trigger on it).",
    subject="segment",
    payload={"segment": "the segment's code"},
)
SEGMENT_LEFT = declare(
    "segment.left",
    "The customer no longer meets a segment's condition.",
    subject="segment",
    payload={"segment": "the segment's code"},
)
PUSH_SUBSCRIBED = declare(
    "push.subscribed",
    "A browser or app of the customer subscribed to Web Push (push becomes available).",
    subject="push_subscription",
    payload={"push_service": "the push service's host, e.g. fcm.googleapis.com"},
)
PUSH_UNSUBSCRIBED = declare(
    "push.unsubscribed",
    "A push subscription was removed.",
    subject="push_subscription",
    payload={"push_service": "the push service's host"},
)
