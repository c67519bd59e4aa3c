"""Segments and their members (agents read; admins start a full recount)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from firstmile.kit.http import AdminActor, AgentActor, Db, TxRoute
from firstmile.messaging.segments import service

router = APIRouter(prefix="/api", tags=["segments"], route_class=TxRoute)
Limit = Annotated[int, Query(ge=1, le=1000)]


class SegmentRead(BaseModel):
    code: str
    name: str
    description: str
    condition: str
    version: int
    members: int


class MemberRead(BaseModel):
    customer_id: str
    entered_at: datetime


class RecountQueued(BaseModel):
    segment: str
    version: int
    job_id: str


@router.get("/segments", summary="The segments of the pack in force, with member counts")
def list_segments(db: Db, _actor: AgentActor) -> list[SegmentRead]:
    counts = service.member_counts(db)
    return [
        SegmentRead(
            code=s.code,
            name=s.name,
            description=s.description,
            condition=s.condition,
            version=s.version,
            members=counts.get(s.id, 0),
        )
        for s in service.active(db)
    ]


@router.get("/segments/{code}/members", summary="A segment's members, newest first")
def list_members(code: str, db: Db, _actor: AgentActor, limit: Limit = 100) -> list[MemberRead]:
    return [
        MemberRead(customer_id=m.customer_id, entered_at=m.entered_at)
        for m in service.members(db, code, limit=limit)
    ]


@router.post(
    "/segments/{code}/recount",
    status_code=202,
    summary="Evaluate every customer again (in batches, in the background)",
)
def recount(code: str, db: Db, _actor: AdminActor) -> RecountQueued:
    segment = service.get(db, code)
    job = service.queue_recount(db, segment)
    return RecountQueued(segment=segment.code, version=segment.version, job_id=job.id)


@router.get("/customers/{customer_id}/segments", summary="The segments a customer is in")
def customer_segments(customer_id: str, db: Db, _actor: AgentActor) -> list[str]:
    return service.segments_of(db, customer_id)
