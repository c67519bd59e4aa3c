"""Delivering messages and what comes back: the delivery job, provider receipts, bounces,
read and click receipts, and the fallback to the next channel of a message's route.

Every change of a message's state happens with its row locked and is recorded as an event
in the same transaction, so a job or a receipt that comes twice changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from firstmile.auth.scopes import SYSTEM, Actor
from firstmile.customers import repository as customers_repository
from firstmile.customers import service as customers_service
from firstmile.customers.models import CustomerStatus
from firstmile.eventlog import service as eventlog_service
from firstmile.kit import jobs, secrets
from firstmile.kit.db import Session
from firstmile.kit.errors import NotFound
from firstmile.kit.settings import current as current_settings
from firstmile.kit.time import utcnow
from firstmile.messaging import events, planning
from firstmile.messaging import repository as repo
from firstmile.messaging.channels import adapters
from firstmile.messaging.channels.base import (
    ChannelAdapter,
    DeliveryResult,
    PermanentDeliveryError,
    SendsMany,
)
from firstmile.messaging.models import (
    REDACTED,
    Channel,
    InboxItem,
    Message,
    MessageClass,
    MessageStatus,
    ReceiptState,
)

DELIVER_JOB = "messaging.deliver"


UNREAD_JOB = "messaging.unread_check"
OPENED = "opened"  # the purpose of the signed token in a push's click-report URL


def deliver_job_key(message_id: str) -> str:
    return f"{DELIVER_JOB}:{message_id}"


def columns(delivery: Mapping[str, Any]) -> dict[str, Any]:
    return {**delivery, "channel": Channel(delivery["channel"])}


def enqueue_delivery(db: Session, message: Message) -> None:
    jobs.enqueue(
        db,
        DELIVER_JOB,
        {"message_id": message.id},
        key=deliver_job_key(message.id),
        key_is_new=True,  # the message was made in this transaction
        run_at=message.scheduled_for,
        # Transactional messages have their own lane: no marketing send delays them.
        priority=jobs.BULK if message.klass == MessageClass.MARKETING else jobs.URGENT,
    )


def record(db: Session, event_type: str, message: Message, actor: str, **extra: Any) -> None:
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


def stays_in_database(db: Session, message_id: str) -> bool:
    """Whether handing this message off writes only in this database (the in-app inbox,
    the simulator): such a hand-off can run again after a rollback without anything having
    left the machine twice."""
    message = repo.find_for_update(db, message_id)
    if message is None or message.status != MessageStatus.QUEUED:
        return True  # nothing to do
    try:
        adapter = adapters.adapter_for(message.channel, db)
    except PermanentDeliveryError:
        return False  # it fails on its own, with its own record
    return bool(getattr(adapter, "only_database", False))


def deliver(db: Session, message_id: str) -> Message | None:
    """Hand a queued message to its channel once; the `messaging.deliver` job calls this
    (a batch of them calls its two halves, `hand_over_many` and `record_hand_over`).

    The message row is locked and its status checked before delivering, and it is marked
    sent in the same transaction, so a job that runs twice delivers once. One window stays
    at least once: the provider accepted (SMTP 250) and the process died before the commit;
    the retry sends again with the same Message-ID, which receivers use to de-duplicate.
    A temporary failure raises (the job is retried with backoff) until the job's last
    attempt, which marks the message failed instead; a permanent one marks it failed at once.
    A failed message with fallbacks left is followed by a message on the next channel.
    """
    handed = hand_over(db, message_id)
    if handed is None:
        return repo.find_for_update(db, message_id)
    record_hand_over(db, handed)
    return handed.message


@dataclass(frozen=True, slots=True)
class HandOver:
    """What handing a message to its channel came to, for `record_hand_over` to write:
    the channel's result, or why the message failed for good."""

    message: Message
    attempt: int
    taken: tuple[ChannelAdapter, DeliveryResult] | None = None  # the channel took it
    failure: tuple[str, str] | None = None  # or why it failed for good: reason, error
    withheld: str | None = None  # or why it may no longer be sent (no_consent, closed)


