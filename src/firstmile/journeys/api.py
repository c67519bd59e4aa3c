"""Journeys through the API: definitions and versions, publish, pause and resume, instances
and their paths, an agent's move or end, per-step counts and the graph to draw."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from firstmile.journeys import definition as definitions
from firstmile.journeys import runner, service
from firstmile.journeys.models import Journey, JourneyInstance, JourneyVersion
from firstmile.kit.errors import InvalidInput
from firstmile.kit.http import AdminActor, AgentActor, Db, TxRoute
from firstmile.packs import loader as packs

router = APIRouter(prefix="/api", tags=["journeys"], route_class=TxRoute)
Limit = Annotated[int, Query(ge=1, le=1000)]


class JourneyRead(BaseModel):
    code: str
    name: str
    current_version: int
    paused: bool


class VersionRead(BaseModel):
    version: int
    published_at: datetime
    published_by: str
    digest: str


class VersionDetail(VersionRead):
    definition: dict[str, Any]
    graph: dict[str, Any]


class StepCount(BaseModel):
    step: str
    type: str
    phase: str
    entered: int
    completed: int
    waiting: int
    dropped: int
    converted: int


class GraphRead(BaseModel):
    journey: str
    version: int
    start: str
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    definition: definitions.JourneyFile
    migrate: dict[str, str] = Field(
        default_factory=dict,
        description="old step -> new step: waiting instances there move onto the new version",
    )


class PublishResult(BaseModel):
    journey: str
    version: int
    migrated: int


class InstanceRead(BaseModel):
    id: str
    journey: str
    version: int
    customer_id: str
    status: str
    step: str
    entered_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    due_at: datetime | None
    waiting_for: str | None
    attributes: dict[str, Any]
    variants: dict[str, str]
    converted_at: str | None
    outcome: str | None
    error: str | None


class PathEntry(BaseModel):
    type: str
    step: str | None
    at: datetime
    actor: str
    detail: dict[str, Any]


class InstanceDetail(InstanceRead):
    path: list[PathEntry]


class MoveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: str = Field(min_length=1, max_length=60)
    reason: str = Field(min_length=1, max_length=500)


class EndRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


def _journey(j: Journey) -> JourneyRead:
    return JourneyRead(code=j.code, name=j.name, current_version=j.current_version, paused=j.paused)


def _version(v: JourneyVersion) -> VersionRead:
    return VersionRead(
        version=v.version, published_at=v.published_at, published_by=v.published_by, digest=v.digest
    )


def _instance(db: Db, i: JourneyInstance) -> InstanceRead:
    journey = db.get(Journey, i.journey_id)
    version = db.get(JourneyVersion, i.version_id)
    assert journey is not None
    assert version is not None
    state = i.state or {}
    return InstanceRead(
        id=i.id,
        journey=journey.code,
        version=version.version,
        customer_id=i.customer_id,
        status=i.status,
        step=i.step,
        entered_at=i.entered_at,
        updated_at=i.updated_at,
        ended_at=i.ended_at,
        due_at=i.due_at,
        waiting_for=state.get("waiting_for"),
        attributes=state.get("attributes") or {},
        variants=state.get("variants") or {},
        converted_at=state.get("converted_at"),
        outcome=state.get("outcome"),
        error=i.last_error or state.get("error"),
    )


@router.get("/journeys/schema", summary="The JSON Schema of a journey definition")
def schema() -> dict[str, Any]:
    return definitions.json_schema()


@router.get("/journeys", summary="The journeys of the pack in force")
def list_journeys(db: Db, _actor: AgentActor) -> list[JourneyRead]:
    return [_journey(j) for j in service.journeys(db)]


@router.get("/journeys/{code}/versions", summary="A journey's published versions")
def list_versions(code: str, db: Db, _actor: AgentActor) -> list[VersionRead]:
    return [_version(v) for v in service.versions(db, service.get(db, code))]


@router.get("/journeys/{code}/versions/{number}", summary="One version's definition and graph")
def get_version(code: str, number: int, db: Db, _actor: AgentActor) -> VersionDetail:
    version = service.version(db, service.get(db, code), number)
    return VersionDetail(
        **_version(version).model_dump(),
        definition=version.definition,
        graph=runner.compiled(version).graph(),
    )


@router.post(
    "/journeys/{code}/versions",
    status_code=201,
    summary="Publish a new version (optionally moving waiting instances onto it)",
)
def publish(code: str, body: PublishRequest, db: Db, actor: AdminActor) -> PublishResult:
    if body.definition.code != code:
        raise InvalidInput("must match the journey code in the path", field="definition.code")
    pack = packs.current_meta(db).code
    journey, version, migrated = service.publish(
        db, pack, body.definition, actor=actor, migrate=body.migrate or None
    )
    return PublishResult(journey=journey.code, version=version.version, migrated=migrated)


@router.post("/journeys/{code}/pause", summary="Stop starting instances and running steps")
def pause(code: str, db: Db, actor: AdminActor) -> JourneyRead:
    return _journey(service.set_paused(db, code, True, actor=actor))


@router.post("/journeys/{code}/resume", summary="Run a paused journey again")
def resume(code: str, db: Db, actor: AdminActor) -> JourneyRead:
    return _journey(service.set_paused(db, code, False, actor=actor))


@router.get("/journeys/{code}/steps", summary="Per-step counts, from the event log")
def step_counts(code: str, db: Db, _actor: AgentActor) -> list[StepCount]:
    return [StepCount(**row) for row in service.step_counts(db, service.get(db, code))]


@router.get("/journeys/{code}/graph", summary="The current version's steps and paths")
def graph(code: str, db: Db, _actor: AgentActor) -> GraphRead:
    journey = service.get(db, code)
    version = service.current_version(db, journey)
    drawn = runner.compiled(version).graph()
    return GraphRead(journey=journey.code, version=version.version, **drawn)


@router.get("/journeys/{code}/instances", summary="A journey's instances, newest first")
def list_instances(
    code: str,
    db: Db,
    _actor: AgentActor,
    status: Annotated[str | None, Query(max_length=16)] = None,
    step: Annotated[str | None, Query(max_length=60)] = None,
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Limit = 100,
) -> list[InstanceRead]:
    journey = service.get(db, code)
    found = service.instances(
        db, journey, status=status, step=step, customer_id=customer_id, limit=limit
    )
    return [_instance(db, i) for i in found]


@router.get("/journey-instances/{instance_id}", summary="One instance and its path")
def get_instance(instance_id: str, db: Db, _actor: AgentActor) -> InstanceDetail:
    found = service.instance(db, instance_id)
    path = [
        PathEntry(
            type=e.type,
            step=(e.payload or {}).get("step"),
            at=e.occurred_at,
            actor=e.actor,
            detail={k: v for k, v in (e.payload or {}).items() if k not in ("journey", "step")},
        )
        for e in service.path(db, instance_id)
    ]
    return InstanceDetail(**_instance(db, found).model_dump(), path=path)


@router.post("/journey-instances/{instance_id}/move", summary="Move an instance to a step")
def move(instance_id: str, body: MoveRequest, db: Db, actor: AgentActor) -> InstanceRead:
    return _instance(db, service.move(db, instance_id, body.step, actor=actor, reason=body.reason))


@router.post("/journey-instances/{instance_id}/end", summary="End an instance by hand")
def end(instance_id: str, body: EndRequest, db: Db, actor: AgentActor) -> InstanceRead:
    return _instance(db, service.end(db, instance_id, actor=actor, reason=body.reason))


@router.get(
    "/customers/{customer_id}/journeys", summary="Where each of a customer's journeys stands"
)
def customer_journeys(customer_id: str, db: Db, _actor: AgentActor) -> list[InstanceRead]:
    return [_instance(db, i) for i in service.instances_of_customer(db, customer_id)]
