"""Web Push: the message, encrypted per RFC 8291 (aes128gcm) for each of the customer's
subscriptions, posted to the push service with a VAPID signature (RFC 8292). pywebpush
does the encryption and signing.

The payload is JSON: {"title", "body", "link", "message_id", "opened_url"}; the service
worker shows it and posts to `opened_url` when the customer clicks it (message.opened;
a template's unread_fallback_minutes sends the next channel when no click comes). A push
service's 404 or 410 means the subscription is gone: it is revoked here and never used
again. 429 and 5xx are temporary; other refusals are permanent. The message counts as
sent when at least one subscription accepted it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

from pywebpush import WebPushException, webpush
from sqlalchemy import select

from firstmile.kit import outbound
from firstmile.kit.db import Session
from firstmile.kit.settings import Settings
from firstmile.kit.time import utcnow
from firstmile.messaging.channels.base import (
    DeliveryResult,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)
from firstmile.messaging.channels.push import vapid
from firstmile.messaging.models import Message, PushSubscription

GONE = frozenset({404, 410})


class WebPushChannel:
    name = "webpush"

    def __init__(self, db: Session, settings: Settings, opened_url: Callable[[str], str]) -> None:
        """`opened_url` gives the signed URL the service worker posts to on a click."""
        self.db, self.settings, self.opened_url = db, settings, opened_url

    def deliver(self, message: Message) -> DeliveryResult:
        subscriptions = list(
            self.db.scalars(
                select(PushSubscription).where(
                    PushSubscription.customer_id == message.customer_id,
                    PushSubscription.revoked_at.is_(None),
                )
            )
        )
        if not subscriptions:
            raise PermanentDeliveryError("the customer has no push subscription")
        payload = json.dumps(
            {
                "title": message.subject,
                "body": message.body_text,
                "link": message.link,
                "message_id": message.id,
                "opened_url": self.opened_url(message.id),
            },
            ensure_ascii=False,
        )
        key = vapid.load(self.settings)
        accepted: list[str] = []
        temporary: list[str] = []
        for subscription in subscriptions:
            try:
                answer = webpush(
                    subscription_info={
                        "endpoint": subscription.endpoint,
                        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                    },
                    data=payload,
                    vapid_private_key=key,
                    vapid_claims={"sub": self.settings.webpush_vapid_subject},
                    ttl=self.settings.webpush_ttl_seconds,
                    timeout=self.settings.webpush_timeout_seconds,
                    requests_session=outbound.requests_session(),
                )
            except WebPushException as exc:
                status = exc.status_code
                if status in GONE:
                    subscription.revoked_at = utcnow()  # the browser unsubscribed
                elif status is None or status == 429 or status >= 500:
                    temporary.append(f"{_host(subscription.endpoint)}: {status or exc}")
                continue
            except OSError as exc:  # requests' connection errors are OSErrors
                temporary.append(f"{_host(subscription.endpoint)}: {exc!r}")
                continue
            location = getattr(answer, "headers", {}).get("Location", "")
            accepted.append(location or subscription.id)
        self.db.flush()
        if accepted:
            return DeliveryResult(provider_message_id=accepted[0], references=tuple(accepted))
        if temporary:
            raise TemporaryDeliveryError("push service unavailable: " + "; ".join(temporary))
        raise PermanentDeliveryError("every push subscription refused the message or is gone")


def _host(endpoint: str) -> str:
    return urlsplit(endpoint).netloc
