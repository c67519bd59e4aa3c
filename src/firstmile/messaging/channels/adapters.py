"""Which adapter delivers each channel: chosen by settings, overridable in tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from firstmile.kit.db import Session
from firstmile.kit.settings import current
from firstmile.messaging.channels.base import ChannelAdapter, PermanentDeliveryError
from firstmile.messaging.channels.email.smtp import SmtpChannel, close_connections
from firstmile.messaging.channels.inbox.channel import InboxChannel
from firstmile.messaging.channels.push.webpush import WebPushChannel
from firstmile.messaging.channels.simulator import SimulatedChannel
from firstmile.messaging.channels.sms.http_gateway import HttpGatewayChannel
from firstmile.messaging.channels.sms.smpp import SmppChannel, close_binds
from firstmile.messaging.channels.webhook.channel import WebhookChannel
from firstmile.messaging.models import Channel

_overrides: dict[Channel, ChannelAdapter] = {}


def adapter_for(channel: Channel, db: Session) -> ChannelAdapter:
    """The adapter for `channel`; the simulator writes in `db`, the delivery's transaction."""
    if channel in _overrides:
        return _overrides[channel]
    if channel == Channel.INAPP:
        return InboxChannel(db)
    settings = current()
    webhook = (channel == Channel.PUSH and settings.messaging_push_adapter == "webhook") or (
        channel == Channel.SMS and settings.messaging_sms_adapter == "webhook"
    )
    if webhook:
        try:
            return WebhookChannel.from_settings(settings)
        except ValueError as exc:
            raise PermanentDeliveryError(f"the webhook adapter is misconfigured: {exc}") from exc
    if channel == Channel.PUSH and settings.messaging_push_adapter == "webpush":
        from firstmile.messaging.delivery import opened_url  # delivery imports this module

        return WebPushChannel(db, settings, opened_url)
    try:
        if channel == Channel.EMAIL and settings.messaging_email_adapter == "smtp":
            return SmtpChannel.from_settings(settings)
        if channel == Channel.SMS and settings.messaging_sms_adapter == "http_gateway":
            return HttpGatewayChannel.from_settings(settings)
        if channel == Channel.SMS and settings.messaging_sms_adapter == "smpp":
            return SmppChannel.from_settings(settings)
    except ValueError as exc:  # e.g. no gateway URL, a body template that is not JSON
        raise PermanentDeliveryError(f"the {channel} adapter is misconfigured: {exc}") from exc
    return SimulatedChannel(db)


@contextmanager
def overridden(channel: Channel, adapter: ChannelAdapter) -> Iterator[ChannelAdapter]:
    """Deliver `channel` through `adapter` inside the block (tests)."""
    previous = _overrides.get(channel)
    _overrides[channel] = adapter
    try:
        yield adapter
    finally:
        if previous is None:
            _overrides.pop(channel, None)
        else:
            _overrides[channel] = previous


def close_all() -> None:
    """Close the connections the channels keep open between messages (SMTP connections
    with QUIT, SMPP binds with unbind): a worker that stops does this last."""
    close_connections()
    close_binds()
