from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from firstmile.customers import repository as customers_repo
from firstmile.eventlog import service
from firstmile.eventlog.schemas import EventIngest, EventRead, IngestResult, Timeline
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.kit.http import AnyActor, Db, IntegrationActor, TxRoute

router = APIRouter(prefix="/api", tags=["events"], route_class=TxRoute)


@router.post(
    "/events",
    response_model=IngestResult,
    status_code=201,
    responses={200: {"model": IngestResult, "description": "Already recorded"}},
)
def ingest_event(
    body: EventIngest, db: Db, actor: IntegrationActor, response: Response
) -> IngestResult:
    """Record an external event once per (source, idempotency_key); a repeat answers 200."""
    if body.occurred_at is not None and body.occurred_at.tzinfo is None:
        raise InvalidInput("must include a time zone offset", field="occurred_at")
    if body.customer_id is not None and customers_repo.find(db, body.customer_id) is None:
        raise NotFound("customer", body.customer_id)
    event, created = service.ingest(
        db,
        event_type=body.type,
        source=body.source,
        idempotency_key=body.idempotency_key,
        actor=actor.ref,
        customer_id=body.customer_id,
        subject_id=body.subject_id,
        payload=body.payload,
        occurred_at=body.occurred_at,
    )
    if not created:
        response.status_code = 200
    return IngestResult(event=EventRead.model_validate(event), created=created)


@router.get("/customers/{customer_id}/timeline", response_model=Timeline)
def customer_timeline(
    customer_id: str,
    db: Db,
    _actor: AnyActor,
    after_seq: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Timeline:
    """The customer's events in order (customer 360), paged by `after_seq`."""
    if customers_repo.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    events = service.timeline(db, customer_id, after_seq=after_seq, limit=limit)
    return Timeline(
        customer_id=customer_id,
        events=[EventRead.model_validate(e) for e in events],
        next_after_seq=events[-1].seq if len(events) == limit else None,
    )
