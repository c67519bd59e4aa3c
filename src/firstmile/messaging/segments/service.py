"""Segment membership: evaluate one customer, recount a segment, read members."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, func, select

from firstmile.auth.scopes import SYSTEM
from firstmile.customers.models import Customer
from firstmile.eventlog import service as eventlog_service
from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.kit.errors import NotFound
from firstmile.kit.expressions import EvaluationError, Program
from firstmile.kit.time import utcnow
from firstmile.messaging import events
from firstmile.messaging.segments import facts as facts_module
from firstmile.messaging.segments.models import Segment, SegmentMembership
from firstmile.packs import loader as packs

log = logging.getLogger("firstmile.segments")
EVALUATE_JOB = "segments.evaluate"
RECOUNT_JOB = "segments.recount"
RECOUNT_BATCH = 500
FACTS_BATCH = 100  # customers whose facts (every event of theirs) are held at once


@dataclass(frozen=True, slots=True)
class Change:
    segment: str
    entered: bool


@lru_cache(maxsize=512)
def program(condition: str) -> Program:
    """Compiled once per condition text and process (a new version is a new text)."""
    return facts_module.ENVIRONMENT.compile(condition)


# -- definitions (the pack section stores them) -------------------------------------------


def store_definitions(db: Session, pack: str, definitions: Iterable[Mapping[str, str]]) -> None:
    """Add or update the pack's segments; a changed condition bumps the version and queues
    a recount; a segment the pack dropped is retired and emptied."""
    existing = {s.code: s for s in db.scalars(select(Segment).where(Segment.pack == pack))}
    seen: set[str] = set()
    recount: list[Segment] = []
    for definition in definitions:
        code = definition["code"]
        seen.add(code)
        row = existing.get(code)
        changed = row is None or row.condition != definition["condition"] or row.retired
        if row is None:
            row = Segment(pack=pack, code=code, condition=definition["condition"], version=1)
            db.add(row)
        elif changed:
            row.condition, row.version, row.retired = (
                definition["condition"],
                row.version + 1,
                False,
            )
        row.name, row.description = definition["name"], definition.get("description", "")
        if not changed:
            continue
        row.loaded_at = utcnow()
        recount.append(row)
    for code, row in existing.items():
        if code not in seen and not row.retired:
            row.retired = True
            db.execute(delete(SegmentMembership).where(SegmentMembership.segment_id == row.id))
    db.flush()
    if recount:  # one recount for all of them: each customer's facts are read once
        queue_recount(db, *recount)


def active(db: Session) -> list[Segment]:
    meta = packs.current_meta(db)
    return list(
        db.scalars(
            select(Segment)
            .where(Segment.pack == meta.code, Segment.retired.is_(False))
            .order_by(Segment.code)
        )
    )


def get(db: Session, code: str) -> Segment:
    segment = db.scalar(
        select(Segment).where(
            Segment.pack == packs.current_meta(db).code,
            Segment.code == code,
            Segment.retired.is_(False),
        )
    )
    if segment is None:
        raise NotFound("segment", code)
    return segment


# -- evaluation -------------------------------------------------------------------------------


def evaluate_customer(
    db: Session, customer_id: str, segments: list[Segment] | None = None
) -> list[Change]:
    """Bring the customer's memberships up to date; each change is recorded as an event."""
    return evaluate_customers(db, [customer_id], segments).get(customer_id, [])


def evaluate_customers(
    db: Session, customer_ids: list[str], segments: list[Segment] | None = None
) -> dict[str, list[Change]]:
    """`evaluate_customer` for several customers, their facts and memberships read together."""
    the_segments = active(db) if segments is None else segments
    if not the_segments:
        return {}
    now = utcnow()
    facts_by_customer = facts_module.load_many(db, customer_ids, now)
    if not facts_by_customer:
        return {}
    current: dict[str, set[str]] = {cid: set() for cid in facts_by_customer}
    rows = db.execute(
        select(SegmentMembership.customer_id, SegmentMembership.segment_id).where(
            SegmentMembership.customer_id.in_(list(facts_by_customer))
        )
    )
    for customer_id, segment_id in rows:
        current[customer_id].add(segment_id)
    changes: dict[str, list[Change]] = {}
    for customer_id, facts in facts_by_customer.items():
        changes[customer_id] = _apply(db, customer_id, facts, the_segments, current[customer_id])
    db.flush()
    for customer_id, facts in facts_by_customer.items():
        for change in changes[customer_id]:
            eventlog_service.record(
                db,
                events.SEGMENT_ENTERED if change.entered else events.SEGMENT_LEFT,
                actor=SYSTEM.ref,
                customer_id=customer_id,
                subject_id=change.segment,
                payload={"segment": change.segment},
            )
        if facts.changes_at is not None:
            # A windowed count drops then: look again at that moment (once per moment).
            jobs.enqueue(
                db,
                EVALUATE_JOB,
                {"customer_id": customer_id},
                key=f"{EVALUATE_JOB}:{customer_id}:{facts.changes_at.isoformat()}",
                run_at=facts.changes_at,
                priority=jobs.BULK,
            )
    return changes


