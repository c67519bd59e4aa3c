"""Contact verification: a one-time code sent to the medium, or an agent's word in person.

The code's purpose carries a digest of the address it was sent to, so a code stops working
once the medium's value changes, even though its subject (the medium id) stays the same.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from firstmile.auth.scopes import Actor
from firstmile.customers import events
from firstmile.customers.models import Channel, ContactKind, ContactMedium
from firstmile.customers.service import contacts
from firstmile.eventlog import service as eventlog_service
from firstmile.kit import otp
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict
from firstmile.kit.time import utcnow
from firstmile.messaging import service as messaging_service
from firstmile.messaging.models import MessageStatus

CODE_TTL_SECONDS = 600


@dataclass(frozen=True, slots=True)
class VerificationSent:
    medium_id: str
    channel: Channel
    message_id: str
    expires_in_seconds: int


def _purpose(medium: ContactMedium) -> str:
    digest = hashlib.sha256((medium.value or "").encode()).hexdigest()[:16]
    return f"contact_verification:{digest}"


def _channel(medium: ContactMedium) -> Channel:
    if medium.kind == ContactKind.EMAIL:
        return Channel.EMAIL
    if medium.kind == ContactKind.PHONE and medium.phone_type in contacts.SMS_CAPABLE:
        return Channel.SMS
    raise Conflict(
        f"a code cannot be sent to this {medium.kind} contact; an agent may verify it in person"
    )


def request_verification(
    db: Session, customer_id: str, medium_id: str, *, actor: Actor
) -> VerificationSent:
    """Send a one-time code to the medium itself (by email or SMS)."""
    medium = contacts.get_medium(db, customer_id, medium_id)
    if medium.verified_at is not None:
        raise Conflict("this contact is already verified")
    channel = _channel(medium)
    code = otp.issue(
        db, purpose=_purpose(medium), subject_id=medium.id, ttl_seconds=CODE_TTL_SECONDS
    )
    message = messaging_service.send(
        db,
        customer_id=customer_id,
        purpose="contact_verification",
        channel=channel.value,
        data={"code": code, "minutes": CODE_TTL_SECONDS // 60},
        idempotency_key=f"contact_verification:{medium.id}:{uuid.uuid4()}",
        actor=actor,
        recipient=medium.value,
    )
    if message.status == MessageStatus.SUPPRESSED:
        raise Conflict(f"the customer withdrew service messages on {channel}")
    eventlog_service.record(
        db,
        events.CONTACT_VERIFICATION_REQUESTED,
        actor=actor.ref,
        customer_id=customer_id,
        subject_id=medium.id,
        payload={"kind": str(medium.kind), "channel": str(channel), "message_id": message.id},
    )
    return VerificationSent(medium.id, channel, message.id, CODE_TTL_SECONDS)


def confirm_verification(
    db: Session, customer_id: str, medium_id: str, *, code: str, actor: Actor
) -> ContactMedium:
    medium = contacts.get_medium(db, customer_id, medium_id)
    if medium.verified_at is not None:
        raise Conflict("this contact is already verified")
    otp.verify(db, purpose=_purpose(medium), subject_id=medium.id, code=code)
    return _mark_verified(db, medium, actor=actor, method="code")


def verify_in_person(
    db: Session, customer_id: str, medium_id: str, *, reason: str, actor: Actor
) -> ContactMedium:
    """An agent vouches for the medium (e.g. checked at the counter); the reason is kept."""
    medium = contacts.get_medium(db, customer_id, medium_id)
    if medium.verified_at is not None:
        raise Conflict("this contact is already verified")
    return _mark_verified(db, medium, actor=actor, method="in_person", reason=reason)


def verified_by_sign_in(
    db: Session, customer_id: str, kind: ContactKind, value: str, *, actor: Actor
) -> None:
    """A sign-in code sent to this address of the customer was entered: the address is the
    customer's, proven as a verification code would (its contact media with this value
    that were not verified are now)."""
    for medium in contacts.media_of(db, customer_id):
        if medium.kind == kind and medium.value == value and medium.verified_at is None:
            _mark_verified(db, medium, actor=actor, method="sign_in_code")


def _mark_verified(
    db: Session, medium: ContactMedium, *, actor: Actor, method: str, reason: str | None = None
) -> ContactMedium:
    medium.verified_at = utcnow()
    db.flush()
    payload: dict[str, str] = {"kind": str(medium.kind), "method": method}
    if reason is not None:
        payload["reason"] = reason
    eventlog_service.record(
        db,
        events.CONTACT_VERIFIED,
        actor=actor.ref,
        customer_id=medium.customer_id,
        subject_id=medium.id,
        payload=payload,
    )
    return medium
