"""Messaging factories: small functions with keyword overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firstmile.customers.models import (
    Consent,
    ConsentSource,
    ContactKind,
    ContactMedium,
    Customer,
    CustomerKind,
    PhoneType,
)
from firstmile.kit.db import new_id
from firstmile.kit.time import utcnow
from firstmile.messaging.models import (
    Channel,
    Message,
    MessageClass,
    MessageStatus,
    MessageTemplate,
)
from firstmile.messaging.templates import digest_of, store_policy
from firstmile.packs.models import Pack

SIGNATURE_TEXTS: dict[str, dict[str, str]] = {
    "en": {"subject": "Your signature code", "body": "Your code is {{ code }}."},
    "ja": {"subject": "署名コード", "body": "コードは {{ code }} です。"},
    "cs": {"subject": "Váš podpisový kód", "body": "Váš kód je {{ code }}."},
    "sv": {"subject": "Din signeringskod", "body": "Din kod är {{ code }}."},
    "ar": {"subject": "رمز التوقيع", "body": "رمزك هو {{ code }}."},
}


TEST_PACK = "msgtest"


def pack(db: Session) -> Pack:
    """A minimal pack in force (no catalog): enough for messaging, committed."""
    row = db.get(Pack, TEST_PACK)
    if row is None:
        meta = {
            "code": TEST_PACK,
            "name": "Test Operator",
            "country": "CZ",
            "currency": "CZK",
            "default_locale": "en",
            "operator": {"legal_name": "Test Operator s.r.o.", "support_email": "care@op.example"},
        }
        row = Pack(code=TEST_PACK, name="Test Operator", path="", digest="", meta=meta)
        row.loaded_at = utcnow()
        db.add(row)
        db.commit()
    return row


def message_template(
    db: Session,
    purpose: str,
    texts: dict[str, dict[str, str]] | None = None,
    *,
    klass: str = "transactional",
    channels: tuple[str, ...] = ("email", "sms"),
    sample_data: dict[str, Any] | None = None,
    urgent: bool = False,
    unread_fallback_minutes: int | None = None,
) -> MessageTemplate:
    """Store a new version of `purpose` in the test pack, committed.

    `texts` is {locale: {"subject", "body", "html"}}; the body becomes the email's plain
    text and the SMS; the html, when given, the email's HTML part.
    """
    texts = texts if texts is not None else SIGNATURE_TEXTS
    pack(db)
    email: dict[str, Any] = {
        "subject": {loc: t.get("subject", "") for loc, t in texts.items()},
        "text": {loc: t["body"] for loc, t in texts.items()},
    }
    if any("html" in t for t in texts.values()):
        email["html"] = {loc: t["html"] for loc, t in texts.items() if "html" in t}
    bodies = {loc: t["body"] for loc, t in texts.items()}
    titles = {loc: t.get("subject", "") or "-" for loc, t in texts.items()}
    inapp: dict[str, Any] = {"title": titles, "body": bodies}
    push: dict[str, Any] = {"title": titles, "body": bodies}
    if unread_fallback_minutes is not None:
        inapp["unread_fallback_minutes"] = unread_fallback_minutes
        push["unread_fallback_minutes"] = unread_fallback_minutes
    by_channel: dict[str, Any] = {
        "email": email,
        "sms": {"text": bodies},
        "push": push,
        "inapp": inapp,
    }
    content = {
        "class": klass,
        "urgent": urgent,
        "description": f"test template {purpose}",
        "sample_data": sample_data or {},
        "channels": {c: by_channel[c] for c in channels},
    }
    latest = db.scalar(
        select(func.max(MessageTemplate.version)).where(
            MessageTemplate.pack == TEST_PACK, MessageTemplate.purpose == purpose
        )
    )
    row = MessageTemplate(
        pack=TEST_PACK,
        purpose=purpose,
        version=(latest or 0) + 1,
        klass=MessageClass(klass),
        urgent=urgent,
        digest=digest_of(content),
        content=content,
    )
    db.add(row)
    db.commit()
    return row


def policy(
    db: Session,
    *,
    quiet_hours: tuple[str, str] | None = None,
    caps: dict[str, dict[str, tuple[int, int]]] | None = None,
) -> None:
    """The test pack's routing policy: quiet hours (start, end) and caps {class: {channel:
    (count, days)}}, committed."""
    pack(db)
    content: dict[str, Any] = {"sms_segment_price": "1.00"}
    if quiet_hours is not None:
        content["quiet_hours"] = {"start": quiet_hours[0], "end": quiet_hours[1]}
    if caps is not None:
        content["frequency_caps"] = {
            klass: {c: {"count": n, "days": d} for c, (n, d) in per.items()}
            for klass, per in caps.items()
        }
    store_policy(db, TEST_PACK, content)
    db.commit()


def message(**overrides: Any) -> Message:
    """An unsaved, rendered message, for adapter tests."""
    values: dict[str, Any] = {
        "id": new_id(),
        "customer_id": new_id(),
        "purpose": "contract_signature_code",
        "klass": MessageClass.TRANSACTIONAL,
        "channel": Channel.EMAIL,
        "recipient": "eva@example.com",
        "locale": "cs",
        "subject": "Váš podpisový kód",
        "body_text": "Váš kód je 123456.",
        "body_html": None,
        "sensitive": True,
        "status": MessageStatus.QUEUED,
        "idempotency_key": new_id(),
        "requested_by": "system:test",
        "attempts": 0,
    }
    values.update(overrides)
    return Message(**values)


def customer(
    db: Session,
    *,
    language: str = "cs",
    email: str | None = "eva@example.com",
    phone: str | None = "+420601123456",
    consents: dict[tuple[str, str], bool] | None = None,
    preferred: list[str] | None = None,
    time_zone: str = "Europe/Prague",
) -> Customer:
    """A customer with verified contact media and consents, committed.

    `consents` maps (purpose, channel) to granted; by default service messages are allowed on
    email and SMS, marketing on neither.
    """
    given = (
        consents if consents is not None else {("service", "email"): True, ("service", "sms"): True}
    )
    row = Customer(
        kind=CustomerKind.INDIVIDUAL,
        given_name="Eva",
        family_name="Nováková",
        country="CZ",
        language=language,
        preferred_channels=preferred if preferred is not None else ["email", "sms"],
        time_zone=time_zone,
    )
    db.add(row)
    db.flush()
    now = utcnow()
    if email:
        db.add(_medium(row.id, ContactKind.EMAIL, email, now))
    if phone:
        db.add(_medium(row.id, ContactKind.PHONE, phone, now, phone_type=PhoneType.MOBILE))
    for (purpose, channel), granted in given.items():
        db.add(
            Consent(
                customer_id=row.id,
                purpose=purpose,
                channel=channel,
                granted=granted,
                version=1,
                source=ConsentSource.WEB_FORM,
                actor="system:test",
            )
        )
    db.commit()
    return row


def _medium(
    customer_id: str, kind: ContactKind, value: str, now: datetime, **kw: Any
) -> ContactMedium:
    return ContactMedium(
        customer_id=customer_id, kind=kind, value=value, preferred=True, verified_at=now, **kw
    )
