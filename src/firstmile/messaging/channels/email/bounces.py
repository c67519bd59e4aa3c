"""Bounces: delivery status notifications (RFC 3464) about mail the SMTP adapter sent.

A DSN is a multipart/report whose message/delivery-status part holds one block about the
reporting MTA and one block per recipient (Final-Recipient, Action, Status, Diagnostic-Code),
and whose third part returns the original message or its headers, with the Message-ID
the adapter gave it: that id is the message's provider reference. Action `failed` is a
bounce; `delivered`, `relayed` and `expanded` mean delivered; `delayed` changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, message_from_string, policy
from email.message import Message

from firstmile.messaging.models import ReceiptState

STATES = {
    "failed": ReceiptState.BOUNCED,
    "delivered": ReceiptState.DELIVERED,
    "relayed": ReceiptState.DELIVERED,
    "expanded": ReceiptState.DELIVERED,
}


@dataclass(frozen=True, slots=True)
class Bounce:
    message_id: str  # the original message's Message-ID, angle brackets included
    recipient: str
    state: ReceiptState | None  # None: delayed, nothing final yet
    status: str  # RFC 3463 enhanced status code, e.g. 5.1.1
    diagnostic: str


class NotADsn(ValueError):
    pass


def parse(raw: bytes) -> list[Bounce]:
    """The per-recipient results of one DSN; NotADsn when it is not one."""
    report = message_from_bytes(raw, policy=policy.default)
    if report.get_content_type() != "multipart/report":
        raise NotADsn("not a multipart/report message")
    status_part = _part(report, "message/delivery-status")
    if status_part is None:
        raise NotADsn("the report has no message/delivery-status part")
    original = _original_message_id(report)
    if not original:
        raise NotADsn("the report does not return the original Message-ID")
    blocks = status_part.get_payload()
    if not isinstance(blocks, list) or len(blocks) < 2:
        raise NotADsn("the delivery status names no recipient")
    out = []
    for block in blocks[1:]:
        if not isinstance(block, Message):
            continue
        action = str(block.get("Action", "")).strip().lower()
        out.append(
            Bounce(
                message_id=original,
                recipient=_address(str(block.get("Final-Recipient", ""))),
                state=STATES.get(action),
                status=str(block.get("Status", "")).strip(),
                diagnostic=_address(str(block.get("Diagnostic-Code", ""))),
            )
        )
    return out


def _part(report: Message, content_type: str) -> Message | None:
    for part in report.walk():
        if part.get_content_type() == content_type:
            return part
    return None


def _original_message_id(report: Message) -> str:
    returned = _part(report, "message/rfc822")
    if returned is not None:
        payload = returned.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message) and inner.get("Message-ID"):
            return str(inner["Message-ID"]).strip()
    headers = _part(report, "text/rfc822-headers")
    if headers is not None:
        text = headers.get_payload(decode=True)
        parsed = message_from_string(
            text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text),
            policy=policy.default,
        )
        return str(parsed.get("Message-ID", "")).strip()
    return ""


def _address(field: str) -> str:
    """`rfc822; a@b` -> `a@b` (the type prefix of RFC 3464 fields)."""
    _, _, value = field.partition(";")
    return (value or field).strip()
