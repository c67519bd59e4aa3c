"""Messages handed to the operator's own system over an HTTP webhook.

For channels the operator delivers itself (native app push through its own backend, a
chat app, an SMS platform with its own API): one JSON POST per message to
`FIRSTMILE_MESSAGING_WEBHOOK_URL`, signed so the receiver can trust it:

    Firstmile-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>

The receiver should reject a signature older than a few minutes. The body carries the
rendered message (title, text, HTML, link), its ids and the recipient. A 2xx answer is
accepted (its JSON "id", if any, is the provider reference); 5xx, 429 and network errors
are temporary; any other answer is permanent.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from typing import Any

import httpx

from firstmile.kit import outbound
from firstmile.kit.settings import Settings
from firstmile.messaging.channels.base import (
    DeliveryError,
    DeliveryResult,
    HandOff,
    PermanentDeliveryError,
    TemporaryDeliveryError,
    each_at_once,
)
from firstmile.messaging.models import Message

SIGNATURE_HEADER = "Firstmile-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class WebhookChannel:
    name = "webhook"

    def __init__(
        self, *, url: str, secret: str, timeout: float = 10.0, connections: int = 1
    ) -> None:
        if not url:
            raise ValueError("the messaging webhook URL is not configured")
        if not secret:
            raise ValueError("the messaging webhook secret is not configured")
        self.url, self.secret, self.timeout = url, secret, timeout
        self.connections = max(1, connections)

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookChannel:
        return cls(
            url=settings.messaging_webhook_url,
            secret=settings.messaging_webhook_secret,
            timeout=settings.messaging_webhook_timeout_seconds,
            connections=settings.messaging_http_connections,
        )

    @staticmethod
    def body(message: Message) -> dict[str, Any]:
        return {
            "message_id": message.id,
            "customer_id": message.customer_id,
            "purpose": message.purpose,
            "class": str(message.klass),
            "channel": str(message.channel),
            "recipient": message.recipient,
            "locale": message.locale,
            "title": message.subject,
            "text": message.body_text,
            "html": message.body_html,
            "link": message.link,
            "unsubscribe_url": message.unsubscribe_url,
        }

    def deliver(self, message: Message) -> DeliveryResult:
        return self._post(self.body(message), message.id)

    def deliver_many(self, messages: Sequence[Message]) -> list[DeliveryResult | DeliveryError]:
        """A batch over up to `connections` connections at once (bodies made here)."""
        hand_offs: list[HandOff | DeliveryError] = [
            functools.partial(self._post, self.body(message), message.id) for message in messages
        ]
        return each_at_once(hand_offs, self.connections)

    def _post(self, fields: dict[str, Any], message_id: str) -> DeliveryResult:
        body = json.dumps(fields, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(self.secret, int(time.time()), body),
            "Idempotency-Key": message_id,  # a retry after a lost answer is the same message
        }
        try:
            answer = outbound.client().post(
                self.url, content=body, headers=headers, timeout=self.timeout
            )
        except httpx.TransportError as exc:
            raise TemporaryDeliveryError(f"webhook unreachable: {exc!r}") from exc
        if answer.status_code >= 500 or answer.status_code == 429:
            raise TemporaryDeliveryError(f"webhook answered {answer.status_code}")
        if not 200 <= answer.status_code < 300:
            raise PermanentDeliveryError(f"webhook refused: {answer.status_code}")
        try:
            reference = answer.json().get("id") if answer.content else None
        except (ValueError, AttributeError):
            reference = None
        return DeliveryResult(provider_message_id=str(reference) if reference else None)
