"""Message requests: consent, rendering in the customer's locale, a durable delivery job.

A message is a row first and a delivery second: `send` stores it in the caller's transaction
and enqueues `messaging.deliver`, which the worker runs after commit (see tasks.py). Its
texts come from the current pack's template for the purpose (see templates.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from firstmile.auth.scopes import SYSTEM, Actor
from firstmile.customers import repository as customers_repository
from firstmile.customers import service as customers_service
from firstmile.eventlog import service as eventlog_service
from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.time import utcnow
from firstmile.messaging import events, templates
from firstmile.messaging import repository as repo
from firstmile.messaging.channels import adapters
from firstmile.messaging.channels.base import PermanentDeliveryError
from firstmile.messaging.models import (
    REDACTED,
    Channel,
    Message,
    MessageClass,
    MessageStatus,
    MessageTemplate,
    SimulatedDelivery,
)

DELIVER_JOB = "messaging.deliver"
MAX_KEY_LENGTH = 200
_E = TypeVar("_E", Channel, MessageClass)
PURPOSE_FIELD_MAX = 60


def deliver_job_key(message_id: str) -> str:
    return f"{DELIVER_JOB}:{message_id}"


def send(
    db: Session,
    *,
    customer_id: str,
    purpose: str,
    channel: Channel | str,
    data: Mapping[str, Any],
    idempotency_key: str,
    actor: Actor,
    recipient: str | None = None,
    sensitive: bool | None = None,
) -> Message:
    """Store a message request and queue its delivery; a repeated key returns the first.

    The pack's template for `purpose` gives the texts (Jinja2, filled from `data`) and the
    class (transactional or marketing); the customer's locale picks the language. Without
    consent for the channel and class the message is stored as suppressed and never
    delivered. `recipient` overrides the customer's verified address (e.g. to verify a new
    one). `sensitive` (default: whether `data` holds a "code") keeps the body out of the
    API and erases it after delivery.
    """
    the_channel = _enum(Channel, channel, "channel")
    _check_key(idempotency_key)
    existing = repo.by_idempotency_key(db, idempotency_key)
    if existing is not None:
        return _same_request(existing, customer_id, purpose, the_channel)
    if not purpose or len(purpose) > PURPOSE_FIELD_MAX:
        raise InvalidInput(f"must be 1-{PURPOSE_FIELD_MAX} characters", field="purpose")
    customer = customers_repository.find(db, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    template = _template(db, purpose)
    rendered = templates.render(db, template, the_channel.value, customer.language, data)
    allowed, address = _audience(db, customer_id, the_channel, template.klass, recipient)
    message = Message(
        customer_id=customer_id,
        purpose=purpose,
        channel=the_channel,
        klass=template.klass,
        recipient=address,
        locale=rendered.locale,
        subject=rendered.subject[:300],
        body_text=rendered.text,
        body_html=rendered.html,
        template_version=template.version,
        sensitive="code" in data if sensitive is None else sensitive,
        idempotency_key=idempotency_key,
        requested_by=actor.ref,
        status=MessageStatus.QUEUED if allowed else MessageStatus.SUPPRESSED,
    )
    return _store(db, message, actor)


def _template(db: Session, purpose: str) -> MessageTemplate:
    try:
        return templates.current(db, purpose)
    except NotFound:
        raise InvalidInput(
            "the operator pack has no message template for this purpose", field="purpose"
        ) from None


def _audience(
    db: Session, customer_id: str, channel: Channel, klass: MessageClass, recipient: str | None
) -> tuple[bool, str | None]:
    """Whether the customer may get this message, and where it goes."""
    allowed = customers_service.may_contact(
        db,
        customer_id,
        purpose="marketing" if klass == MessageClass.MARKETING else "service",
        channel=channel.value,
    )
    address = recipient or customers_service.contact_for(db, customer_id, channel.value)
    if allowed and not address:
        raise InvalidInput(f"the customer has no verified {channel} address", field="channel")
    return allowed, address


def _store(db: Session, message: Message, actor: Actor) -> Message:
    """Insert the message and queue it; a concurrent send with the same key wins instead."""
    try:
        with db.begin_nested():
            db.add(message)
            db.flush()
    except IntegrityError:
        existing = repo.by_idempotency_key(db, message.idempotency_key)
        if existing is None:
            raise
        return _same_request(existing, message.customer_id, message.purpose, message.channel)
    if message.status == MessageStatus.SUPPRESSED:
        _record(db, events.MESSAGE_SUPPRESSED, message, actor.ref, reason="no_consent")
        return message
    _record(db, events.MESSAGE_REQUESTED, message, actor.ref, locale=message.locale)
    jobs.enqueue(
        db,
        DELIVER_JOB,
        {"message_id": message.id},
        key=deliver_job_key(message.id),
        priority=jobs.BULK if message.klass == MessageClass.MARKETING else jobs.URGENT,
    )
    return message


def get_message(db: Session, message_id: str) -> Message:
    message = repo.find(db, message_id)
    if message is None:
        raise NotFound("message", message_id)
    return message


def messages_of(db: Session, customer_id: str, *, limit: int = 100) -> list[Message]:
    if customers_repository.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    return repo.for_customer(db, customer_id, limit=limit)


def _enum(kind: type[_E], value: _E | str, field: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidInput(f"must be one of {allowed}", field=field) from None


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            f"must be 1-{MAX_KEY_LENGTH} printable characters", field="idempotency_key"
        )


def _same_request(existing: Message, customer_id: str, purpose: str, channel: Channel) -> Message:
    if (existing.customer_id, existing.purpose, existing.channel) != (
        customer_id,
        purpose,
        channel,
    ):
        raise Conflict("this idempotency key was used for a different message")
    return existing


def _record(db: Session, event_type: str, message: Message, actor: str, **extra: Any) -> None:
    eventlog_service.record(
        db,
        event_type,
        actor=actor,
        customer_id=message.customer_id,
        subject_id=message.id,
        payload={
            "purpose": message.purpose,
            "channel": str(message.channel),
            "klass": str(message.klass),
            **extra,
        },
    )


def deliver(db: Session, message_id: str) -> Message | None:
    """Hand a queued message to its channel once; the `messaging.deliver` job calls this.

    The message row is locked and its status checked before delivering, and it is marked
    sent in the same transaction, so a job that runs twice delivers once. One window stays
    at least once: the provider accepted (SMTP 250) and the process died before the commit;
    the retry sends again with the same Message-ID, which receivers use to de-duplicate.
    A temporary failure raises (the job is retried with backoff) until the job's last
    attempt, which marks the message failed instead; a permanent one marks it failed at once.
    """
    message = repo.find_for_update(db, message_id)
    if message is None or message.status != MessageStatus.QUEUED:
        return message
    attempt, last_attempt = _attempt_of(db, message)
    try:
        adapter = adapters.adapter_for(message.channel, db)
        result = adapter.deliver(message)
    except PermanentDeliveryError as exc:
        _failed(db, message, attempt, reason="permanent", error=str(exc))
        return message
    except Exception as exc:
        if not last_attempt:
            raise
        _failed(db, message, attempt, reason="retries_exhausted", error=f"{exc}")
        return message
    message.status, message.sent_at, message.attempts = MessageStatus.SENT, utcnow(), attempt
    message.provider_message_id, message.error = result.provider_message_id, None
    _redact(message)
    db.flush()
    _record(db, events.MESSAGE_SENT, message, SYSTEM.ref, adapter=adapter.name, attempts=attempt)
    return message


def _attempt_of(db: Session, message: Message) -> tuple[int, bool]:
    """This delivery's attempt number and whether it is the job's last one."""
    job = repo.delivery_job(db, deliver_job_key(message.id))
    if job is None:
        return message.attempts + 1, False
    return job.attempts, job.attempts >= job.max_attempts


def _failed(db: Session, message: Message, attempt: int, *, reason: str, error: str) -> None:
    message.status, message.attempts, message.error = MessageStatus.FAILED, attempt, error[:2000]
    _redact(message)
    db.flush()
    _record(
        db,
        events.MESSAGE_FAILED,
        message,
        SYSTEM.ref,
        reason=reason,
        error=error[:500],
        attempts=attempt,
    )


def _redact(message: Message) -> None:
    if message.sensitive:
        message.body_text, message.body_html = REDACTED, None


def simulated_deliveries(
    db: Session, customer_id: str, *, limit: int = 100
) -> list[SimulatedDelivery]:
    """What the simulator "sent" to the customer (demo and tests)."""
    if customers_repository.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    return repo.simulated_for_customer(db, customer_id, limit=limit)
