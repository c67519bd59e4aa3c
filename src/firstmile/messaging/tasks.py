"""Background work of the messaging domain."""

from __future__ import annotations

from typing import Any

from firstmile.eventlog import service as eventlog_service
from firstmile.eventlog.models import Event
from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.messaging import delivery, repository
from firstmile.messaging.campaigns import service as campaigns
from firstmile.messaging.segments import service as segments

# Hand-offs and segment re-evaluations are short: a worker takes up to this many of one
# kind in one transaction (the worker's time budget still ends a batch early). As many as
# a journey batch (`journeys_batch_size`, 200) requests, so a busy worker delivers what
# its journeys request: at 100, 10,000 journey instances' hand-offs waited 28 s (p50).
SHORT_JOB_BATCH = 200


def _lock_messages(db: Session, batch: list[dict[str, Any]]) -> None:
    """A batch of hand-offs locks its messages in one query."""
    repository.lock_many(db, [str(args["message_id"]) for args in batch])


def _only_database(db: Session, args: dict[str, Any]) -> bool:
    return delivery.stays_in_database(db, str(args["message_id"]))


def _hand_over_many(db: Session, batch: list[jobs.Job]) -> list[Any]:
    return delivery.hand_over_many(
        db,
        [(str(j.args["message_id"]), j.attempts, j.attempts >= j.max_attempts) for j in batch],
    )


# Hand-offs to channels outside (SMTP, SMS, push, webhooks) by halves: a batch's sends
# first (emails over several connections at once), then their records in one flush.
_HAND_OVER = jobs.SendThenRecord(
    record=lambda db, args, handed: delivery.record_hand_over(db, handed),
    send_many=_hand_over_many,
)


@jobs.handler(
    delivery.DELIVER_JOB,
    batch=SHORT_JOB_BATCH,
    before_batch=_lock_messages,
    only_database=_only_database,
    send_then_record=_HAND_OVER,
)
def deliver(db: Session, args: dict[str, Any]) -> None:
    delivery.deliver(db, str(args["message_id"]))


@jobs.handler(delivery.UNREAD_JOB)
def check_unread(db: Session, args: dict[str, Any]) -> None:
    delivery.check_unread(db, str(args["message_id"]))


@eventlog_service.on("*")
def customer_changed(db: Session, event: Event) -> None:
    """An event that can change a customer's segments: look again after this change."""
    if event.customer_id and segments.affects_segments(db, event.type):
        segments.queue_evaluation(db, event.customer_id)


@jobs.handler(segments.EVALUATE_JOB, batch=SHORT_JOB_BATCH)
def evaluate_segments(db: Session, args: dict[str, Any]) -> None:
    segments.evaluate_customer(db, str(args["customer_id"]))


@jobs.handler(segments.RECOUNT_JOB)
def recount_segment(db: Session, args: dict[str, Any]) -> None:
    segments.recount_batch(db, args)


@jobs.handler(campaigns.SEND_JOB)
def send_campaign_batch(db: Session, args: dict[str, Any]) -> None:
    campaigns.send_batch(db, args)
