"""Journey operations: publish versions (with migration of waiting instances), pause and
resume, read instances and their paths, move or end an instance by hand, per-step counts."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from firstmile.auth.scopes import Actor
from firstmile.eventlog import catalogue
from firstmile.eventlog import service as eventlog
from firstmile.eventlog.models import Event
from firstmile.journeys import actions, core, events, runner
from firstmile.journeys.definition import DefinitionInvalid, JourneyFile, compile_journey
from firstmile.journeys.models import Journey, JourneyInstance, JourneyVersion
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.time import utcnow
from firstmile.messaging import templates
from firstmile.packs import loader as packs


def check(db: Session, pack: str, model: JourneyFile) -> None:
    """Compile the definition against the event catalogue; InvalidInput lists the problems."""
    try:
        compile_journey(
            model,
            known_events=set(catalogue.load_catalogue()),
            known_actions=set(actions.names()),
            known_purposes=templates.purposes_of(db, pack),
        )
    except DefinitionInvalid as exc:
        issues = [f"{'.'.join(map(str, p.loc))}: {p.message}" for p in exc.problems]
        raise InvalidInput(
            f"the journey has {len(issues)} error(s)", field="definition", issues=issues
        ) from None


def digest(model: JourneyFile) -> str:
    canonical = json.dumps(model.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def publish(
    db: Session,
    pack: str,
    model: JourneyFile,
    *,
    actor: Actor,
    migrate: dict[str, str] | None = None,
) -> tuple[Journey, JourneyVersion, int]:
    """Make `model` the journey's current version (a new one only if it differs). New
    instances start on it; running ones stay on theirs, except waiting instances whose step
    `migrate` maps ({old step: new step}): they move onto the new version at the new step."""
    check(db, pack, model)
    journey = db.scalar(select(Journey).where(Journey.pack == pack, Journey.code == model.code))
    the_digest = digest(model)
    if journey is None:
        journey = Journey(pack=pack, code=model.code, name=model.name, current_version=0)
        db.add(journey)
        db.flush()
    current = current_version(db, journey) if journey.current_version else None
    journey.name, journey.retired = model.name, False
    if current is not None and current.digest == the_digest:
        if migrate:
            raise Conflict("the definition is unchanged: nothing to migrate to", field="migrate")
        runner.forget_index(db)
        return journey, current, 0
    version = JourneyVersion(
        journey_id=journey.id,
        version=journey.current_version + 1,
        definition=model.model_dump(mode="json"),
        digest=the_digest,
        published_by=actor.ref,
    )
    db.add(version)
    journey.current_version = version.version
    db.flush()
    migrated = _migrate(db, journey, version, migrate, actor) if migrate else 0
    eventlog.record(
        db,
        events.JOURNEY_PUBLISHED,
        actor=actor.ref,
        subject_id=journey.id,
        payload={"journey": journey.code, "version": version.version, "migrated": migrated},
    )
    runner.forget_index(db)
    return journey, version, migrated


def _migrate(
    db: Session, journey: Journey, version: JourneyVersion, mapping: dict[str, str], actor: Actor
) -> int:
    new = runner.compiled(version)
    for target in mapping.values():
        if target not in new.steps:
            raise InvalidInput(f"the new version has no step {target!r}", field="migrate")
    waiting = db.scalars(
        select(JourneyInstance)
        .where(
            JourneyInstance.journey_id == journey.id,
            JourneyInstance.version_id != version.id,
            JourneyInstance.status == core.WAITING,
            JourneyInstance.step.in_(list(mapping)),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for instance in waiting:
        old_step = runner.version_of(db, instance.version_id).journey.steps[instance.step]
        target = mapping[instance.step]
        instance.version_id = version.id
        if new.steps[target].type == old_step.type and old_step.type in ("wait", "wait_event"):
            # the same kind of wait: keep its deadline and timer, only the name changes
            state = core.State.from_json(instance.id, instance.customer_id, instance.state)
            runner.store(instance, replace(state, step=target), utcnow())
            continue
        move = core.MoveInput(target, actor.ref, f"migrated to version {version.version}")
        _apply(db, instance, version, move)
    return len(waiting)


def current_version(db: Session, journey: Journey) -> JourneyVersion:
    version = db.scalar(
        select(JourneyVersion).where(
            JourneyVersion.journey_id == journey.id,
            JourneyVersion.version == journey.current_version,
        )
    )
    assert version is not None
    return version


def store_pack(db: Session, pack: str, models: list[JourneyFile], actor: Actor) -> None:
    """The pack's journeys: publish each; retire those the pack no longer has."""
    codes = set()
    for model in models:
        publish(db, pack, model, actor=actor)
        codes.add(model.code)
    for journey in db.scalars(select(Journey).where(Journey.pack == pack)):
        if journey.code not in codes:
            journey.retired = True
    runner.forget_index(db)


# -- reading ------------------------------------------------------------------------------


def journeys(db: Session) -> list[Journey]:
    pack = packs.current_meta(db).code
    return list(
        db.scalars(
            select(Journey)
            .where(Journey.pack == pack, Journey.retired.is_(False))
            .order_by(Journey.code)
        )
    )


def get(db: Session, code: str) -> Journey:
    pack = packs.current_meta(db).code
    journey = db.scalar(select(Journey).where(Journey.pack == pack, Journey.code == code))
    if journey is None or journey.retired:
        raise NotFound("journey", code)
    return journey


def versions(db: Session, journey: Journey) -> list[JourneyVersion]:
    return list(
        db.scalars(
            select(JourneyVersion)
            .where(JourneyVersion.journey_id == journey.id)
            .order_by(JourneyVersion.version)
        )
    )


