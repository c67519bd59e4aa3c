"""One email as the bytes SMTP sends (RFC 5322 with MIME, RFC 2045-2047).

Every encoding rule comes from the standard library: header words (RFC 2047) from
`email.header`, addresses from `email.utils`, quoted-printable bodies (RFC 2045) from
`binascii` (C). Only the assembly is ours: a text part, or a multipart/alternative of text
and HTML with a random boundary. `email.message.EmailMessage` made the same message in
about 2 ms, parsing every header it was given and folding it again on output (a worker's
main cost per email, measured with bench/messaging.py); this takes about 0.1 ms.

Both parts are quoted-printable: 7-bit clean for any relay, lines under 76 characters,
readable where the text is mostly ASCII.
"""

from __future__ import annotations

import binascii
import functools
import uuid
from collections.abc import Iterable
from email.header import Header
from email.utils import formataddr, parseaddr

import idna

CRLF = "\r\n"
_MAX_PLAIN_HEADER = 78
_MAX_LINE = 998


class MalformedEmail(ValueError):
    """What was given cannot be sent as an email (says which part and why)."""


@functools.lru_cache(maxsize=16)  # the configured sender: the same for every message
def mailbox(value: str) -> tuple[str, str]:
    """`Name <addr>` (or a bare address) as (the header value, RFC 2047-encoded where the
    name is not ASCII; the address)."""
    _line_free(value, "sender")
    name, address = parseaddr(value)
    if not address or "@" not in address:
        raise MalformedEmail(f"the sender {value!r} is not an address")
    return formataddr((name, address), charset="utf-8"), address


def recipient(value: str) -> str:
    """A bare address as it goes in `To` and `RCPT TO`. An internationalised domain goes
    as its ASCII form (IDNA, RFC 5891: "eva@xn--pklad-zsa96e.cz" for "eva@příklad.cz"),
    which every server takes; only a local part that is not ASCII needs a server that
    speaks SMTPUTF8 (RFC 6531: see `needs_smtputf8`)."""
    _line_free(value, "recipient")
    name, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    if name or address != value or not local or not domain or any(c.isspace() for c in value):
        raise MalformedEmail(f"the recipient {value!r} is not an address")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise MalformedEmail(f"the recipient's domain {domain!r} is not valid") from exc
    return f"{local}@{domain}"


def needs_smtputf8(address: str) -> bool:
    return not address.isascii()


def header(name: str, value: str) -> str:
    """One header line (folded when long), its value RFC 2047-encoded when not ASCII."""
    _line_free(value, name)
    line = f"{name}: {value}"
    if value.isascii() and (len(line) <= _MAX_PLAIN_HEADER or " " not in value.strip()):
        if len(line) > _MAX_LINE:
            raise MalformedEmail(f"the {name} header is longer than {_MAX_LINE} characters")
        return line  # one word (a link) is not folded: RFC 5322 allows up to 998
    encoded = Header(value, "utf-8" if not value.isascii() else "us-ascii", header_name=name)
    return f"{name}: {encoded.encode(linesep=CRLF)}"


def compose(headers: Iterable[str], text: str, html: str | None = None) -> bytes:
    """The message: `headers` (lines made by `header`), then the text part, or a
    multipart/alternative of the text and the HTML (the order of preference, RFC 2046)."""
    lines = list(headers)
    lines.append("MIME-Version: 1.0")
    if html is None:
        lines += _part_headers("plain")
        return _join(lines, _quoted_printable(text))
    boundary = f"=_{uuid.uuid4().hex}"  # "=_" cannot occur in a quoted-printable body
    lines.append(f'Content-Type: multipart/alternative;{CRLF} boundary="{boundary}"')
    parts = [
        CRLF.join((*_part_headers(kind), "", body))
        for kind, body in (("plain", _quoted_printable(text)), ("html", _quoted_printable(html)))
    ]
    body = f"--{boundary}{CRLF}" + f"{CRLF}--{boundary}{CRLF}".join(parts)
    return _join(lines, f"{body}{CRLF}--{boundary}--")


def _part_headers(subtype: str) -> list[str]:
    return [
        f'Content-Type: text/{subtype}; charset="utf-8"',
        "Content-Transfer-Encoding: quoted-printable",
    ]


def _join(header_lines: list[str], body: str) -> bytes:
    return (CRLF.join(header_lines) + CRLF + CRLF + body + CRLF).encode("utf-8")


def _quoted_printable(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", CRLF)
    return binascii.b2a_qp(lines.encode("utf-8"), istext=True).decode("ascii")


def _line_free(value: str, what: str) -> None:
    if "\r" in value or "\n" in value or "\0" in value:
        raise MalformedEmail(f"the {what} holds a line break")
