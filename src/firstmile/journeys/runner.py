"""The durable shell around the pure core: triggers, wake-ups, claiming and carrying out.

- An event of a customer (any event: this runs as an event-log subscriber, inside the
  recording transaction) starts instances of the journeys it triggers, subject to their
  re-entry rule, and wakes the customer's waiting instances that listen for it: one inbox row
  and `due_at = now`. Nothing heavier runs in the recording transaction.
- `run_due` claims due instances in batches (FOR UPDATE SKIP LOCKED on PostgreSQL, so any
  number of workers share the work), feeds each its inbox events and its due timer through
  the core, and carries out the commands in the same transaction as the new state: a
  message request and a domain call are database writes with the command's idempotency key,
  a webhook is a job with that key. A crash before the commit loses both; after it, both
  are there: nothing is skipped and nothing is done twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from firstmile.auth.scopes import Actor, Scope
from firstmile.customers.models import Customer
from firstmile.eventlog import service as eventlog
from firstmile.eventlog.models import Event
from firstmile.journeys import actions, core
from firstmile.journeys.definition import Journey as CompiledJourney
from firstmile.journeys.definition import JourneyFile, ReentryAfter, compile_journey
from firstmile.journeys.events import RECORD_TYPES
from firstmile.journeys.models import Journey, JourneyInbox, JourneyInstance, JourneyVersion
from firstmile.kit import jobs
from firstmile.kit.db import Session, described, serialize_on, skip_locked
from firstmile.kit.errors import FirstmileError
from firstmile.kit.time import utcnow

log = logging.getLogger("firstmile.journeys")
ACTOR = Actor("system", "journeys", "journey engine", frozenset({Scope.ADMIN}))
STARTING = "starting"  # created by its trigger, not yet run by a worker
LIVE_STATUSES = (STARTING, core.ACTIVE, core.WAITING)
MAX_ATTEMPTS = 5
WEBHOOK_JOB = "journeys.webhook"
_INDEX_KEY = "journey_index"


@dataclass(frozen=True)
class Version:
    """What running an instance needs of its version, kept per process (never changes)."""

    id: str
    number: int
    journey: CompiledJourney

    @property
    def code(self) -> str:
        return self.journey.code


_versions: dict[str, Version] = {}  # by version id, per process: versions never change


def version_of(db: Session, version_id: str) -> Version:
    found = _versions.get(version_id)
    if found is None:
        row = db.get(JourneyVersion, version_id)
        assert row is not None
        found = _cached(row)
    return found


def compiled(version: JourneyVersion) -> CompiledJourney:
    """A version's definition, compiled once per process."""
    return (_versions.get(version.id) or _cached(version)).journey


def _cached(row: JourneyVersion) -> Version:
    journey = compile_journey(JourneyFile.model_validate(row.definition))
    found = _versions[row.id] = Version(row.id, row.version, journey)
    return found


# -- triggers and wake-ups ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Trigger:
    journey_id: str
    version_id: str
    segment: str | None
    reentry: str | ReentryAfter


@dataclass
class _Index:
    """Which journeys an event type starts, and which listen for it (read once per session)."""

    triggers: dict[str, list[_Trigger]] = field(default_factory=dict)
    listeners: dict[str, set[str]] = field(default_factory=dict)  # event type -> journey ids


def forget_index(db: Session) -> None:
    db.info.pop(_INDEX_KEY, None)


def _index(db: Session) -> _Index:
    cached: _Index | None = db.info.get(_INDEX_KEY)
    if cached is not None:
        return cached
    index = _Index()
    # Ids and numbers only: a version's definition is read (and compiled) once per process.
    rows = db.execute(
        select(Journey.id, Journey.current_version, Journey.paused, JourneyVersion.id)
        .join(JourneyVersion, JourneyVersion.journey_id == Journey.id)
        .where(Journey.retired.is_(False))
    ).all()
    for journey_id, current_version, paused, version_id in rows:
        version = version_of(db, version_id)
        definition = version.journey
        for event_type in definition.listens_to():
            index.listeners.setdefault(event_type, set()).add(journey_id)
        if version.number == current_version and not paused:
            trigger = definition.source.trigger
            event_type = trigger.event or "segment.entered"
            index.triggers.setdefault(event_type, []).append(
                _Trigger(journey_id, version.id, trigger.segment, trigger.reentry)
            )
    db.info[_INDEX_KEY] = index
    return index


