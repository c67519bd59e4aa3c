"""Messaging factories: small functions with keyword overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
from firstmile.messaging.models import Channel, Message, MessageClass, MessageStatus

SIGNATURE_TEXTS: dict[str, dict[str, str]] = {
    "en": {"subject": "Your signature code", "body": "Your code is {{ code }}."},
    "ja": {"subject": "署名コード", "body": "コードは {{ code }} です。"},
    "cs": {"subject": "Váš podpisový kód", "body": "Váš kód je {{ code }}."},
    "sv": {"subject": "Din signeringskod", "body": "Din kod är {{ code }}."},
    "ar": {"subject": "رمز التوقيع", "body": "رمزك هو {{ code }}."},
}


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
