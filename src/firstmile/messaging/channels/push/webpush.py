"""Web Push: the message, encrypted per RFC 8291 (aes128gcm) for each of the customer's
subscriptions, posted to the push service with a VAPID signature (RFC 8292). pywebpush
does the encryption and signing.

The payload is JSON: {"title", "body", "link", "message_id", "opened_url"}; the service
worker shows it and posts to `opened_url` when the customer clicks it (message.opened;
a template's unread_fallback_minutes sends the next channel when no click comes). A push
service's 404 or 410 means the subscription is gone: it is revoked here and never used
again. 429 and 5xx are temporary; other refusals are permanent, a redirect too (it is not
followed). The message counts as sent when at least one subscription accepted it.

An endpoint is checked again right before each push, and the connection goes only to an
address that was checked when it was made: a subscription whose host now resolves to a
loopback, private or other non-public address is refused without being contacted, and
revoked as a gone one. The errors name the push service's host, its answer's status, or
that it was not reachable: never a connection error's text, which holds addresses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from pywebpush import WebPushException, webpush
from sqlalchemy import select

from firstmile.kit import outbound
from firstmile.kit.db import Session
from firstmile.kit.settings import Settings
from firstmile.kit.time import utcnow
from firstmile.messaging.channels.base import (
    DeliveryError,
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
        refused: list[str] = []
        for subscription in subscriptions:
            host = _host(subscription.endpoint)
            try:
                accepted.append(self._push(subscription, payload, key))
            except TemporaryDeliveryError as exc:
                temporary.append(f"{host}: {exc}")
            except PermanentDeliveryError as exc:
                refused.append(f"{host}: {exc}")
        self.db.flush()
        if accepted:
            return DeliveryResult(provider_message_id=accepted[0], references=tuple(accepted))
        if temporary:
            raise TemporaryDeliveryError("push service unavailable: " + "; ".join(temporary))
        raise PermanentDeliveryError(
            "every push subscription refused the message or is gone: " + "; ".join(refused)
        )

    def _push(self, subscription: PushSubscription, payload: str, key: Any) -> str:
        """The push service's reference for the message it took. A subscription that is gone
        or whose endpoint is refused is revoked here."""
        allow_private = self.settings.webpush_allow_private_addresses
        try:
            outbound.check_url(subscription.endpoint, allow_private=allow_private)
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
                requests_session=outbound.requests_session(allow_private=allow_private),
            )
        except outbound.Unresolved as exc:
            raise TemporaryDeliveryError("not reachable") from exc
        except outbound.Refused as exc:  # here, or when the connection was made
            subscription.revoked_at = utcnow()
            raise PermanentDeliveryError(f"endpoint refused, {exc.reason}") from exc
        except WebPushException as exc:
            raise _answered(subscription, exc) from exc
        except OSError as exc:  # requests' connection errors and timeouts are OSErrors
            raise TemporaryDeliveryError("not reachable") from exc
        location: str = getattr(answer, "headers", {}).get("Location", "")
        return location or subscription.id


def _answered(subscription: PushSubscription, exc: WebPushException) -> DeliveryError:
    status = exc.status_code
    if status is None:  # refused by pywebpush before sending (e.g. a malformed key)
        return TemporaryDeliveryError(str(exc.message))
    if status in GONE:
        subscription.revoked_at = utcnow()  # the browser unsubscribed
        return PermanentDeliveryError(f"gone ({status})")
    if status == 429 or status >= 500:
        return TemporaryDeliveryError(f"answered {status}")
    if 300 <= status < 400:
        return PermanentDeliveryError(f"redirected ({status}), not followed")
    return PermanentDeliveryError(f"refused ({status})")


def _host(endpoint: str) -> str:
    """The endpoint's host name, without a port: what an agent needs to tell push services
    apart."""
    return urlsplit(endpoint).hostname or "?"
