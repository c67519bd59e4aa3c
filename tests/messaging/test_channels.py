from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from firstmile import worker
from firstmile.kit.settings import load_settings
from firstmile.messaging.channels import pool
from firstmile.messaging.channels.base import (
    DeliveryResult,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)
from firstmile.messaging.channels.email import smtp as smtp_module
from firstmile.messaging.channels.email.smtp import SmtpChannel, close_connections
from firstmile.messaging.channels.sms.http_gateway import HttpGatewayChannel
from firstmile.messaging.models import Channel, MessageClass
from tests.factories.messaging import message
from tests.messaging.peers import Gateway, Inbox, free_port, http_gateway, self_signed, smtp_server


def _smtp(port: int, **kw: object) -> SmtpChannel:
    options: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "sender": "Firstmile <no-reply@operator.example>",
        "message_id_domain": "operator.example",
        "starttls": False,
        "timeout": 5.0,
    }
    options.update(kw)
    return SmtpChannel(**options)  # type: ignore[arg-type]


def test_smtp_delivers_an_rfc5322_message_with_the_right_headers() -> None:
    inbox = Inbox()
    msg = message(body_html="<p dir='ltr'>Váš kód je <b>123456</b>.</p>")
    with smtp_server(inbox) as port:
        result = _smtp(port).deliver(msg)
    [received] = inbox.messages()
    assert inbox.envelopes[0].rcpt_tos == ["eva@example.com"]
    assert received["To"] == "eva@example.com"
    assert received["From"] == "Firstmile <no-reply@operator.example>"
    assert received["Subject"] == "Váš podpisový kód"
    assert received["Message-ID"] == f"<{msg.id}@operator.example>"
    assert received["Content-Language"] == "cs"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Date"]
    assert result.provider_message_id == f"<{msg.id}@operator.example>"
    plain = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert plain is not None
    assert "123456" in plain.get_content()
    assert html is not None
    assert "<b>123456</b>" in html.get_content()


def test_smtp_keeps_one_connection_for_many_messages_and_reopens_a_dropped_one() -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        channel = _smtp(port)
        for _ in range(3):
            channel.deliver(message())
        assert len(inbox.envelopes) == 3
        assert inbox.greetings == 1  # one connection for the three
        close_connections()  # as when the server drops an idle connection
        channel.deliver(message())
        assert len(inbox.envelopes) == 4
        assert inbox.greetings == 2


def test_smtp_checks_an_idle_connection_before_using_it() -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        channel = _smtp(port)
        channel.deliver(message())
        [held] = next(iter(smtp_module._pool._idle.values()))
        held.connection.sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]  # gone
        held.last_used -= pool.IDLE_CHECK_SECONDS + 1  # ... a while ago
        channel.deliver(message())  # NOOP fails, so a new connection is opened
        assert len(inbox.envelopes) == 2
        assert inbox.greetings == 2


def test_smtp_sends_a_batch_over_several_connections_and_answers_each_message() -> None:
    """deliver_many: every message sent once, over at most `connections` connections,
    each answered in order; one that cannot be built fails alone."""
    inbox = Inbox()
    messages = [message() for _ in range(12)]
    messages[5].recipient = "not an address"
    with smtp_server(inbox) as port:
        close_connections()
        answers = _smtp(port, connections=3).deliver_many(messages)
        close_connections()
    assert isinstance(answers[5], PermanentDeliveryError)
    ids = [a.provider_message_id for i, a in enumerate(answers) if i != 5]  # type: ignore[union-attr]
    assert ids == [f"<{m.id}@operator.example>" for i, m in enumerate(messages) if i != 5]
    received = sorted(str(m["Message-ID"]) for m in inbox.messages())
    assert received == sorted(ids)
    assert 1 < inbox.greetings <= 3


def test_a_stopping_worker_closes_the_connections_its_channels_keep(
    sessions: sessionmaker[Session],
) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        _smtp(port).deliver(message())
        assert any(smtp_module._pool._idle.values())
        stop = threading.Event()
        stop.set()
        worker.run_forever(sessions, stop)  # stops at once, and closes what it kept open
        assert not any(smtp_module._pool._idle.values())


def test_smtp_retry_carries_the_same_message_id() -> None:
    inbox = Inbox()
    msg = message()
    with smtp_server(inbox) as port:
        _smtp(port).deliver(msg)
        _smtp(port).deliver(msg)
    first, second = inbox.messages()
    assert first["Message-ID"] == second["Message-ID"]


def test_marketing_mail_is_not_marked_auto_generated() -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        _smtp(port).deliver(message(klass=MessageClass.MARKETING))
    assert inbox.messages()[0]["Auto-Submitted"] is None


def test_smtp_uses_starttls_and_authenticates(tmp_path: Path) -> None:
    import ssl

    cert, key = self_signed(tmp_path)
    inbox = Inbox()
    trust = ssl.create_default_context(cafile=str(cert))
    with smtp_server(inbox, tls=(cert, key), credentials=("firstmile", "s3cret")) as port:
        channel = _smtp(
            port, starttls=True, username="firstmile", password="s3cret", tls_context=trust
        )
        channel.deliver(message())
    assert len(inbox.envelopes) == 1


