"""Messages to a customer (agents) and the simulator's outbox (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from firstmile.kit.http import AdminActor, AgentActor, Db, TxRoute
from firstmile.messaging import service
from firstmile.messaging.schemas import MessageList, MessageRead, OutboxRead

router = APIRouter(prefix="/api", tags=["messaging"], route_class=TxRoute)

CustomerId = Annotated[str, Query(min_length=1, max_length=36, description="The customer's id")]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/messages", summary="Messages sent or queued for a customer, newest first")
def list_messages(
    customer_id: CustomerId, db: Db, _actor: AgentActor, limit: Limit = 100
) -> MessageList:
    messages = service.messages_of(db, customer_id, limit=limit)
    return MessageList(messages=[MessageRead.of(m) for m in messages])


@router.get("/messages/{message_id}", summary="One message and its delivery state")
def read_message(message_id: str, db: Db, _actor: AgentActor) -> MessageRead:
    return MessageRead.of(service.get_message(db, message_id))


@router.get(
    "/messaging/simulator/outbox",
    summary="What the simulator channel delivered to a customer (demo and tests; admin only)",
)
def simulator_outbox(
    customer_id: CustomerId, db: Db, _actor: AdminActor, limit: Limit = 100
) -> OutboxRead:
    return OutboxRead.model_validate(
        {"deliveries": service.simulated_deliveries(db, customer_id, limit=limit)},
        from_attributes=True,
    )
