"""Email over SMTP (smtplib): STARTTLS and AUTH when configured, one RFC 5322 message per send.

The Message-ID is derived from the message's id, so a message sent again after a crash
(the server said 250 but the worker died before committing "sent") carries the same
Message-ID and receiving systems can recognise the duplicate.
"""

from __future__ import annotations

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from firstmile.kit.settings import Settings
from firstmile.kit.time import utcnow
from firstmile.messaging.channels.base import (
    DeliveryResult,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)
from firstmile.messaging.models import Message, MessageClass


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
    ) -> None:
        """`tls_context` defaults to the system's trusted CAs with hostname checks."""
        self.host, self.port, self.timeout = host, port, timeout
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
        )

    def message_id(self, message: Message) -> str:
        return f"<{message.id}@{self.message_id_domain}>"

    def build(self, message: Message) -> EmailMessage:
        """The RFC 5322 message: plain text, plus an HTML alternative when there is one."""
        email = EmailMessage()
        try:
            email["From"] = self.sender
            email["To"] = Address(addr_spec=message.recipient or "")
            email["Subject"] = message.subject
        except (ValueError, IndexError) as exc:
            raise PermanentDeliveryError(f"cannot build the email: {exc}") from exc
        email["Date"] = format_datetime(utcnow())
        email["Message-ID"] = self.message_id(message)
        if message.klass == MessageClass.TRANSACTIONAL:
            email["Auto-Submitted"] = "auto-generated"
        if message.unsubscribe_url:  # RFC 2369 and RFC 8058: one-click unsubscribe
            email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email.set_content(message.body_text)
        if message.body_html:
            email.add_alternative(message.body_html, subtype="html")
        email["Content-Language"] = message.locale  # after set_content, which drops Content-*
        return email

    def deliver(self, message: Message) -> DeliveryResult:
        email = self.build(message)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls(context=self.tls_context or ssl.create_default_context())
                    smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()))
            raise _by_code(code, answer) from exc
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentDeliveryError(f"the SMTP server does not support: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # disconnects, refusals, timeouts
            raise TemporaryDeliveryError(f"SMTP unavailable: {exc!r}") from exc
        return DeliveryResult(provider_message_id=email["Message-ID"])


def _by_code(code: int, answer: bytes | str) -> Exception:
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else answer
    detail = f"SMTP {code} {text}"
    return PermanentDeliveryError(detail) if code >= 500 else TemporaryDeliveryError(detail)