def on_event(db: Session, event: Event) -> None:
    """Start the journeys this event triggers; wake the instances that listen for it."""
    if event.customer_id is None:
        return
    index = _index(db)
    for trigger in index.triggers.get(event.type, ()):
        if trigger.segment is None or (event.payload or {}).get("segment") == trigger.segment:
            _maybe_start(db, trigger, event)
    listening = index.listeners.get(event.type)
    if listening:
        _wake(db, event, listening)


def _maybe_start(db: Session, trigger: _Trigger, event: Event) -> None:
    customer_id = event.customer_id
    assert customer_id is not None
    serialize_on(db, f"journey:{trigger.journey_id}:{customer_id}")
    earlier = db.execute(
        select(JourneyInstance.status, JourneyInstance.entered_at).where(
            JourneyInstance.journey_id == trigger.journey_id,
            JourneyInstance.customer_id == customer_id,
        )
    ).all()
    if any(status in LIVE_STATUSES for status, _ in earlier):
        return  # in the journey now: one place at a time
    if earlier and trigger.reentry == "never":
        return
    now = utcnow()
    if isinstance(trigger.reentry, ReentryAfter):
        window = timedelta(days=trigger.reentry.after_days)
        if any(entered > now - window for _, entered in earlier):
            return
    db.add(
        JourneyInstance(
            journey_id=trigger.journey_id,
            version_id=trigger.version_id,
            customer_id=customer_id,
            trigger_event_id=event.id,
            status=STARTING,
            step="",
            state={"trigger": _event_data(event)},
            due_at=now,
        )
    )
    db.flush()


def _wake(db: Session, event: Event, journey_ids: set[str]) -> None:
    ids = db.scalars(
        select(JourneyInstance.id).where(
            JourneyInstance.customer_id == event.customer_id,
            JourneyInstance.journey_id.in_(journey_ids),
            JourneyInstance.status.in_(LIVE_STATUSES),
            JourneyInstance.trigger_event_id != event.id,
        )
    ).all()
    if not ids:
        return
    now = utcnow()
    db.add_all(JourneyInbox(instance_id=i, event_id=event.id, created_at=now) for i in ids)
    db.execute(
        update(JourneyInstance)
        .where(JourneyInstance.id.in_(ids))
        .values(due_at=now)
        .execution_options(synchronize_session=False)
    )


def _event_data(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "payload": dict(event.payload or {}),
        "occurred_at": event.occurred_at.isoformat(),
    }


# -- running due instances --------------------------------------------------------------------


def run_due(db: Session, *, batch_size: int = 100) -> int:
    """Claim up to `batch_size` due instances and run them in the caller's transaction
    (the caller commits); one instance's failure rolls back only its own savepoint."""
    now = utcnow()
    dialect = db.get_bind().dialect.name
    claimed = list(
        db.scalars(
            select(JourneyInstance)
            .join(Journey, Journey.id == JourneyInstance.journey_id)
            .where(JourneyInstance.due_at <= now, Journey.paused.is_(False))
            .order_by(JourneyInstance.due_at)
            .limit(batch_size)
            .with_for_update(skip_locked=skip_locked(dialect), of=JourneyInstance)
        )
    )
    if not claimed:
        return 0
    from firstmile.messaging import service as messaging  # messaging's jobs import journeys

    inbox = _inbox(db, [i.id for i in claimed])
    with messaging.recipients_snapshot(db, [i.customer_id for i in claimed]):
        # Fast path: the whole batch in one savepoint, its writes sent together. Should any
        # instance fail, the batch goes back to the savepoint and runs again with one
        # savepoint per instance, so only the failing one is rolled back and retried.
        try:
            with db.begin_nested():
                for instance in claimed:
                    process(db, instance, inbox.get(instance.id, []), now, fresh_keys=True)
            return len(claimed)
        except Exception:
            log.debug("journey batch of %d fell back to one savepoint each", len(claimed))
        for instance in claimed:
            savepoint = db.begin_nested()
            try:
                process(db, instance, inbox.get(instance.id, []), now)
                savepoint.commit()
            except Exception as exc:
                savepoint.rollback()
                _failed_attempt(db, instance, exc, now)
    return len(claimed)


