"""Bounces (RFC 3464 delivery status notifications) for mail sent over SMTP."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.messaging import service
from firstmile.messaging.channels.email import bounces
from firstmile.messaging.models import Channel, Message, MessageStatus, ReceiptState
from tests.conftest import RunJobs
from tests.factories.messaging import customer, message_template
from tests.messaging.peers import Inbox, email_over_local_smtp

HELLO = {"en": {"subject": "Hello", "body": "Hello {{ name }}."}}


def dsn(message_id: str, action: str = "failed", status: str = "5.1.1") -> bytes:
    """A bounce as an MTA writes it: explanation, delivery status, returned headers."""
    return (
        "From: MAILER-DAEMON@mx.example.net\r\n"
        "To: no-reply@operator.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "Your message could not be delivered.\r\n"
        "--b1\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        "Final-Recipient: rfc822; eva@example.com\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <eva@example.com>: User unknown\r\n"
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {message_id}\r\n"
        "From: no-reply@operator.example\r\n"
        "Subject: Hello\r\n"
        "--b1--\r\n"
    ).encode()


def test_a_dsn_is_parsed_per_recipient() -> None:
    [bounce] = bounces.parse(dsn("<m1@operator.example>"))
    assert bounce.message_id == "<m1@operator.example>"
    assert bounce.recipient == "eva@example.com"
    assert bounce.state == ReceiptState.BOUNCED
    assert bounce.status == "5.1.1"
    assert "User unknown" in bounce.diagnostic
    [delayed] = bounces.parse(dsn("<m1@operator.example>", action="delayed", status="4.4.1"))
    assert delayed.state is None


def test_an_ordinary_mail_is_not_a_dsn() -> None:
    plain = EmailMessage()
    plain.set_content("hello")
    with pytest.raises(bounces.NotADsn):
        bounces.parse(plain.as_bytes())


def test_a_bounce_marks_the_message_and_sends_the_next_channel(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    integration: dict[str, str],
) -> None:
    message_template(db, "hello", HELLO)
    eva = customer(db, language="en", preferred=["email", "sms"])
    sent = service.send(
        db,
        customer_id=eva.id,
        purpose="hello",
        data={"name": "Eva"},
        idempotency_key="h1",
        actor=SYSTEM,
    )
    db.commit()
    inbox = Inbox()
    with email_over_local_smtp(inbox):
        run_jobs()
    [received] = inbox.messages()
    url = "/api/messaging/callbacks/smtp-bounce"
    headers = {**integration, "Content-Type": "message/rfc822"}
    answer = client.post(url, content=dsn(received["Message-ID"]), headers=headers)
    assert answer.status_code == 200, answer.text
    assert [m["status"] for m in answer.json()] == ["bounced"]
    run_jobs()
    with sessions() as s:
        bounced = s.get(Message, sent.id)
        assert bounced is not None
        assert bounced.status == MessageStatus.BOUNCED
        assert bounced.error is not None
        assert bounced.error.startswith("5.1.1")
        following = s.scalar(select(Message).where(Message.fallback_of == sent.id))
        assert following is not None
        assert following.channel == Channel.SMS
    again = client.post(url, content=dsn(received["Message-ID"]), headers=headers)
    assert again.json()[0]["status"] == "bounced"  # a repeat changes nothing
    not_dsn = client.post(url, content=b"hello", headers=headers)
    assert not_dsn.status_code == 422
    assert not_dsn.json()["error"]["field"] == "body"
    unknown = client.post(url, content=dsn("<nobody@x>"), headers=headers)
    assert unknown.status_code == 404