def hand_over(db: Session, message_id: str) -> HandOver | None:
    """The outside half of a delivery: the queued message (locked) handed to its channel.
    Writes nothing but what the channel learnt from its provider (web push: subscriptions
    found gone); None when there is nothing to deliver. Raises a temporary failure that
    the job should retry; a permanent one, or any on the last attempt, is returned as the
    message's failure."""
    message = repo.find_for_update(db, message_id)
    if message is None or message.status != MessageStatus.QUEUED:
        return None
    attempt, last_attempt = _attempt_of(db, message)
    [handed] = _hand_over_loaded(db, [(message, attempt, last_attempt)])
    if isinstance(handed, Exception):
        raise handed
    return handed


Attempt = tuple[str, int, bool]  # message id, attempt number, whether it is the job's last


def hand_over_many(db: Session, attempts: list[Attempt]) -> list[HandOver | Exception | None]:
    """`hand_over` for a batch: per message, what it came to, None when there was nothing
    to deliver, or the error to retry it for (returned, not raised)."""
    results: dict[int, HandOver | Exception | None] = {}
    loaded: list[tuple[int, Message, int, bool]] = []
    for i, (message_id, attempt, last_attempt) in enumerate(attempts):
        message = repo.find_for_update(db, message_id)
        if message is None or message.status != MessageStatus.QUEUED:
            results[i] = None
        else:
            loaded.append((i, message, attempt, last_attempt))
    handed = _hand_over_loaded(db, [(m, a, last) for _, m, a, last in loaded])
    results.update((i, h) for (i, _, _, _), h in zip(loaded, handed, strict=True))
    return [results[i] for i in range(len(attempts))]


def _hand_over_loaded(
    db: Session, batch: list[tuple[Message, int, bool]]
) -> list[HandOver | Exception]:
    """Hand these queued messages to their channels: one adapter per channel, and a
    channel that sends many at once (email over several SMTP connections) gets all of its
    messages together."""
    results: dict[int, HandOver | Exception] = {}
    channels: dict[Channel, ChannelAdapter | Exception] = {}
    together: dict[Channel, tuple[SendsMany, list[int]]] = {}
    withheld = _withheld(db, [message for message, _, _ in batch])
    for i, (message, attempt, last_attempt) in enumerate(batch):
        if message.id in withheld:
            results[i] = HandOver(message, attempt, withheld=withheld[message.id])
            continue
        if message.channel not in channels:
            try:
                channels[message.channel] = adapters.adapter_for(message.channel, db)
            except Exception as exc:  # a misconfigured channel: permanent, else retried
                channels[message.channel] = exc
        adapter = channels[message.channel]
        if isinstance(adapter, Exception):
            results[i] = _came_to(message, attempt, last_attempt, None, adapter)
        elif isinstance(adapter, SendsMany):
            together.setdefault(message.channel, (adapter, []))[1].append(i)
        else:
            try:
                answer: DeliveryResult | Exception = adapter.deliver(message)
            except Exception as exc:
                answer = exc
            results[i] = _came_to(message, attempt, last_attempt, adapter, answer)
    for sender, indexes in together.values():
        answers: list[DeliveryResult | Exception]
        try:
            answers = list(sender.deliver_many([batch[i][0] for i in indexes]))
        except Exception as exc:  # the adapter broke as a whole: each message as one would
            answers = [exc] * len(indexes)
        for i, answer in zip(indexes, answers, strict=True):
            message, attempt, last_attempt = batch[i]
            results[i] = _came_to(message, attempt, last_attempt, sender, answer)
    return [results[i] for i in range(len(batch))]


def _withheld(db: Session, messages: list[Message]) -> dict[str, str]:
    """The messages that may no longer be sent, and why: the customer withdrew the consent
    on the channel, or was closed (erased), since the message was requested. A message can
    wait hours in the queue (quiet hours, retries, a fallback's turn): consent is asked
    again when it goes, as every sender must (two queries for the batch)."""
    status = customers_repository.statuses(db, {m.customer_id for m in messages})
    allowed = customers_service.may_contact_many(db, [_ask(m) for m in messages])
    out: dict[str, str] = {}
    for message in messages:
        if status.get(message.customer_id, CustomerStatus.CLOSED) == CustomerStatus.CLOSED:
            out[message.id] = "customer_closed"
        elif not allowed[_ask(message)]:
            out[message.id] = "no_consent"
    return out


