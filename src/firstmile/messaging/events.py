"""Messaging event types. Payloads never carry a message body, a subject or a code."""

from __future__ import annotations

from firstmile.eventlog.catalogue import declare

_COMMON = {
    "purpose": "why the message is sent, e.g. contract_signature_code",
    "channel": "email or sms",
    "klass": "transactional or marketing",
}

MESSAGE_REQUESTED = declare(
    "message.requested",
    "A message to the customer was requested and queued for delivery.",
    subject="message",
    payload={**_COMMON, "locale": "the locale the message was rendered in"},
)
MESSAGE_SENT = declare(
    "message.sent",
    "The channel's provider accepted the message (SMTP 250, gateway 2xx, simulator).",
    subject="message",
    payload={
        **_COMMON,
        "adapter": "which adapter delivered it (smtp, http_gateway, simulator)",
        "attempts": "delivery attempts it took",
    },
)
MESSAGE_FAILED = declare(
    "message.failed",
    "The message could not be delivered: a permanent failure, or the retries ran out.",
    subject="message",
    payload={
        **_COMMON,
        "reason": "permanent or retries_exhausted",
        "error": "the provider's answer, without message content",
        "attempts": "delivery attempts made",
    },
)
MESSAGE_SUPPRESSED = declare(
    "message.suppressed",
    "The message was not sent because the customer has not consented to it on this channel.",
    subject="message",
    payload={**_COMMON, "reason": "no_consent"},
)
