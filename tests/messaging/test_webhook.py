"""The webhook adapter: signed JSON to the operator's own delivery system."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.kit.settings import Settings, configure
from firstmile.messaging import service
from firstmile.messaging.channels.base import PermanentDeliveryError, TemporaryDeliveryError
from firstmile.messaging.channels.webhook.channel import SIGNATURE_HEADER, WebhookChannel
from firstmile.messaging.models import Channel, Message, MessageStatus
from tests.conftest import RunJobs
from tests.factories.messaging import customer, message, message_template
from tests.messaging.peers import Gateway, http_gateway

SECRET = "s3cret"
HELLO = {"en": {"subject": "Your router ships today", "body": "Follow it, {{ name }}."}}


def _verify(headers: dict[str, str], body: bytes) -> None:
    value = {k.lower(): v for k, v in headers.items()}[SIGNATURE_HEADER.lower()]
    fields = dict(part.split("=", 1) for part in value.split(","))
    expected = hmac.new(SECRET.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(fields["v1"], expected.hexdigest())


@pytest.fixture
def webhook_push(settings: Settings) -> Iterator[Gateway]:
    gateway = Gateway(answer={"id": "app-77"})
    with http_gateway(gateway) as url:
        configure(
            settings.model_copy(
                update={
                    "messaging_push_adapter": "webhook",
                    "messaging_webhook_url": url,
                    "messaging_webhook_secret": SECRET,
                }
            )
        )
        yield gateway
    configure(settings)


def test_a_push_goes_to_the_operators_backend_signed(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs, webhook_push: Gateway
) -> None:
    message_template(db, "shipping", HELLO, channels=("push", "sms"))
    eva = customer(db, language="en", preferred=["push", "sms"])
    sent = service.send(
        db, customer_id=eva.id, purpose="shipping", data={"name": "Eva"},
        idempotency_key="w1", actor=SYSTEM,
    )  # fmt: skip
    db.commit()
    assert sent.channel == Channel.PUSH  # the operator's backend knows the app installs
    run_jobs()
    [(headers, body)] = webhook_push.requests
    _verify(headers, json.dumps(body, ensure_ascii=False).encode())
    assert body["message_id"] == sent.id
    assert body["title"] == "Your router ships today"
    assert body["text"] == "Follow it, Eva."
    with sessions() as s:
        row = s.get(Message, sent.id)
        assert row is not None
        assert row.status == MessageStatus.SENT
        assert row.provider_message_id == "app-77"


def test_a_batch_of_pushes_goes_to_the_backend_at_once_each_signed_with_its_key(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs, webhook_push: Gateway
) -> None:
    message_template(db, "shipping", HELLO, channels=("push", "sms"))
    sent = []
    for i in range(5):
        person = customer(db, language="en", preferred=["push", "sms"])
        sent.append(
            service.send(
                db,
                customer_id=person.id,
                purpose="shipping",
                data={"name": f"P{i}"},
                idempotency_key=f"wb{i}",
                actor=SYSTEM,
            )
        )
    db.commit()
    run_jobs()
    assert len(webhook_push.requests) == 5
    keys = set()
    for headers, body in webhook_push.requests:
        _verify(headers, json.dumps(body, ensure_ascii=False).encode())
        keys.add({k.lower(): v for k, v in headers.items()}["idempotency-key"])
        assert body["text"] == f"Follow it, P{[m.id for m in sent].index(body['message_id'])}."
    assert keys == {m.id for m in sent}
    assert webhook_push.connections <= 5
    with sessions() as s:
        assert {s.get(Message, m.id).status for m in sent} == {MessageStatus.SENT}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("status", "error"),
    [(500, TemporaryDeliveryError), (429, TemporaryDeliveryError), (404, PermanentDeliveryError)],
)
def test_answers_are_classified(status: int, error: type[Exception]) -> None:
    gateway = Gateway(status=status)
    with http_gateway(gateway) as url:
        channel = WebhookChannel(url=url, secret=SECRET)
        with pytest.raises(error):
            channel.deliver(message(channel=Channel.PUSH))


def test_the_signature_covers_the_exact_body() -> None:
    gateway = Gateway()
    with http_gateway(gateway) as url:
        WebhookChannel(url=url, secret=SECRET).deliver(message(channel=Channel.SMS))
    [(headers, body)] = gateway.requests
    raw = json.dumps(body, ensure_ascii=False).encode()
    _verify(headers, raw)
    with pytest.raises(AssertionError):
        _verify(headers, raw + b" ")


def test_a_webhook_without_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        WebhookChannel(url="http://127.0.0.1:1/x", secret="")