def _ask(message: Message) -> tuple[str, str, str]:
    purpose = "marketing" if message.klass == MessageClass.MARKETING else "service"
    return message.customer_id, purpose, str(message.channel)


def _came_to(
    message: Message,
    attempt: int,
    last_attempt: bool,
    adapter: ChannelAdapter | None,
    answer: DeliveryResult | Exception,
) -> HandOver | Exception:
    """What a channel's answer means for the message: taken; failed for good (a permanent
    error, or any on the last attempt); or the error to retry it for."""
    if isinstance(answer, DeliveryResult) and adapter is not None:
        return HandOver(message, attempt, taken=(adapter, answer))
    if isinstance(answer, PermanentDeliveryError):
        return HandOver(message, attempt, failure=("permanent", str(answer)))
    if not last_attempt and isinstance(answer, Exception):
        return answer  # retried with backoff
    return HandOver(message, attempt, failure=("retries_exhausted", f"{answer}"))


def record_hand_over(db: Session, handed: HandOver | None) -> None:
    """The database half of a delivery: the message sent (or failed), with its event."""
    if handed is None:
        return
    if handed.taken is not None:
        adapter, result = handed.taken
        _handed_off(db, handed.message, adapter, result, handed.attempt)
    elif handed.failure is not None:
        reason, error = handed.failure
        _failed(db, handed.message, handed.attempt, reason=reason, error=error)
    elif handed.withheld is not None:
        _withhold(db, handed.message, reason=handed.withheld)


def _withhold(db: Session, message: Message, *, reason: str) -> None:
    """Not sent after all; the next channel of its route is tried where it may be used now
    (none for a customer who is gone)."""
    message.status = MessageStatus.SUPPRESSED
    db.flush()
    record(db, events.MESSAGE_SUPPRESSED, message, SYSTEM.ref, reason=reason)
    fall_back(db, message, reason=reason)
    _redact(message)


def handed_off_for_good(db: Session, channel: str, unread_fallback_minutes: int | None) -> bool:
    """Whether a message due now on `channel` is handed off in the requesting transaction
    (hand_off_now) with nothing after it that could need a fallback: no receipt can fail
    it and no unread timer follows. Its fallbacks would be discarded unused, so the
    request need not render them."""
    adapter = adapters.adapter_for(Channel(channel), db)
    return _in_transaction(adapter) and not _keeps_fallbacks(adapter, unread_fallback_minutes)


def _in_transaction(adapter: ChannelAdapter) -> bool:
    """Whether `adapter` takes a message due now in the transaction that requests it."""
    return bool(getattr(adapter, "in_transaction", False))


def _keeps_fallbacks(adapter: ChannelAdapter, unread_fallback_minutes: int | None) -> bool:
    """Whether a message handed to `adapter` may still need its fallbacks: a delivery
    receipt may yet fail it, or the next channel goes if it stays unread."""
    return bool(getattr(adapter, "reports_receipts", False) or unread_fallback_minutes)


def hand_off_now(db: Session, message: Message) -> bool:
    """Hand a message just requested, due now, to its channel in the requesting transaction
    when that channel only writes rows in it (the in-app inbox): a delivery job would add a
    transaction, a claim and a second write of the message, and could fail no differently.
    Returns whether it was handed off (if not, it needs its delivery job)."""
    if message.scheduled_for is not None or message.status != MessageStatus.QUEUED:
        return False
    adapter = adapters.adapter_for(message.channel, db)
    if not _in_transaction(adapter):
        return False
    _handed_off(db, message, adapter, adapter.deliver(message), (message.attempts or 0) + 1)
    return True