def test_smtp_wrong_password_is_permanent(tmp_path: Path) -> None:
    import ssl

    cert, key = self_signed(tmp_path)
    trust = ssl.create_default_context(cafile=str(cert))
    with smtp_server(Inbox(), tls=(cert, key), credentials=("firstmile", "s3cret")) as port:
        channel = _smtp(port, starttls=True, username="firstmile", password="x", tls_context=trust)
        with pytest.raises(PermanentDeliveryError, match="535"):
            channel.deliver(message())


def test_smtp_rejected_recipient_is_permanent() -> None:
    with (
        smtp_server(Inbox(refuse_with="550 5.1.1 no such user")) as port,
        pytest.raises(PermanentDeliveryError, match="550"),
    ):
        _smtp(port).deliver(message())


def test_smtp_greylisting_is_temporary() -> None:
    with (
        smtp_server(Inbox(refuse_with="451 4.7.1 try again later")) as port,
        pytest.raises(TemporaryDeliveryError, match="451"),
    ):
        _smtp(port).deliver(message())


def test_smtp_server_down_is_temporary() -> None:
    with pytest.raises(TemporaryDeliveryError):
        _smtp(free_port(), timeout=2.0).deliver(message())


def test_malformed_address_is_permanent() -> None:
    with pytest.raises(PermanentDeliveryError):
        _smtp(free_port()).deliver(message(recipient="not an address"))


def _gateway(url: str, **kw: object) -> HttpGatewayChannel:
    options: dict[str, object] = {
        "url": url,
        "body_template": load_settings().sms_gateway_body_template,
        "sender": "Operator",
        "token": "gw-token",
        "timeout": 5.0,
    }
    options.update(kw)
    return HttpGatewayChannel(**options)  # type: ignore[arg-type]


def test_gateway_posts_the_configured_json_body() -> None:
    gateway = Gateway(answer={"message_id": "gw-42"})
    sms = message(channel=Channel.SMS, recipient="+420601123456", body_text='Kód "{sender}" 1')
    with http_gateway(gateway) as url:
        result = _gateway(url).deliver(sms)
    [(headers, body)] = gateway.requests
    assert body == {"to": "+420601123456", "text": 'Kód "{sender}" 1', "from": "Operator"}
    assert headers["Authorization"] == "Bearer gw-token"
    assert result.provider_message_id == "gw-42"


def test_gateway_keeps_its_connections_and_posts_a_batch_over_several_at_once() -> None:
    gateway = Gateway(status_for={"+420601000003": 503})
    batch = [
        message(channel=Channel.SMS, recipient=f"+42060100000{i}", body_text=f"text {i}")
        for i in range(8)
    ]
    with http_gateway(gateway) as url:
        channel = _gateway(url, connections=3)
        answers = channel.deliver_many(batch)
        channel.deliver(message(channel=Channel.SMS, recipient="+420601000009"))
    assert isinstance(answers[3], TemporaryDeliveryError)
    assert [type(a) for i, a in enumerate(answers) if i != 3] == [DeliveryResult] * 7
    texts = sorted(body["text"] for _, body in gateway.requests[:8])
    assert texts == sorted(f"text {i}" for i in range(8))
    assert len(gateway.requests) == 9
    assert gateway.connections <= 3  # nine posts over kept-alive connections


def test_gateway_body_template_may_nest_and_refer_to_the_message() -> None:
    gateway = Gateway()
    template = '{"messages": [{"destinations": [{"to": "{to}"}], "ref": "{reference}"}]}'
    sms = message(channel=Channel.SMS, recipient="+46701234567")
    with http_gateway(gateway) as url:
        _gateway(url, body_template=template).deliver(sms)
    body = gateway.requests[0][1]
    assert body == {"messages": [{"destinations": [{"to": "+46701234567"}], "ref": sms.id}]}


def test_gateway_503_is_temporary() -> None:
    with (
        http_gateway(Gateway(status=503)) as url,
        pytest.raises(TemporaryDeliveryError, match="503"),
    ):
        _gateway(url).deliver(message(channel=Channel.SMS, recipient="+420601123456"))


def test_gateway_400_is_permanent() -> None:
    with (
        http_gateway(Gateway(status=400, answer={"error": "bad number"})) as url,
        pytest.raises(PermanentDeliveryError, match="400"),
    ):
        _gateway(url).deliver(message(channel=Channel.SMS, recipient="+420601123456"))


def test_gateway_unreachable_is_temporary() -> None:
    url = f"http://127.0.0.1:{free_port()}/sms"
    with pytest.raises(TemporaryDeliveryError):
        _gateway(url).deliver(message(channel=Channel.SMS, recipient="+420601123456"))


def test_gateway_needs_a_url() -> None:
    with pytest.raises(ValueError, match="URL"):
        _gateway("")


def test_a_hand_off_that_breaks_unexpectedly_is_retried_alone() -> None:
    """One hand-off raising an error that is no provider's answer does not take the batch's
    other answers with it; it comes back as a temporary failure."""
    from firstmile.messaging.channels.base import HandOff, each_at_once

    def broken() -> DeliveryResult:
        raise RuntimeError("bug in a sending thread")

    batch: list[HandOff] = [lambda: DeliveryResult(provider_message_id="a"), broken]
    first, second = each_at_once(list(batch), 2)
    assert isinstance(first, DeliveryResult)
    assert isinstance(second, TemporaryDeliveryError)
    assert "RuntimeError" in str(second)
