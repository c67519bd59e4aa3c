"""Email over SMTP (smtplib): STARTTLS and AUTH when configured, one RFC 5322 message per send.

The Message-ID is derived from the message's id, so a message sent again after a crash
(the server said 250 but the worker died before committing "sent") carries the same
Message-ID and receiving systems can recognise the duplicate.

A worker keeps its connections to the server open between messages (up to
`MESSAGES_PER_CONNECTION` messages each; see pool.py, NOOP checks an idle one): a batch
of deliveries pays for the TCP
connection, EHLO, STARTTLS and AUTH once per connection. Any error closes the connection.
A batch's emails go over up to `connections` connections at once (`deliver_many`): each
email is a few round trips to the server, and a relay across a network answers each in
milliseconds, so one connection at a time would send a few dozen emails a second.
"""

from __future__ import annotations

import functools
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import format_datetime

from firstmile.kit.settings import Settings
from firstmile.kit.time import utcnow
from firstmile.messaging.channels.base import (
    DeliveryError,
    DeliveryResult,
    HandOff,
    PermanentDeliveryError,
    TemporaryDeliveryError,
    each_at_once,
)
from firstmile.messaging.channels.email import mime
from firstmile.messaging.channels.pool import Kept, KeptOpen
from firstmile.messaging.models import Message, MessageClass

MESSAGES_PER_CONNECTION = 100


@dataclass(frozen=True)
class Outgoing:
    """One email as it is sent: the envelope (MAIL FROM, RCPT TO) and the message."""

    sender: str
    recipient: str
    data: bytes


_Server = tuple[str, int, str, bool]  # host, port, username, STARTTLS


def _answers_noop(smtp: smtplib.SMTP) -> bool:
    try:
        return bool(smtp.noop()[0] == 250)
    except (smtplib.SMTPException, OSError):
        return False


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


_pool: KeptOpen[_Server, smtplib.SMTP] = KeptOpen(alive=_answers_noop, close=_quietly_close)


def close_connections() -> None:
    """Close the idle SMTP connections (tests, shutdown)."""
    _pool.close_all()


class SmtpChannel:
    name = "smtp"
    reports_receipts = True  # bounces: see bounces.py and the smtp-bounce callback

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        message_id_domain: str,
        starttls: bool = True,
        username: str = "",
        password: str = "",
        timeout: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
        connections: int = 1,
    ) -> None:
        """`tls_context` defaults to the system's trusted CAs with hostname checks;
        `connections`: how many a batch's emails may go over at once."""
        self.host, self.port, self.timeout = host, port, timeout
        self.connections = max(1, connections)
        self.tls_context = tls_context
        self.sender, self.message_id_domain = sender, message_id_domain
        self.starttls, self.username, self.password = starttls, username, password

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpChannel:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            message_id_domain=settings.smtp_message_id_domain,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
            connections=settings.smtp_connections,
        )

    def message_id(self, message: Message) -> str:
        return f"<{message.id}@{self.message_id_domain}>"

    def build(self, message: Message) -> Outgoing:
        """The RFC 5322 message (plain text, plus an HTML alternative when there is one)
        and its envelope."""
        try:
            sender, envelope_sender = mime.mailbox(self.sender)
            to = mime.recipient(message.recipient or "")
            headers = [
                f"From: {sender}",
                f"To: {to}",
                mime.header("Subject", message.subject),
                f"Date: {format_datetime(utcnow())}",
                f"Message-ID: {self.message_id(message)}",
                mime.header("Content-Language", message.locale),
            ]
            if message.klass == MessageClass.TRANSACTIONAL:
                headers.append("Auto-Submitted: auto-generated")
            if message.unsubscribe_url:  # RFC 2369 and RFC 8058: one-click unsubscribe
                headers.append(mime.header("List-Unsubscribe", f"<{message.unsubscribe_url}>"))
                headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
            data = mime.compose(headers, message.body_text, message.body_html)
            return Outgoing(envelope_sender, to, data)
        except mime.MalformedEmail as exc:
            raise PermanentDeliveryError(f"cannot build the email: {exc}") from exc

    def deliver(self, message: Message) -> DeliveryResult:
        return self._send(self.build(message), self.message_id(message))

    def deliver_many(self, messages: Sequence[Message]) -> list[DeliveryResult | DeliveryError]:
        """Send a batch, over up to `connections` connections at once: for each message,
        the result or the error (as `deliver` would raise it). The emails are built here,
        in the caller's thread; only the SMTP conversations run in other threads."""
        hand_offs: list[HandOff | DeliveryError] = []
        for message in messages:
            try:
                outgoing, message_id = self.build(message), self.message_id(message)
            except DeliveryError as exc:
                hand_offs.append(exc)
                continue
            hand_offs.append(functools.partial(self._send, outgoing, message_id))
        return each_at_once(hand_offs, self.connections)

    def _send(self, outgoing: Outgoing, message_id: str) -> DeliveryResult:
        to = outgoing.recipient
        server = (self.host, self.port, self.username, self.starttls)
        try:
            held = self._connection(server)
            smtp = held.connection
            try:
                options = []
                if mime.needs_smtputf8(to):
                    if not smtp.has_extn("smtputf8"):
                        raise smtplib.SMTPNotSupportedError(
                            "SMTPUTF8, needed for the address " + to
                        )
                    options = ["SMTPUTF8"]
                smtp.sendmail(outgoing.sender, [to], outgoing.data, mail_options=options)
            except BaseException:
                _quietly_close(smtp)
                raise
            held.sent += 1
            if held.sent >= MESSAGES_PER_CONNECTION:
                _quietly_close(smtp)
            else:
                _pool.give_back(server, held)
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()))
            raise _by_code(code, answer) from exc
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentDeliveryError(f"the SMTP server does not support: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # disconnects, refusals, timeouts
            raise TemporaryDeliveryError(f"SMTP unavailable: {exc!r}") from exc
        return DeliveryResult(provider_message_id=message_id, own_references=True)

    def _connection(self, server: _Server) -> Kept[smtplib.SMTP]:
        """An open connection to the server from the pool, checked; or a new one."""
        held = _pool.take(server)
        if held is not None:
            return held
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=self.tls_context or ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            _quietly_close(smtp)
            raise
        return Kept(smtp)


def _by_code(code: int, answer: bytes | str) -> Exception:
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else answer
    detail = f"SMTP {code} {text}"
    return PermanentDeliveryError(detail) if code >= 500 else TemporaryDeliveryError(detail)