def _apply(
    db: Session,
    customer_id: str,
    facts: facts_module.Facts,
    segments: list[Segment],
    current: set[str],
) -> list[Change]:
    """Join the segments the customer now matches and leave those they no longer do."""
    changes: list[Change] = []
    for segment in segments:
        member = _matches(segment, facts)
        if member and segment.id not in current:
            db.add(SegmentMembership(segment_id=segment.id, customer_id=customer_id))
            changes.append(Change(segment.code, entered=True))
        elif not member and segment.id in current:
            db.execute(
                delete(SegmentMembership).where(
                    SegmentMembership.segment_id == segment.id,
                    SegmentMembership.customer_id == customer_id,
                )
            )
            changes.append(Change(segment.code, entered=False))
    return changes


def _matches(segment: Segment, facts: facts_module.Facts) -> bool:
    try:
        return program(segment.condition).test(facts.activation())
    except EvaluationError as exc:  # the data does not fit the condition: not a member
        log.info("segment %s on customer %s: %s", segment.code, facts.customer["id"], exc)
        return False


def queue_evaluation(db: Session, customer_id: str) -> None:
    """One evaluation per customer per transaction, after the events that caused it."""
    queued: set[str] = db.info.setdefault("segments_queued", set())
    if customer_id in queued:
        return
    queued.add(customer_id)
    jobs.enqueue(db, EVALUATE_JOB, {"customer_id": customer_id}, priority=jobs.BULK)


# Events that change what a condition reads besides counts: the customer's attributes,
# accounts and products (facts.py). Other events matter only when a segment counts them.
FACT_EVENT_PREFIXES = ("customer.", "account.", "order.", "product.", "service.", "contract.")


def affects_segments(db: Session, event_type: str) -> bool:
    """Whether an event of this type can change any active segment's answer (cached for
    the session: a message.sent event, say, re-evaluates nobody unless a segment counts it)."""
    counted: frozenset[str] | None = db.info.get("segments_counted")
    if counted is None:
        conditions = db.scalars(select(Segment.condition).where(~Segment.retired)).all()
        counted = frozenset(
            str(value)
            for condition in conditions
            for value, _offset in program(condition).literal_arguments("count")
            if value is not None
        )
        db.info["segments_counted"] = counted
        db.info["segments_any"] = bool(conditions)
    if not db.info["segments_any"]:
        return False
    return event_type in counted or event_type.startswith(FACT_EVENT_PREFIXES)


# -- recount ----------------------------------------------------------------------------------


def queue_recount(db: Session, *segments: Segment) -> jobs.Job:
    """One recount of these segments over every customer, in the bulk lane: each batch of
    customers has its facts read once and evaluated against all of them."""
    return jobs.enqueue(
        db,
        RECOUNT_JOB,
        {"segments": [[s.id, s.version] for s in segments], "after": ""},
        priority=jobs.BULK,
    )


def _recounted(db: Session, args: Mapping[str, Any]) -> list[Segment]:
    """The job's segments still at the version it recounts (a newer version recounts
    itself). Jobs queued by earlier releases name one segment (`segment_id`, `version`)."""
    wanted = args["segments"] if "segments" in args else [[args["segment_id"], args["version"]]]
    found = []
    for segment_id, version in wanted:
        segment = db.get(Segment, str(segment_id))
        if segment is not None and not segment.retired and segment.version == version:
            found.append(segment)
    return found


def recount_batch(db: Session, args: Mapping[str, Any]) -> None:
    """One batch of a full recount, in customer id order; queues the next batch."""
    segments = _recounted(db, args)
    if not segments:
        return
    ids = list(
        db.scalars(
            select(Customer.id)
            .where(Customer.id > str(args["after"]))
            .order_by(Customer.id)
            .limit(RECOUNT_BATCH)
        )
    )
    for start in range(0, len(ids), FACTS_BATCH):
        evaluate_customers(db, ids[start : start + FACTS_BATCH], segments)
    if len(ids) == RECOUNT_BATCH:
        jobs.enqueue(db, RECOUNT_JOB, {**args, "after": ids[-1]}, priority=jobs.BULK)


# -- reading ----------------------------------------------------------------------------------


def member_counts(db: Session) -> dict[str, int]:
    rows = db.execute(
        select(SegmentMembership.segment_id, func.count()).group_by(SegmentMembership.segment_id)
    )
    return dict(rows.tuples().all())


def members(db: Session, code: str, *, limit: int = 100) -> list[SegmentMembership]:
    segment = get(db, code)
    return list(
        db.scalars(
            select(SegmentMembership)
            .where(SegmentMembership.segment_id == segment.id)
            .order_by(SegmentMembership.entered_at.desc(), SegmentMembership.customer_id)
            .limit(limit)
        )
    )


def segments_of(db: Session, customer_id: str) -> list[str]:
    if db.get(Customer, customer_id) is None:
        raise NotFound("customer", customer_id)
    return list(
        db.scalars(
            select(Segment.code)
            .join(SegmentMembership, SegmentMembership.segment_id == Segment.id)
            .where(SegmentMembership.customer_id == customer_id)
            .order_by(Segment.code)
        )
    )
