"""Push subscriptions: what a customer's browser or app registers so Web Push can reach it.

The portal (or the operator's app) subscribes with the application server key from
`GET /api/messaging/push/key` and posts the PushSubscription it got (endpoint, p256dh and
auth keys). One endpoint belongs to one browser: posting it again updates it, for the
customer signed in now. Routing sends push only to customers with a live subscription.

The worker posts to the endpoint, so it must be a push service's: one of
`messaging_push_hosts` (the browsers' push services) whose name resolves only to public
addresses. Otherwise a caller could make the worker post into the operator's own network.
The channel checks the addresses again before each push (see channels/push/webpush.py).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from firstmile.auth.scopes import Actor
from firstmile.customers import repository as customers_repository
from firstmile.eventlog import service as eventlog_service
from firstmile.kit import outbound
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.kit.settings import current as current_settings
from firstmile.kit.time import utcnow
from firstmile.messaging import events
from firstmile.messaging import repository as repo
from firstmile.messaging.models import PushSubscription


def subscribe(
    db: Session,
    customer_id: str,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str,
    actor: Actor,
) -> PushSubscription:
    if customers_repository.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    _check_endpoint(endpoint)
    if len(_b64(p256dh, "keys.p256dh")) != 65 or not _b64(p256dh, "keys.p256dh").startswith(
        b"\x04"
    ):
        raise InvalidInput(
            "must be an uncompressed P-256 public key (65 bytes)", field="keys.p256dh"
        )
    if len(_b64(auth, "keys.auth")) != 16:
        raise InvalidInput("must be a 16-byte authentication secret", field="keys.auth")
    row = repo.push_subscription_by_endpoint(db, endpoint)
    if row is None:
        row = PushSubscription(customer_id=customer_id, endpoint=endpoint, p256dh=p256dh, auth=auth)
        db.add(row)
    row.customer_id, row.p256dh, row.auth = customer_id, p256dh, auth
    row.user_agent, row.revoked_at = user_agent[:300], None
    db.flush()
    eventlog_service.record(
        db,
        events.PUSH_SUBSCRIBED,
        actor=actor.ref,
        customer_id=customer_id,
        subject_id=row.id,
        payload={"push_service": urlsplit(endpoint).netloc},
    )
    return row


def unsubscribe(
    db: Session, customer_id: str, subscription_id: str, *, actor: Actor
) -> PushSubscription:
    row = db.get(PushSubscription, subscription_id)
    if row is None or row.customer_id != customer_id:
        raise NotFound("push subscription", subscription_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.flush()
        eventlog_service.record(
            db,
            events.PUSH_UNSUBSCRIBED,
            actor=actor.ref,
            customer_id=customer_id,
            subject_id=row.id,
            payload={"push_service": urlsplit(row.endpoint).netloc},
        )
    return row


def subscriptions_of(db: Session, customer_id: str) -> list[PushSubscription]:
    if customers_repository.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    return repo.push_subscriptions(db, customer_id)


def _check_endpoint(endpoint: str) -> None:
    settings = current_settings()
    try:
        parts = urlsplit(endpoint)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        raise InvalidInput("must be the push service's https URL", field="endpoint") from None
    allowed = ("https", "http") if settings.webpush_allow_http_endpoints else ("https",)
    # No credentials, spaces or backslashes: URL parsers read such URLs differently, and the
    # host checked here must be the one the worker connects to.
    odd = "@" in parts.netloc or "\\" in endpoint or not endpoint.isprintable() or " " in endpoint
    if parts.scheme not in allowed or not parts.hostname or odd or len(endpoint) > 1000:
        raise InvalidInput("must be the push service's https URL", field="endpoint")
    if not outbound.host_allowed(parts.hostname, settings.messaging_push_hosts):
        raise InvalidInput(
            "must be the URL of a push service this installation sends to", field="endpoint"
        )
    try:
        outbound.check_url(endpoint, allow_private=settings.webpush_allow_private_addresses)
    except outbound.Refused as exc:
        raise InvalidInput(
            f"must be a public push service's URL: {exc.reason}", field="endpoint"
        ) from None


def _b64(value: str, field: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput("must be base64url", field=field) from None
