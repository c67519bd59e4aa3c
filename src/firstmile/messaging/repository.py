"""Every messaging query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event, func, inspect, select

from firstmile.kit.db import Session, serialize_on_all, snapshot_in_session
from firstmile.kit.jobs import Job
from firstmile.kit.time import utcnow
from firstmile.messaging.models import (
    DeliveryReference,
    InboxItem,
    Message,
    MessageClass,
    MessageStatus,
    PushSubscription,
    SimulatedDelivery,
)


def find(db: Session, message_id: str) -> Message | None:
    return db.get(Message, message_id)


_LOCKED = "messages_locked"


def lock_many(db: Session, message_ids: list[str]) -> None:
    """Lock these messages until the transaction ends, in id order (one query for a batch
    of deliveries); `find_for_update` then answers them from this transaction's list."""
    rows = db.scalars(
        select(Message)
        .where(Message.id.in_(sorted(set(message_ids))))
        .order_by(Message.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    db.info[_LOCKED] = (db.get_transaction(), {row.id: row for row in rows})


def find_for_update(db: Session, message_id: str) -> Message | None:
    """The message row locked until the transaction ends (PostgreSQL; SQLite has one writer)."""
    locked = db.info.get(_LOCKED)
    if locked is not None and locked[0] is db.get_transaction() and message_id in locked[1]:
        return db.get(Message, message_id)  # locked in this transaction by lock_many
    return db.scalar(
        select(Message)
        .where(Message.id == message_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def by_idempotency_key(db: Session, key: str) -> Message | None:
    return db.scalar(select(Message).where(Message.idempotency_key == key))


def for_customer(db: Session, customer_id: str, *, limit: int = 100) -> list[Message]:
    return list(
        db.scalars(
            select(Message)
            .where(Message.customer_id == customer_id)
            .order_by(Message.created_at.desc(), Message.id)
            .limit(limit)
        )
    )


def simulated_for_customer(
    db: Session, customer_id: str, *, limit: int = 100
) -> list[SimulatedDelivery]:
    return list(
        db.scalars(
            select(SimulatedDelivery)
            .where(SimulatedDelivery.customer_id == customer_id)
            .order_by(SimulatedDelivery.delivered_at.desc(), SimulatedDelivery.id)
            .limit(limit)
        )
    )


def simulated_latest(
    db: Session, *, recipients: Iterable[str] = (), limit: int = 100
) -> list[SimulatedDelivery]:
    """The simulator's newest deliveries: to any of these addresses, or to anyone."""
    query = select(SimulatedDelivery)
    wanted = sorted(set(recipients))
    if wanted:
        query = query.where(SimulatedDelivery.recipient.in_(wanted))
    order = (SimulatedDelivery.delivered_at.desc(), SimulatedDelivery.id)
    return list(db.scalars(query.order_by(*order).limit(limit)))


def delivery_job(db: Session, key: str) -> Job | None:
    return db.scalar(select(Job).where(Job.key == key))


_UNCOUNTED = (MessageStatus.SUPPRESSED, MessageStatus.FAILED)  # not against a frequency cap


def hold_caps(db: Session, customer_ids: Iterable[str], klass: MessageClass) -> None:
    """Until the transaction ends, other sends of `klass` to these customers that count
    against a frequency cap wait: two workers counting at once both saw the count under the
    cap and both sent. Customers a batch's `recent_snapshot` holds already are skipped."""
    snapshot: _Recent | None = db.info.get(_RECENT_SNAPSHOT)
    wanted = [c for c in customer_ids if snapshot is None or not snapshot.holds(c, str(klass))]
    serialize_on_all(db, (f"caps:{klass}:{c}" for c in wanted))


def count_recent(
    db: Session, customer_id: str, klass: MessageClass, channel: str, *, since: datetime
) -> int:
    """Messages of `klass` on `channel` requested for the customer since `since` that were,
    or will be, sent (suppressed and failed ones do not count against a frequency cap).
    Inside `recent_snapshot` for this customer, answered without a query."""
    snapshot: _Recent | None = db.info.get(_RECENT_SNAPSHOT)
    if snapshot is not None and snapshot.covers(customer_id, klass, channel, since):
        stored = sum(1 for at in snapshot.times.get((customer_id, channel), ()) if at >= since)
        return stored + _pending(snapshot, customer_id, klass, channel, since)
    return (
        db.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                Message.customer_id == customer_id,
                Message.klass == klass,
                Message.channel == channel,
                Message.created_at >= since,
                Message.status.not_in(_UNCOUNTED),
            )
        )
        or 0
    )


def _pending(
    snapshot: _Recent, customer_id: str, klass: MessageClass, channel: str, since: datetime
) -> int:
    """The customer's messages added in this session and not yet flushed (stamped when
    flushed: now); those flushed already are in the snapshot's times."""
    return sum(
        1
        for m in snapshot.added.get(customer_id, ())
        if inspect(m).pending
        and m.klass == klass
        and m.channel == channel
        and m.status not in _UNCOUNTED
        and (m.created_at is None or m.created_at >= since)
    )


_RECENT_SNAPSHOT = "recent_snapshot"


@dataclass(frozen=True)
class _Recent:
    customers: frozenset[str]
    klass: str
    channels: frozenset[str]
    since: datetime
    times: dict[tuple[str, str], list[datetime]]
    # The messages for these customers added to the session within the block, by customer
    # (a batch's count would otherwise go through every object the session holds).
    added: dict[str, list[Message]] = field(default_factory=dict)

    def add(self, obj: object) -> None:
        if isinstance(obj, Message) and obj.customer_id in self.customers:
            self.added.setdefault(obj.customer_id, []).append(obj)

    def holds(self, customer_id: str, klass: str) -> bool:
        return customer_id in self.customers and klass == self.klass

    def covers(self, customer_id: str, klass: str, channel: str, since: datetime) -> bool:
        return (
            customer_id in self.customers
            and klass == self.klass
            and channel in self.channels
            and since >= self.since
        )


@contextmanager
def recent_snapshot(
    db: Session,
    customer_ids: Iterable[str],
    klass: MessageClass,
    channels: Iterable[str],
    *,
    since: datetime,
) -> Iterator[None]:
    """Within the block, `count_recent` for these customers, this class and these channels
    (any `since` not before this one) is answered from one query (a campaign batch's
    frequency caps), plus the messages added since: those a flush writes are taken into the
    snapshot, those not yet flushed are counted from the session; a flush that changes or
    deletes a message drops the snapshot, and the counts are queried again."""
    ids = frozenset(customer_ids)
    wanted = frozenset(str(c) for c in channels)
    times: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    if ids and wanted:
        hold_caps(db, ids, klass)  # before counting, all at once: batches never deadlock
        rows = db.execute(
            select(Message.customer_id, Message.channel, Message.created_at).where(
                Message.customer_id.in_(sorted(ids)),
                Message.klass == klass,
                Message.channel.in_(sorted(wanted)),
                Message.created_at >= since,
                Message.status.not_in(_UNCOUNTED),
            )
        )
        for customer_id, channel, created_at in rows:
            times[(customer_id, str(channel))].append(created_at)
    value = _Recent(ids, str(klass), wanted, since, dict(times))
    for obj in db.new:  # added before the block and not flushed by its query
        value.add(obj)

    def added(_session: Session, obj: object) -> None:
        value.add(obj)

    def flushed(message: Message) -> None:
        """A message the batch added reaches the database: it counts from now on."""
        channel = str(message.channel)
        if (
            message.customer_id in ids
            and message.klass == klass
            and channel in wanted
            and message.status not in _UNCOUNTED
        ):
            at = message.created_at or utcnow()
            value.times.setdefault((message.customer_id, channel), []).append(at)

    event.listen(db, "transient_to_pending", added)
    try:
        with snapshot_in_session(
            db, _RECENT_SNAPSHOT, value, dropped_by=(Message,), absorb_new=flushed
        ):
            yield
    finally:
        event.remove(db, "transient_to_pending", added)


def by_idempotency_keys(db: Session, keys: Iterable[str]) -> set[str]:
    """Which of these keys some message already holds."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    found = db.scalars(select(Message.idempotency_key).where(Message.idempotency_key.in_(wanted)))
    return {str(k) for k in found}


def inbox_item(db: Session, item_id: str) -> InboxItem | None:
    return db.get(InboxItem, item_id)


def inbox_for_customer(db: Session, customer_id: str, *, limit: int = 100) -> list[InboxItem]:
    return list(
        db.scalars(
            select(InboxItem)
            .where(InboxItem.customer_id == customer_id)
            .order_by(InboxItem.created_at.desc(), InboxItem.id)
            .limit(limit)
        )
    )


def message_for_reference(db: Session, adapter: str, reference: str) -> Message | None:
    """The message a provider's reference points at, locked (callbacks change it)."""
    row = db.get(DeliveryReference, (adapter, reference))
    return None if row is None else find_for_update(db, row.message_id)


def add_references(
    db: Session, adapter: str, message_id: str, references: list[str], *, new: bool = False
) -> None:
    """Map the provider's references to the message, once each; `new`: they cannot be
    stored yet (made from the message's own id), so they are not looked up."""
    for reference in dict.fromkeys(references):  # once each, in order
        if new:
            known = None
        else:
            with db.no_autoflush:  # the delivery's changes go with its one flush, not here
                known = db.get(DeliveryReference, (adapter, reference))
        if known is None:
            db.add(DeliveryReference(adapter=adapter, reference=reference, message_id=message_id))


_PUSH_SNAPSHOT = "push_snapshot"


@contextmanager
def push_snapshot(db: Session, customer_ids: Iterable[str]) -> Iterator[None]:
    """Within the block, whether each of these customers has a live push subscription is
    known from one query (batch sends); a subscription added or changed in the session drops
    the snapshot. Reading it queries nothing, so it also sets off no autoflush: a batch's
    inserts stay pending and go to the database together."""
    ids = list(dict.fromkeys(customer_ids))
    subscribed = set(
        db.scalars(
            select(PushSubscription.customer_id).where(
                PushSubscription.customer_id.in_(ids), PushSubscription.revoked_at.is_(None)
            )
        )
    )
    value = (frozenset(ids), subscribed)
    with snapshot_in_session(db, _PUSH_SNAPSHOT, value, dropped_by=(PushSubscription,)):
        yield


def in_push_snapshot(db: Session, customer_ids: Iterable[str]) -> bool:
    snapshot: tuple[frozenset[str], set[str]] | None = db.info.get(_PUSH_SNAPSHOT)
    return snapshot is not None and all(c in snapshot[0] for c in customer_ids)


def has_push_subscription(db: Session, customer_id: str) -> bool:
    snapshot: tuple[frozenset[str], set[str]] | None = db.info.get(_PUSH_SNAPSHOT)
    if snapshot is not None and customer_id in snapshot[0]:
        return customer_id in snapshot[1]
    found = db.scalar(
        select(PushSubscription.id)
        .where(PushSubscription.customer_id == customer_id, PushSubscription.revoked_at.is_(None))
        .limit(1)
    )
    return found is not None


def push_subscriptions(db: Session, customer_id: str) -> list[PushSubscription]:
    return list(
        db.scalars(
            select(PushSubscription)
            .where(PushSubscription.customer_id == customer_id)
            .order_by(PushSubscription.created_at)
        )
    )


def push_subscription_by_endpoint(db: Session, endpoint: str) -> PushSubscription | None:
    return db.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
