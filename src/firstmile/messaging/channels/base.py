"""The one protocol every channel adapter implements."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from firstmile.messaging.models import Message


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """The provider accepted the message; its own id for it, when it gives one.
    `delivered`: the channel itself put it in front of the customer (the in-app inbox)."""

    provider_message_id: str | None = None
    delivered: bool = False
    # Every id the provider's callbacks may name (e.g. one per SMS part); the first is
    # `provider_message_id`'s, when the provider gives several.
    references: tuple[str, ...] = ()
    # The references are made from this message's own id (the inbox item, the email's
    # Message-ID, the simulator's): no other message can hold them, so they are stored
    # without looking them up first.
    own_references: bool = False


class DeliveryError(Exception):
    """A delivery did not happen; subclasses say whether retrying can help."""


class TemporaryDeliveryError(DeliveryError):
    """Worth retrying later: timeouts, connection refused, 4xx SMTP replies, 5xx HTTP answers."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help: a rejected recipient, a refused request, a misconfiguration."""


class ChannelAdapter(Protocol):
    """Hands one rendered message to a provider.

    `deliver` returns once the provider accepted the message, or raises one of the two
    errors above. It must not touch the message row: the delivery job owns its state.
    An adapter whose provider reports delivery later (receipts, bounces) says so with a
    class attribute `reports_receipts = True`: the message then keeps its fallbacks until
    the receipt comes, and the references the result names are stored for the receipts to
    find the message by (others' references stay on the message only). An adapter that
    only writes in the delivery's own transaction (the in-app inbox, the simulator) says so
    with `only_database = True`: its hand-offs may then share one savepoint, as a rollback
    undoes everything they did. One that also says
    `in_transaction = True` (the inbox) takes a message due now in the transaction that
    requests it, without a delivery job.
    """

    name: str

    def deliver(self, message: Message) -> DeliveryResult: ...


@runtime_checkable
class SendsMany(ChannelAdapter, Protocol):
    """A channel adapter that also hands over a batch at once (email over several SMTP
    connections): for each message, the result, or the error `deliver` would raise."""

    def deliver_many(self, messages: Sequence[Message]) -> list[DeliveryResult | DeliveryError]: ...


HandOff = Callable[[], DeliveryResult]


def each_at_once(
    hand_offs: Sequence[HandOff | DeliveryError], connections: int
) -> list[DeliveryResult | DeliveryError]:
    """Run these hand-offs (prepared in the caller's thread: nothing in them touches the
    database session) over up to `connections` threads; for each, its result or its error.
    A `DeliveryError` in the list is a hand-off that already failed (it stays as it is)."""

    def run(hand_off: HandOff | DeliveryError) -> DeliveryResult | DeliveryError:
        if isinstance(hand_off, DeliveryError):
            return hand_off
        try:
            return hand_off()
        except DeliveryError as exc:
            return exc
        except Exception as exc:  # not the provider's answer: retried, as one alone would be
            return TemporaryDeliveryError(f"{type(exc).__name__}: {exc}")

    pending = sum(not isinstance(h, DeliveryError) for h in hand_offs)
    if connections <= 1 or pending <= 1:
        return [run(h) for h in hand_offs]
    workers = min(connections, pending)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="handoff") as threads:
        return list(threads.map(run, hand_offs))