def _inbox(db: Session, instance_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    rows = db.execute(
        select(JourneyInbox.instance_id, Event)
        .join(Event, Event.id == JourneyInbox.event_id)
        .where(JourneyInbox.instance_id.in_(instance_ids))
        .order_by(Event.occurred_at, JourneyInbox.id)  # the order they happened in
    ).all()
    found: dict[str, list[dict[str, Any]]] = {}
    for instance_id, event in rows:
        found.setdefault(instance_id, []).append(_event_data(event))
    return found


def process(
    db: Session,
    instance: JourneyInstance,
    events: list[dict[str, Any]],
    now: datetime,
    *,
    fresh_keys: bool = False,
) -> None:
    """Feed an instance what is due (its start, then its events and its due timer in the
    order they happened) and carry out the commands of each step as the core gives them."""
    version = version_of(db, instance.version_id)
    journey = version.journey
    ctx = context(db, instance.customer_id, now)
    if instance.status == STARTING:
        outcome = core.start(
            journey,
            instance_id=instance.id,
            customer_id=instance.customer_id,
            trigger=instance.state["trigger"],
            ctx=ctx,
        )
        if outcome.state.status == core.SKIPPED:
            db.execute(delete(JourneyInbox).where(JourneyInbox.instance_id == instance.id))
            db.delete(instance)
            return
        state = _carry(db, instance, version, outcome, ctx, fresh_keys)
    else:
        state = core.State.from_json(instance.id, instance.customer_id, instance.state)
    state = _feed(db, instance, version, state, events, ctx, fresh_keys)
    if events:
        db.execute(delete(JourneyInbox).where(JourneyInbox.instance_id == instance.id))
    store(instance, state, now)


def _feed(
    db: Session,
    instance: JourneyInstance,
    version: Version,
    state: core.State,
    events: list[dict[str, Any]],
    ctx: core.Context,
    fresh_keys: bool,
) -> core.State:
    """Feed the events (sorted by when they happened) and the due timer in time order, so
    a late worker reaches what a punctual one would have: a timer due at or before an
    event fires first, and the wait it leads to gets that event and those after it.

    One timer a run at most, as ever: a timer set in this run is due after `now` unless
    its wait is 0s, and such a one waits for the next run, so a loop of 0s waits cannot
    spin inside one transaction."""
    pending = list(events)
    timer_fired = False
    while True:
        due_at = None if timer_fired else _due_at(state, ctx.now)
        given: core.Input
        if due_at is not None and (not pending or due_at <= _occurred_at(pending[0])):
            assert state.timer is not None
            given, timer_fired = core.TimerInput(state.timer), True
        elif pending:
            given = core.EventInput(pending.pop(0))
        else:
            return state
        outcome = core.handle(version.journey, state, given, ctx)
        state = _carry(db, instance, version, outcome, ctx, fresh_keys)


def _due_at(state: core.State, now: datetime) -> datetime | None:
    """When the pending timer was due, if it is due by `now`."""
    if state.status == core.WAITING and state.due_at is not None and state.due_at <= now:
        return state.due_at
    return None


def _occurred_at(event: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurred_at"])


def _carry(
    db: Session,
    instance: JourneyInstance,
    version: Version,
    outcome: core.Outcome,
    ctx: core.Context,
    fresh_keys: bool = False,
) -> core.State:
    """Carry out an outcome's commands; a domain call's answer that decides the path goes
    back to the core at once, in the same transaction."""
    state = outcome.state
    answers = carry_out(db, instance, version, outcome.commands, fresh_keys=fresh_keys)
    while answers:
        following = core.handle(version.journey, state, answers.pop(0), ctx)
        state = following.state
        answers += carry_out(db, instance, version, following.commands, fresh_keys=fresh_keys)
    return state


def store(instance: JourneyInstance, state: core.State, now: datetime) -> None:
    instance.state = state.to_json()
    instance.status, instance.step = state.status, state.step
    instance.due_at = state.due_at if state.status == core.WAITING else None
    instance.updated_at = now
    instance.attempts, instance.last_error = 0, state.error
    if state.status in core.TERMINAL and instance.ended_at is None:
        instance.ended_at = now


def context(db: Session, customer_id: str, now: datetime) -> core.Context:
    """Facts are read only if a condition asks for them (most steps never do)."""
    from firstmile.messaging.segments import facts as facts_module

    loaded: dict[str, Any] = {}

    def facts() -> Any:
        if "facts" not in loaded:
            found = facts_module.load(db, customer_id, now)
            loaded["facts"] = found
        return loaded["facts"]

    def customer() -> Mapping[str, Any]:
        found = facts()
        return found.customer if found is not None else {}

    def count(event_type: Any, window: Any = None) -> int:
        found = facts()
        return int(found.count(event_type, window)) if found is not None else 0

    def time_zone() -> str:
        zone = db.scalar(select(Customer.time_zone).where(Customer.id == customer_id))
        return zone or "UTC"

    return core.Context(now=now, customer=customer, count=count, time_zone=time_zone)


def carry_out(
    db: Session,
    instance: JourneyInstance,
    version: Version,
    commands: list[core.Command],
    *,
    fresh_keys: bool = False,
) -> list[core.ActionResult]:
    """Do what the core asked, in the caller's transaction; returns the answers of domain
    calls that decide a path (a refusal is rolled back to its savepoint and reported).

    `fresh_keys` (a batch's fast path): a command's key names a visit that has not happened,
    so a message request skips its lookup; were it wrong, the unique key fails the batch,
    which then runs again without the assumption."""
    answers: list[core.ActionResult] = []
    for command in commands:
        if isinstance(command, core.Record):
            detail = dict(command.detail)
            actor = str(detail.get("actor") or ACTOR.ref)
            eventlog.record(
                db,
                RECORD_TYPES[command.kind],
                actor=actor,
                customer_id=instance.customer_id,
                subject_type="journey_instance",
                subject_id=instance.id,
                payload={
                    "journey": version.code,
                    "version": version.number,
                    "step": command.step,
                    **detail,
                },
            )
        elif isinstance(command, core.SendMessage):
            from firstmile.messaging import service as messaging

            messaging.send(
                db,
                customer_id=instance.customer_id,
                purpose=command.purpose,
                data=command.data,
                idempotency_key=command.key,
                actor=ACTOR,
                channel=command.channel,
                new_key=fresh_keys,
            )
        elif isinstance(command, core.CallAction) and command.report:
            savepoint = db.begin_nested()
            try:
                actions.run(db, command.action, instance.customer_id, command.args, key=command.key)
                savepoint.commit()
                answers.append(core.ActionResult(command.key, None))
            except FirstmileError as exc:  # the domain said no: take the error path
                savepoint.rollback()
                answers.append(core.ActionResult(command.key, f"{exc}"[:500]))
        elif isinstance(command, core.CallAction):
            actions.run(db, command.action, instance.customer_id, command.args, key=command.key)
        elif isinstance(command, core.CallWebhook):
            jobs.enqueue(
                db,
                WEBHOOK_JOB,
                {
                    "endpoint": command.endpoint,
                    "key": command.key,
                    "body": {
                        "journey": version.code,
                        "version": version.number,
                        "instance_id": instance.id,
                        "customer_id": instance.customer_id,
                        "idempotency_key": command.key,
                        "payload": command.payload,
                    },
                },
                key=command.key,
            )
    return answers


def _failed_attempt(db: Session, instance: JourneyInstance, exc: Exception, now: datetime) -> None:
    """Retry with backoff; after MAX_ATTEMPTS the instance fails where it is (an agent can
    move it on). The failure is recorded; the inbox is kept for the retry."""
    instance.last_error = described(exc)[:2000]
    log.warning("journey instance %s failed: %s", instance.id, instance.last_error)
    instance.attempts += 1
    if instance.attempts < MAX_ATTEMPTS:
        instance.due_at = now + jobs.backoff(instance.attempts)
        return
    instance.due_at = None
    if instance.status == STARTING:
        instance.status = core.FAILED
        instance.ended_at = now
        return
    state = core.State.from_json(instance.id, instance.customer_id, instance.state)
    outcome = core.failed(state, instance.last_error)
    carry_out(db, instance, version_of(db, instance.version_id), outcome.commands)
    db.execute(delete(JourneyInbox).where(JourneyInbox.instance_id == instance.id))
    store(instance, outcome.state, now)
    instance.attempts = MAX_ATTEMPTS


def next_due_at(db: Session) -> datetime | None:
    return db.scalar(
        select(JourneyInstance.due_at)
        .where(JourneyInstance.due_at.is_not(None))
        .order_by(JourneyInstance.due_at)
        .limit(1)
    )