def version(db: Session, journey: Journey, number: int) -> JourneyVersion:
    found = db.scalar(
        select(JourneyVersion).where(
            JourneyVersion.journey_id == journey.id, JourneyVersion.version == number
        )
    )
    if found is None:
        raise NotFound("journey version", f"{journey.code} v{number}")
    return found


def set_paused(db: Session, code: str, paused: bool, *, actor: Actor) -> Journey:
    journey = get(db, code)
    if journey.paused != paused:
        journey.paused = paused
        eventlog.record(
            db,
            events.JOURNEY_PAUSED if paused else events.JOURNEY_RESUMED,
            actor=actor.ref,
            subject_id=journey.id,
            payload={"journey": journey.code},
        )
        runner.forget_index(db)
    return journey


def instance(db: Session, instance_id: str, *, for_update: bool = False) -> JourneyInstance:
    stmt = select(JourneyInstance).where(JourneyInstance.id == instance_id)
    if for_update:  # a row locked now must not be read from a stale identity map
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    found = db.scalar(stmt)
    if found is None:
        raise NotFound("journey instance", instance_id)
    return found


def instances(
    db: Session,
    journey: Journey,
    *,
    status: str | None = None,
    step: str | None = None,
    customer_id: str | None = None,
    limit: int = 100,
) -> list[JourneyInstance]:
    stmt = select(JourneyInstance).where(JourneyInstance.journey_id == journey.id)
    if status:
        stmt = stmt.where(JourneyInstance.status == status)
    if step:
        stmt = stmt.where(JourneyInstance.step == step)
    if customer_id:
        stmt = stmt.where(JourneyInstance.customer_id == customer_id)
    return list(db.scalars(stmt.order_by(JourneyInstance.entered_at.desc()).limit(limit)))


def instances_of_customer(db: Session, customer_id: str) -> list[JourneyInstance]:
    return list(
        db.scalars(
            select(JourneyInstance)
            .where(JourneyInstance.customer_id == customer_id)
            .order_by(JourneyInstance.entered_at)
        )
    )


def path(db: Session, instance_id: str) -> list[Event]:
    """The instance's journey events in order: where it went, when, and why."""
    return list(
        db.scalars(
            select(Event)
            .where(Event.subject_type == "journey_instance", Event.subject_id == instance_id)
            .order_by(Event.seq)
        )
    )


def move(db: Session, instance_id: str, step: str, *, actor: Actor, reason: str) -> JourneyInstance:
    """An agent puts the instance at `step` of its version; the step then runs as usual."""
    found = instance(db, instance_id, for_update=True)
    if found.status == runner.STARTING:
        raise Conflict("the instance has not started yet", field="instance_id")
    version = db.get(JourneyVersion, found.version_id)
    assert version is not None
    journey = runner.compiled(version)
    if step not in journey.steps:
        raise InvalidInput(f"version {version.version} has no step {step!r}", field="step")
    _apply(db, found, version, core.MoveInput(step, actor.ref, reason))
    return found


def end(db: Session, instance_id: str, *, actor: Actor, reason: str) -> JourneyInstance:
    found = instance(db, instance_id, for_update=True)
    if found.status not in (core.ACTIVE, core.WAITING):
        raise Conflict(f"the instance is {found.status}", field="instance_id")
    version = db.get(JourneyVersion, found.version_id)
    assert version is not None
    _apply(db, found, version, core.EndInput(actor.ref, reason))
    return found


def _apply(db: Session, found: JourneyInstance, version: JourneyVersion, given: core.Input) -> None:
    """Feed one input to an instance on `version` and carry out what it gives."""
    now = utcnow()
    state = core.State.from_json(found.id, found.customer_id, found.state)
    running = runner.version_of(db, version.id)
    ctx = runner.context(db, found.customer_id, now)
    outcome = core.handle(running.journey, state, given, ctx)
    runner.carry_out(db, found, running, outcome.commands)
    runner.store(found, outcome.state, now)


def step_counts(db: Session, journey: Journey) -> list[dict[str, Any]]:
    """Per step of the current version: entered, completed (moved on), waiting (there now),
    dropped (exited or failed there) and converted (goal reached while there), all
    computed from the journey events in the log."""
    code = journey.code
    journey_field = Event.payload["journey"].as_string()
    step_field = Event.payload["step"].as_string()
    from_field = Event.payload["from"].as_string()
    kinds = [
        events.JOURNEY_STEP,
        events.JOURNEY_COMPLETED,
        events.JOURNEY_EXITED,
        events.JOURNEY_FAILED,
        events.JOURNEY_CONVERTED,
    ]
    rows = db.execute(
        select(Event.type, step_field, func.count())
        .where(Event.type.in_(kinds), journey_field == code)
        .group_by(Event.type, step_field)
    ).all()
    left: dict[str, int] = dict(
        db.execute(
            select(from_field, func.count())
            .where(Event.type == events.JOURNEY_STEP, journey_field == code)
            .group_by(from_field)
        ).all()
    )
    tally: Counter[tuple[str, str]] = Counter()
    for event_type, step, count in rows:
        tally[(event_type, step)] += count
    definition = runner.compiled(current_version(db, journey))
    out = []
    for step in definition.source.steps:
        entered = tally[(events.JOURNEY_STEP, step.id)]
        completed = left.get(step.id, 0) + tally[(events.JOURNEY_COMPLETED, step.id)]
        dropped = tally[(events.JOURNEY_EXITED, step.id)] + tally[(events.JOURNEY_FAILED, step.id)]
        out.append(
            {
                "step": step.id,
                "type": step.type,
                "phase": step.phase,
                "entered": entered,
                "completed": completed,
                "waiting": max(entered - completed - dropped, 0),
                "dropped": dropped,
                "converted": tally[(events.JOURNEY_CONVERTED, step.id)],
            }
        )
    return out
