"""SMS through an HTTP gateway: one JSON POST per message, request shape from settings,
over the process's kept-alive connections (kit/outbound); a batch over up to
`connections` at once.

The body template is JSON whose string values may hold `{to}`, `{text}`, `{sender}` and
`{reference}`; values are substituted after parsing, so message text can never break the
JSON. 5xx, 429 and network errors are temporary; other 4xx (and 3xx) are permanent.
"""

from __future__ import annotations

import functools
import json
import re
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

PLACEHOLDER = re.compile(r"\{(to|text|sender|reference)\}")


class HttpGatewayChannel:
    name = "http_gateway"
    reports_receipts = True  # delivery receipts: see smpp_receiver.py, the callback API

    def __init__(
        self,
        *,
        url: str,
        body_template: str,
        sender: str,
        token: str = "",
        timeout: float = 10.0,
        connections: int = 1,
    ) -> None:
        if not url:
            raise ValueError("the SMS gateway URL is not configured")
        self.url, self.sender, self.token, self.timeout = url, sender, token, timeout
        self.connections = max(1, connections)
        self.template: Any = json.loads(body_template)

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpGatewayChannel:
        return cls(
            url=settings.sms_gateway_url,
            body_template=settings.sms_gateway_body_template,
            sender=settings.sms_sender,
            token=settings.sms_gateway_token,
            timeout=settings.sms_gateway_timeout_seconds,
            connections=settings.messaging_http_connections,
        )

    def body(self, message: Message) -> Any:
        values = {
            "to": message.recipient or "",
            "text": message.body_text,
            "sender": self.sender,
            "reference": message.id,
        }
        return _fill(self.template, values)

    def deliver(self, message: Message) -> DeliveryResult:
        return self._post(self.body(message))

    def deliver_many(self, messages: Sequence[Message]) -> list[DeliveryResult | DeliveryError]:
        """A batch over up to `connections` connections at once (bodies made here)."""
        hand_offs: list[HandOff | DeliveryError] = [
            functools.partial(self._post, self.body(message)) for message in messages
        ]
        return each_at_once(hand_offs, self.connections)

    def _post(self, body: Any) -> DeliveryResult:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            answer = outbound.client().post(
                self.url, json=body, headers=headers, timeout=self.timeout
            )
        except httpx.TransportError as exc:  # timeouts, refused connections, resets
            raise TemporaryDeliveryError(f"SMS gateway unavailable: {exc!r}") from exc
        status = answer.status_code
        if status >= 500 or status == 429:
            raise TemporaryDeliveryError(f"SMS gateway answered {status}")
        if not 200 <= status < 300:
            raise PermanentDeliveryError(f"SMS gateway refused: {status} {answer.text[:200]}")
        return DeliveryResult(provider_message_id=_provider_id(answer))


def _fill(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, str):  # one pass, so a value's own braces are never filled again
        return PLACEHOLDER.sub(lambda match: values[match[1]], node)
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(item, values) for item in node]
    return node


def _provider_id(answer: httpx.Response) -> str | None:
    try:
        body = answer.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        for key in ("id", "message_id", "messageId"):
            if body.get(key) is not None:
                return str(body[key])
    return None