def _handed_off(
    db: Session, message: Message, adapter: ChannelAdapter, result: DeliveryResult, attempt: int
) -> None:
    """The channel took the message: mark it sent (or delivered) and record that."""
    now = utcnow()
    reports_receipts = getattr(adapter, "reports_receipts", False)
    if reports_receipts:  # its receipts name the message by these (record_receipt)
        references = [r for r in (result.provider_message_id, *result.references) if r]
        repo.add_references(
            db, adapter.name, message.id, [r[:300] for r in references], new=result.own_references
        )
    message.status = MessageStatus.DELIVERED if result.delivered else MessageStatus.SENT
    message.sent_at, message.attempts = now, attempt
    message.delivered_at = now if result.delivered else None
    message.provider_message_id, message.error = result.provider_message_id, None
    unread = message.unread_fallback_minutes
    if not message.fallbacks or not _keeps_fallbacks(adapter, unread):
        message.fallbacks = []
    elif not reports_receipts and unread:
        # The next channel goes too if this one stays unread (only channels that report
        # reads set this); until then the rendered fallbacks are kept. (With receipts, a
        # receipt may still say it failed: the fallbacks stay until then.)
        jobs.enqueue(
            db,
            UNREAD_JOB,
            {"message_id": message.id},
            key=f"{UNREAD_JOB}:{message.id}",
            run_at=now + timedelta(minutes=unread),
            priority=jobs.URGENT if message.klass == MessageClass.TRANSACTIONAL else jobs.BULK,
        )
    _redact(message)
    record(
        db,
        events.MESSAGE_SENT,
        message,
        SYSTEM.ref,
        adapter=adapter.name,
        attempts=attempt,
        delivered=result.delivered,
    )


def message_for_reference(db: Session, adapter: str, reference: str) -> Message:
    row = repo.message_for_reference(db, adapter, reference)
    if row is None:
        raise NotFound("message with provider reference", f"{adapter}:{reference}")
    return row


def record_receipt(
    db: Session, *, adapter: str, reference: str, state: ReceiptState | None, detail: str = ""
) -> Message:
    """A provider's callback: the message it knows as `reference` was delivered, failed or
    bounced (None: an intermediate state, which changes nothing). A repeated or late
    receipt changes nothing; a failure or bounce sends the next channel of the route, if
    any. For an SMS in several parts, the first part's receipt decides delivery and any
    part's failure fails the message."""
    message = message_for_reference(db, adapter, reference)
    if state is None:
        return message
    if state == ReceiptState.DELIVERED:
        if message.status == MessageStatus.SENT:
            message.status, message.delivered_at = MessageStatus.DELIVERED, utcnow()
            if not message.unread_fallback_minutes:
                message.fallbacks = []
            db.flush()
            record(db, events.MESSAGE_DELIVERED, message, SYSTEM.ref, adapter=adapter)
        return message
    if message.status not in (MessageStatus.SENT, MessageStatus.DELIVERED):
        return message  # already failed, bounced or opened: nothing to change
    bounced = state == ReceiptState.BOUNCED
    message.status = MessageStatus.BOUNCED if bounced else MessageStatus.FAILED
    message.error = (detail or str(state))[:2000]
    db.flush()
    record(
        db,
        events.MESSAGE_FAILED,
        message,
        SYSTEM.ref,
        reason="bounced" if bounced else "undeliverable",
        error=message.error[:500],
        attempts=message.attempts,
    )
    fall_back(db, message, reason="failed")
    return message


def check_unread(db: Session, message_id: str) -> Message | None:
    """The unread-fallback job: a message still unread gets its next channel."""
    message = repo.find_for_update(db, message_id)
    if message is None or not message.fallbacks:
        return message
    if message.status in (MessageStatus.SENT, MessageStatus.DELIVERED):
        fall_back(db, message, reason="unread")
    else:
        message.fallbacks = []
    db.flush()
    return message


def mark_read(db: Session, customer_id: str, item_id: str, *, actor: Actor) -> InboxItem:
    """A read receipt from the in-app inbox: the message is opened (once)."""
    item = repo.inbox_item(db, item_id)
    if item is None or item.customer_id != customer_id:
        raise NotFound("inbox item", item_id)
    if item.read_at is not None:
        return item
    message = repo.find_for_update(db, item.message_id)
    now = utcnow()
    item.read_at = now
    if message is not None:
        message.status, message.opened_at, message.fallbacks = MessageStatus.OPENED, now, []
        db.flush()
        record(db, events.MESSAGE_OPENED, message, actor.ref)
    return item


