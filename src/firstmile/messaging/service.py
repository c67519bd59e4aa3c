"""Message requests: consent, rendering in the customer's locale, a durable delivery job.

A message is a row first and a delivery second: `send` stores it in the caller's transaction
and enqueues `messaging.deliver`, which the worker runs after commit (delivery.py). Its
texts come from the current pack's template for the purpose (see templates.py), its
channel from routing (routing.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from firstmile.auth.scopes import Actor
from firstmile.customers import repository as customers_repository
from firstmile.customers import service as customers_service
from firstmile.customers.models import Customer
from firstmile.customers.service import validation
from firstmile.kit.db import Session, new_id
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.time import utcnow
from firstmile.messaging import delivery, events, offers, planning, routing, templates
from firstmile.messaging import repository as repo
from firstmile.messaging.models import (
    Channel,
    InboxItem,
    Message,
    MessageClass,
    MessageStatus,
    MessageTemplate,
    SimulatedDelivery,
)
from firstmile.packs import loader as packs

MAX_KEY_LENGTH = 200


_E = TypeVar("_E", Channel, MessageClass)


PURPOSE_FIELD_MAX = 60


@contextmanager
def recipients_snapshot(db: Session, customer_ids: Iterable[str]) -> Iterator[None]:
    """What routing reads about these customers (customer rows, consents, contact media,
    push subscriptions), read in four queries up front. Routing then queries nothing per
    message, so a batch's messages, events and jobs (a journey batch, a campaign batch)
    are inserted together at the next flush instead of one message at a time; a single
    send uses it too. Inside a snapshot that already holds them, nothing is read again."""
    ids = list(dict.fromkeys(customer_ids))
    if customers_repository.in_snapshot(db, ids) and repo.in_push_snapshot(db, ids):
        yield  # inside a batch's snapshot already
        return
    with customers_repository.contact_snapshot(db, ids), repo.push_snapshot(db, ids):
        yield


@contextmanager
def caps_snapshot(db: Session, customer_ids: Iterable[str], klass: MessageClass) -> Iterator[None]:
    """Within the block, the pack's frequency caps for `klass` are checked for these
    customers without a query per message (one for the batch)."""
    caps = {c: cap for (k, c), cap in templates.policy(db).caps.items() if k == klass}
    if not caps:
        yield
        return
    since = utcnow() - timedelta(days=max(cap.days for cap in caps.values()))
    with repo.recent_snapshot(db, customer_ids, klass, caps, since=since):
        yield


def send(
    db: Session,
    *,
    customer_id: str,
    purpose: str,
    data: Mapping[str, Any],
    idempotency_key: str,
    actor: Actor,
    channel: Channel | str | None = None,
    recipient: str | None = None,
    sensitive: bool | None = None,
    new_key: bool = False,
) -> Message:
    """Store a message request, routed, and queue its delivery; a repeated key returns the
    first message and changes nothing.

    The pack's template for `purpose` gives the texts (Jinja2, filled from `data`), the class
    (transactional or marketing) and whether it is urgent; the customer's locale picks the
    language. Routing (routing.py) picks the channel: the customer's preferred ones first,
    skipping those without consent, without an address or over their frequency cap; the
    rest of the route is rendered now and kept as fallbacks (not when the first channel
    takes the message for good in this transaction, as the in-app inbox does). A message
    that is not urgent waits for the end of the customer's quiet hours. With no channel
    left the message is stored as suppressed, with the reasons, and never delivered.

    `channel` forces one channel (no fallbacks); `recipient` then overrides the customer's
    verified address (e.g. to verify a new one). `sensitive` (default: whether `data` holds
    a "code") keeps the body out of the API and erases it after delivery.

    `new_key`: the caller knows the key cannot have been used (a journey step's key names a
    visit that has not happened yet): the message is not looked up, and is written with the
    session's next flush; should the key exist after all, the unique key refuses it then.
    """
    forced = _enum(Channel, channel, "channel") if channel is not None else None
    _check_key(idempotency_key)
    existing = None if new_key else repo.by_idempotency_key(db, idempotency_key)
    if existing is not None:
        return _same_request(existing, customer_id, purpose)
    if not purpose or len(purpose) > PURPOSE_FIELD_MAX:
        raise InvalidInput(f"must be 1-{PURPOSE_FIELD_MAX} characters", field="purpose")
    if recipient is not None and forced is None:
        raise InvalidInput("a recipient needs a channel", field="recipient")
    # What routing reads about the customer, in four queries rather than one per channel
    # (a batch's snapshot is used as it is).
    with recipients_snapshot(db, [customer_id]):
        customer = customers_repository.find(db, customer_id)
        if customer is None:
            raise NotFound("customer", customer_id)
        template = _template(db, purpose)
        offered = [forced.value] if forced is not None else templates.channels_of(template)
        # A forced channel is rendered first: its texts and data must be right even when the
        # message ends up suppressed. The rendering is kept for the delivery.
        forced_render = (
            templates.render(
                db, template, forced.value, customer.language, data, customer_id=customer_id
            )
            if forced is not None
            else None
        )
        plan = planning.route_for(
            db,
            customer,
            klass=template.klass,
            urgent=template.urgent,
            offered=offered,
            recipient=recipient,
        )
        filled, complete = _with_offer(db, template, customer, data)
        if not complete:
            plan = routing.Plan([], dict.fromkeys(offered, routing.NO_OFFER), plan.send_at)
        if forced is not None and plan.skipped.get(forced.value) == routing.NO_ADDRESS:
            raise InvalidInput(f"the customer has no verified {forced} address", field="channel")
        reuse = forced_render if filled is data else None  # offer slots filled: render anew
        scheduled_for = plan.send_at if plan.send_at > utcnow() else None

        def rendered(channel_name: str) -> dict[str, Any]:
            return _rendered(db, template, channel_name, customer, filled, recipient, reuse)

        deliveries = [rendered(c) for c in plan.route[:1]]
        if len(plan.route) > 1 and not (
            scheduled_for is None
            and delivery.handed_off_for_good(
                db, plan.route[0], deliveries[0]["unread_fallback_minutes"]
            )
        ):
            deliveries += [rendered(c) for c in plan.route[1:]]
        data = filled
        first = deliveries[0] if deliveries else _suppressed(offered[0], customer)
        message = Message(
            customer_id=customer_id,
            purpose=purpose,
            klass=template.klass,
            template_version=template.version,
            sensitive="code" in data if sensitive is None else sensitive,
            urgent=template.urgent,
            idempotency_key=idempotency_key,
            requested_by=actor.ref,
            status=MessageStatus.QUEUED if deliveries else MessageStatus.SUPPRESSED,
            skipped=plan.skipped,
            fallbacks=deliveries[1:],
            scheduled_for=scheduled_for,
            # Set, not left to the column default, as the inbox's hand-off sets it: messages
            # with the same columns set go to the database in one INSERT.
            attempts=0,
            **delivery.columns(first),
        )
        return _store(db, message, actor, new_key=new_key)


def _with_offer(
    db: Session, template: MessageTemplate, customer: Customer, data: Mapping[str, Any]
) -> tuple[Mapping[str, Any], bool]:
    """`data` with the template's open offer slots filled by the customer's offer, and
    whether every slot is filled now (False: no offer fits; `data` itself is returned
    unchanged whenever nothing was filled)."""
    missing = offers.check_slots(template.content, data)
    if not missing:
        return data, True
    meta = packs.current_meta(db)
    chosen = offers.choose(db, customer.id, missing, customer.language, meta.default_locale)
    if chosen is None:
        return data, False
    return {**data, **chosen.values}, True


def _template(db: Session, purpose: str) -> MessageTemplate:
    try:
        return templates.current(db, purpose)
    except NotFound:
        raise InvalidInput(
            "the operator pack has no message template for this purpose", field="purpose"
        ) from None


def _rendered(
    db: Session,
    template: MessageTemplate,
    channel: str,
    customer: Customer,
    data: Mapping[str, Any],
    recipient: str | None,
    done: templates.RenderedMessage | None = None,
) -> dict[str, Any]:
    """One delivery of the route, rendered (or `done` already, for this channel): what a
    Message row holds for its channel."""
    rendered = done if done is not None and done.channel == channel else None
    if rendered is None:
        rendered = templates.render(
            db, template, channel, customer.language, data, customer_id=customer.id
        )
    parts = template.content["channels"][channel]
    return {
        "channel": channel,
        "recipient": _address(db, customer.id, channel, recipient),
        "locale": rendered.locale,
        "subject": rendered.subject[:300],
        "body_text": rendered.text,
        "body_html": rendered.html,
        "link": rendered.link,
        "unread_fallback_minutes": parts.get("unread_fallback_minutes"),
        "unsubscribe_url": rendered.unsubscribe_url,
    }


def _address(db: Session, customer_id: str, channel: str, recipient: str | None) -> str | None:
    if channel in (Channel.INAPP, Channel.PUSH):
        return None
    return recipient or customers_service.contact_for(db, customer_id, channel)


def _suppressed(channel: str, customer: Customer) -> dict[str, Any]:
    """A suppressed message keeps no text: nothing of it will ever be sent."""
    return {
        "channel": channel,
        "recipient": None,
        "locale": customer.language,
        "subject": "",
        "body_text": "",
        "body_html": None,
        "link": None,
        "unread_fallback_minutes": None,
        "unsubscribe_url": None,
    }


def _store(db: Session, message: Message, actor: Actor, *, new_key: bool = False) -> Message:
    """Insert the message and queue it; a concurrent send with the same key wins instead.
    Its creation time is the request's (not the later flush's, which a hand-off in the
    same transaction would precede)."""
    message.id, message.created_at = new_id(), utcnow()
    if new_key:
        db.add(message)  # no savepoint: the caller's transaction fails on a duplicate key
    else:
        existing = _insert_or_find(db, message)
        if existing is not None:
            return _same_request(existing, message.customer_id, message.purpose)
    return _queued(db, message, actor)


def _insert_or_find(db: Session, message: Message) -> Message | None:
    """Insert the message; or the one stored under its key when a concurrent send won."""
    try:
        with db.begin_nested():
            db.add(message)
            db.flush()
    except IntegrityError:
        existing = repo.by_idempotency_key(db, message.idempotency_key)
        if existing is None:
            raise
        return existing
    return None


def _queued(db: Session, message: Message, actor: Actor) -> Message:
    """Record the request (or its suppression) and queue its delivery; an in-app message
    due now goes into the inbox at once, in this transaction (delivery.hand_off_now)."""
    if message.status == MessageStatus.SUPPRESSED:
        reasons = sorted(set(message.skipped.values()))
        delivery.record(
            db,
            events.MESSAGE_SUPPRESSED,
            message,
            actor.ref,
            reason=reasons[0] if len(reasons) == 1 else "no_channel",
            skipped=message.skipped,
        )
        return message
    delivery.record(
        db,
        events.MESSAGE_REQUESTED,
        message,
        actor.ref,
        locale=message.locale,
        fallbacks=[f["channel"] for f in message.fallbacks],
        skipped=message.skipped,
        scheduled_for=message.scheduled_for.isoformat() if message.scheduled_for else None,
    )
    if not delivery.hand_off_now(db, message):
        delivery.enqueue_delivery(db, message)
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


def _same_request(existing: Message, customer_id: str, purpose: str) -> Message:
    if (existing.customer_id, existing.purpose) != (customer_id, purpose):
        raise Conflict("this idempotency key was used for a different message")
    return existing


def inbox_of(db: Session, customer_id: str, *, limit: int = 100) -> list[InboxItem]:
    if customers_repository.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    return repo.inbox_for_customer(db, customer_id, limit=limit)


def simulated_deliveries(
    db: Session, customer_id: str, *, limit: int = 100
) -> list[SimulatedDelivery]:
    """What the simulator "sent" to the customer (demo and tests)."""
    if customers_repository.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    return repo.simulated_for_customer(db, customer_id, limit=limit)


def simulated_outbox(db: Session, who: str | None, *, limit: int = 100) -> list[SimulatedDelivery]:
    """The simulator's newest deliveries (demo and tests): to anyone (`who` None), to an
    email address or phone number as typed (normalised as contacts are), or to a customer
    by id (NotFound for an unknown id)."""
    if who is None:
        return repo.simulated_latest(db, limit=limit)
    text = who.strip()
    if customers_repository.find(db, text) is not None:
        return repo.simulated_for_customer(db, text, limit=limit)
    if "@" in text:
        return repo.simulated_latest(db, recipients={text, text.lower()}, limit=limit)
    try:
        region = packs.current_meta(db).country
        number, _type = validation.phone(text, region=region, field="who")
    except InvalidInput:
        raise NotFound("customer", text) from None  # neither an id, an address nor a number
    return repo.simulated_latest(db, recipients={number}, limit=limit)
