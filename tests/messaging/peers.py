"""Real local protocol peers for the channel adapter tests: an SMTP server and an HTTP server."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from firstmile.messaging.channels.email.smtp import close_connections


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Inbox:
    """What the SMTP server received."""

    envelopes: list[Envelope] = field(default_factory=list)
    refuse_with: str | None = None  # an SMTP reply for RCPT TO, e.g. "550 no such user"
    refuse: dict[str, str] = field(default_factory=dict)  # the same, for some addresses
    greetings: int = 0  # EHLOs: one per connection (two with STARTTLS)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.refuse_with or address in self.refuse:
            return self.refuse_with or self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: Any
    ) -> Any:
        self.greetings += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        out = []
        for envelope in self.envelopes:
            raw = envelope.content if isinstance(envelope.content, bytes) else b""
            parsed = message_from_bytes(raw, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            out.append(parsed)
        return out


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp.crt", directory / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@contextmanager
def smtp_server(
    inbox: Inbox,
    *,
    tls: tuple[Path, Path] | None = None,
    credentials: tuple[str, str] | None = None,
    smtputf8: bool = False,
) -> Iterator[int]:
    """An aiosmtpd server on 127.0.0.1 and a free port; STARTTLS, AUTH and SMTPUTF8 when
    asked."""
    kwargs: dict[str, Any] = {"enable_SMTPUTF8": smtputf8}
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        kwargs.update(tls_context=context, require_starttls=True)
    if credentials is not None:

        def authenticator(
            server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
        ) -> AuthResult:
            ok = (
                isinstance(data, LoginPassword)
                and (
                    data.login.decode(),
                    data.password.decode(),
                )
                == credentials
            )
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=authenticator, auth_required=True)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        close_connections()  # the connections to the server that goes away
        controller.stop()


@dataclass
class Gateway:
    """What the HTTP SMS gateway received, and the status it answers with."""

    status: int = 200
    answer: dict[str, Any] = field(default_factory=lambda: {"id": "gw-1"})
    requests: list[tuple[dict[str, str], Any]] = field(default_factory=list)
    status_for: dict[str, int] = field(default_factory=dict)  # by the body's "to"
    connections: int = 0  # TCP connections accepted (HTTP/1.1 keeps them alive)


@contextmanager
def http_gateway(gateway: Gateway) -> Iterator[str]:
    """A local http.server in a thread; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go as two writes, as real servers do

        def setup(self) -> None:
            super().setup()
            gateway.connections += 1

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            gateway.requests.append((dict(self.headers.items()), body))
            payload = json.dumps(gateway.answer).encode()
            to = body.get("to") if isinstance(body, dict) else None
            self.send_response(gateway.status_for.get(str(to), gateway.status))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sms"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def email_over_local_smtp(inbox: Inbox, *, connections: int = 1) -> Iterator[None]:
    """Inside the block, email goes over plain SMTP to a local server that fills `inbox`
    (a batch's emails over up to `connections` connections at once)."""
    from firstmile.messaging.channels import adapters
    from firstmile.messaging.channels.email.smtp import SmtpChannel
    from firstmile.messaging.models import Channel

    with smtp_server(inbox) as port:
        smtp = SmtpChannel(
            host="127.0.0.1",
            port=port,
            sender="no-reply@operator.example",
            message_id_domain="operator.example",
            starttls=False,
            connections=connections,
        )
        with adapters.overridden(Channel.EMAIL, smtp):
            yield
