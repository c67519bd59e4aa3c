"""The emails SMTP sends, parsed back by the standard library's strict parser."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from firstmile.messaging.channels.base import PermanentDeliveryError
from firstmile.messaging.channels.email import mime
from firstmile.messaging.channels.email.smtp import SmtpChannel
from tests.factories.messaging import message
from tests.messaging.peers import Inbox, smtp_server

TEXTS = {
    "en": ("Welcome to firstmile, Eva", "Hello Eva,\n\nyour line is active.\n"),
    "cs": ("Vítejte ve firstmile, Evo – váš účet je připraven", "Dobrý den, Evo,\nvítejte!"),
    "sv": ("Välkommen, Åsa", "Hej Åsa,\r\ndin linje är aktiv."),
    "ja": ("ようこそ、エヴァさん。回線が開通しました", "エヴァ様\n\n回線が開通しました。" * 8),
    "ar": ("مرحبا بك يا إيفا، خطك نشط الآن", "مرحبا إيفا،\n\nخطك نشط الآن. " * 6),
}


def _parsed(data: bytes) -> EmailMessage:
    parsed = message_from_bytes(data, policy=policy.strict)  # a defect raises
    assert isinstance(parsed, EmailMessage)
    return parsed


def _channel(port: int = 25) -> SmtpChannel:
    return SmtpChannel(
        host="127.0.0.1",
        port=port,
        sender="Operátor Ω <no-reply@operator.example>",
        message_id_domain="operator.example",
        starttls=False,
        timeout=5.0,
    )


@pytest.mark.parametrize("locale", sorted(TEXTS))
def test_every_language_survives_the_round_trip(locale: str) -> None:
    subject, text = TEXTS[locale]
    html = f'<html dir="{"rtl" if locale == "ar" else "ltr"}"><p>{text}</p>' + "<i>x</i>" * 40
    msg = message(subject=subject, body_text=text, body_html=html, locale=locale)
    outgoing = _channel().build(msg)
    assert outgoing.data.isascii()  # 7-bit: headers encoded words, bodies quoted-printable
    lines = outgoing.data.split(b"\r\n")
    assert all(len(line) <= 78 for line in lines)
    assert b"\n" not in outgoing.data.replace(b"\r\n", b"")  # CRLF only
    parsed = _parsed(outgoing.data)
    assert parsed["Subject"] == subject
    assert parsed["From"] == "Operátor Ω <no-reply@operator.example>"
    assert parsed["Content-Language"] == locale
    assert parsed.get_content_type() == "multipart/alternative"
    plain = parsed.get_body(preferencelist=("plain",))
    rich = parsed.get_body(preferencelist=("html",))
    assert plain is not None
    assert rich is not None
    expected = text.replace("\r\n", "\n").replace("\n", "\r\n")
    assert plain.get_content().replace("\r\n", "\n") == expected.replace("\r\n", "\n")
    assert rich.get_content().replace("\r\n", "\n") == html.replace("\r\n", "\n")


def test_a_text_only_email_is_one_part() -> None:
    parsed = _parsed(_channel().build(message(body_html=None)).data)
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content().strip() == "Váš kód je 123456."


def test_a_long_link_stays_on_its_line_and_a_long_subject_is_folded_at_spaces() -> None:
    url = "https://portal.operator.example/preferences/" + "a" * 150 + "/unsubscribe/email"
    subject = "Your new plan is ready " * 6
    outgoing = _channel().build(message(subject=subject, unsubscribe_url=url))
    parsed = _parsed(outgoing.data)
    assert parsed["List-Unsubscribe"] == f"<{url}>"
    assert parsed["Subject"] == subject
    assert f"List-Unsubscribe: <{url}>".encode() in outgoing.data.split(b"\r\n")


@pytest.mark.parametrize(
    "change",
    [
        {"subject": "Hello\r\nBcc: everyone@example.com"},
        {"recipient": "eva@example.com\r\nBcc: everyone@example.com"},
        {"recipient": "Eva <eva@example.com>"},
        {"recipient": "eva@"},
        {"recipient": ""},
    ],
)
def test_header_injection_and_malformed_addresses_are_refused(change: dict[str, str]) -> None:
    with pytest.raises(PermanentDeliveryError, match="cannot build the email"):
        _channel().build(message(**change))


def test_a_body_that_looks_like_the_boundary_or_smtp_end_of_data_arrives_intact() -> None:
    text = "Line one\n.\n--=_0123456789abcdef\n..two dots\nFrom here on\n"
    inbox = Inbox()
    with smtp_server(inbox) as port:
        _channel(port).deliver(message(body_text=text, body_html="<p>=_</p>"))
    [received] = inbox.messages()
    plain = received.get_body(preferencelist=("plain",))
    assert plain is not None
    assert plain.get_content().replace("\r\n", "\n") == text


def test_a_local_part_that_is_not_ascii_needs_a_server_that_speaks_smtputf8() -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port, pytest.raises(PermanentDeliveryError, match="SMTPUTF8"):
        _channel(port).deliver(message(recipient="évá@bücher.example"))
    assert inbox.envelopes == []
    with smtp_server(inbox, smtputf8=True) as port:
        _channel(port).deliver(message(recipient="évá@bücher.example"))
    assert inbox.envelopes[0].rcpt_tos == ["évá@xn--bcher-kva.example"]
    assert inbox.messages()[0]["To"] == "évá@xn--bcher-kva.example"


def test_an_internationalised_domain_goes_as_its_ascii_form_to_any_server() -> None:
    """eva@příklad.cz is valid and stored as typed; a server without SMTPUTF8 (most relays)
    takes it as IDNA (RFC 5891)."""
    inbox = Inbox()
    with smtp_server(inbox) as port:
        _channel(port).deliver(message(recipient="eva@příklad.cz"))
    assert inbox.envelopes[0].rcpt_tos == ["eva@xn--pklad-zsa96e.cz"]
    assert inbox.messages()[0]["To"] == "eva@xn--pklad-zsa96e.cz"


def test_the_sender_setting_is_checked() -> None:
    with pytest.raises(mime.MalformedEmail, match="sender"):
        mime.mailbox("no address here")