def mark_opened(db: Session, message_id: str, *, actor: Actor) -> Message:
    """The customer opened the message (a push notification clicked); once."""
    message = repo.find_for_update(db, message_id)
    if message is None:
        raise NotFound("message", message_id)
    if message.status in (MessageStatus.SENT, MessageStatus.DELIVERED):
        message.status, message.opened_at, message.fallbacks = MessageStatus.OPENED, utcnow(), []
        db.flush()
        record(db, events.MESSAGE_OPENED, message, actor.ref)
    return message


def opened_url(message_id: str) -> str:
    """Where a push notification's service worker reports a click (signed, no login)."""
    settings = current_settings()
    token = secrets.signed_token(settings, OPENED, message_id)
    return f"{settings.base_url.rstrip('/')}/messaging/opened/{token}"


def message_of_opened_token(token: str) -> str | None:
    return secrets.value_of(current_settings(), OPENED, token)


def fall_back(db: Session, message: Message, *, reason: str) -> Message | None:
    """Queue the next channel of `message`'s route; None when there is none left.

    The rest of the route is planned again now, as a request is (it was rendered hours ago,
    perhaps): a channel the customer has since withdrawn consent on, lost the address for,
    or that is over its frequency cap is skipped, and a message that is not urgent waits
    for the end of the customer's quiet hours."""
    if not message.fallbacks:
        return None
    remaining, message.fallbacks = list(message.fallbacks), []
    customer = customers_repository.find(db, message.customer_id)
    if customer is None or customer.status == CustomerStatus.CLOSED:
        return None
    plan = planning.route_for(
        db,
        customer,
        klass=message.klass,
        urgent=message.urgent,
        offered=list(dict.fromkeys(str(f["channel"]) for f in remaining)),
    )
    usable = [f for f in remaining if str(f["channel"]) in plan.route]
    if not usable:
        record(
            db,
            events.MESSAGE_FELL_BACK,
            message,
            SYSTEM.ref,
            reason=reason,
            next_channel=None,
            next_message_id=None,
            skipped=plan.skipped,
        )
        return None
    following, *rest = usable
    successor = Message(
        customer_id=message.customer_id,
        purpose=message.purpose,
        klass=message.klass,
        template_version=message.template_version,
        sensitive=message.sensitive,
        urgent=message.urgent,
        idempotency_key=f"fallback:{message.id}",
        requested_by=message.requested_by,
        status=MessageStatus.QUEUED,
        skipped={**message.skipped, **plan.skipped},
        fallbacks=rest,
        fallback_of=message.id,
        scheduled_for=plan.send_at if plan.send_at > utcnow() else None,
        **columns(following),
    )
    db.add(successor)
    db.flush()
    record(
        db,
        events.MESSAGE_FELL_BACK,
        message,
        SYSTEM.ref,
        reason=reason,
        next_channel=str(successor.channel),
        next_message_id=successor.id,
    )
    enqueue_delivery(db, successor)
    return successor


def _attempt_of(db: Session, message: Message) -> tuple[int, bool]:
    """This delivery's attempt number and whether it is the job's last one."""
    key = deliver_job_key(message.id)
    job = jobs.running(db)
    if job is None or job.key != key:
        job = repo.delivery_job(db, key)
    if job is None:
        return message.attempts + 1, False
    return job.attempts, job.attempts >= job.max_attempts


def _failed(db: Session, message: Message, attempt: int, *, reason: str, error: str) -> None:
    message.status, message.attempts, message.error = MessageStatus.FAILED, attempt, error[:2000]
    db.flush()
    record(
        db,
        events.MESSAGE_FAILED,
        message,
        SYSTEM.ref,
        reason=reason,
        error=error[:500],
        attempts=attempt,
    )
    fall_back(db, message, reason="failed")
    _redact(message)


def _redact(message: Message) -> None:
    if message.sensitive:
        message.body_text, message.body_html = REDACTED, None
