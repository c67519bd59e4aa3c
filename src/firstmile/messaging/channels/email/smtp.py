"""Email over SMTP (smtplib): STARTTLS and AUTH when configured, one RFC 5322 message per send.

The Message-ID is derived from the message's id, so a message sent again after a crash
(the server said 250 but the worker died before committing "sent") carries the same
Message-ID and receiving systems can recognise the duplicate.

A worker keeps its connections to the server open between messages (up to
`MESSAGES_PER_CONNECTION` messages each, closed after `IDLE_CLOSE_SECONDS` unused; checked
with NOOP when one has been idle a while): a batch of deliveries pays for the TCP
connection, EHLO, STARTTLS and AUTH once per connection. Any error closes the connection.
A batch's emails go over up to `connections` connections at once (`deliver_many`): each
email is a few round trips to the server, and a relay across a network answers each in
milliseconds, so one connection at a time would send a few dozen emails a second.
"""

from __future__ import annotations

import functools
import smtplib
import ssl
import threading
import time
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
from firstmile.messaging.models import Message, MessageClass

MESSAGES_PER_CONNECTION = 100
IDLE_CHECK_SECONDS = 2.0  # a connection unused this long is checked with NOOP first
IDLE_CLOSE_SECONDS = 60.0  # ... and one unused this long is closed and opened anew


@dataclass
class _Open:
    smtp: smtplib.SMTP
    sent: int
    last_used: float


@dataclass(frozen=True)
class Outgoing:
    """One email as it is sent: the envelope (MAIL FROM, RCPT TO) and the message."""

    sender: str
    recipient: str
    data: bytes


_Server = tuple[str, int, str, bool]  # host, port, username, STARTTLS


class _Pool:
    """This process's open connections, per server; each is used by one thread at a time
    (taken, then given back when its message is sent)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[_Server, list[_Open]] = {}

    def take(self, server: _Server) -> _Open | None:
        with self._lock:
            idle = self._idle.get(server)
            return idle.pop() if idle else None

    def give_back(self, server: _Server, held: _Open) -> None:
        with self._lock:
            self._idle.setdefault(server, []).append(held)

    def close_all(self) -> None:
        with self._lock:
            held = [h for idle in self._idle.values() for h in idle]
            self._idle.clear()
        for h in held:
            _quietly_close(h.smtp)


_pool = _Pool()


def close_connections() -> None:
    """Close the idle SMTP connections (tests, shutdown)."""
    _pool.close_all()


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


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
            try:
                options = []
                if mime.needs_smtputf8(to):
                    if not held.smtp.has_extn("smtputf8"):
                        raise smtplib.SMTPNotSupportedError(
                            "SMTPUTF8, needed for the address " + to
                        )
                    options = ["SMTPUTF8"]
                held.smtp.sendmail(outgoing.sender, [to], outgoing.data, mail_options=options)
            except BaseException:
                _quietly_close(held.smtp)
                raise
            held.sent, held.last_used = held.sent + 1, time.monotonic()
            if held.sent >= MESSAGES_PER_CONNECTION:
                _quietly_close(held.smtp)
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

    def _connection(self, server: _Server) -> _Open:
        """An open connection to the server from the pool, checked; or a new one."""
        while (held := _pool.take(server)) is not None:
            idle = time.monotonic() - held.last_used
            try:
                if idle < IDLE_CLOSE_SECONDS and (
                    idle < IDLE_CHECK_SECONDS or held.smtp.noop()[0] == 250
                ):
                    return held
            except (smtplib.SMTPException, OSError):
                pass
            _quietly_close(held.smtp)
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
        return _Open(smtp, 0, time.monotonic())


def _by_code(code: int, answer: bytes | str) -> Exception:
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else answer
    detail = f"SMTP {code} {text}"
    return PermanentDeliveryError(detail) if code >= 500 else TemporaryDeliveryError(detail)
