"""Messages to a customer (agents) and the simulator's outbox (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from firstmile.kit.errors import InvalidInput
from firstmile.kit.http import AdminActor, AgentActor, AnyActor, Db, IntegrationActor, TxRoute
from firstmile.kit.settings import current as current_settings
from firstmile.messaging import delivery, push, service, templates
from firstmile.messaging.channels.email import bounces
from firstmile.messaging.channels.push import vapid
from firstmile.messaging.channels.sms import receipts
from firstmile.messaging.schemas import (
    GatewayReceipt,
    InboxItemRead,
    InboxRead,
    MessageList,
    MessageRead,
    MessageRequest,
    OutboxRead,
    PreviewRead,
    PreviewRequest,
    PushKey,
    PushSubscriptionCreate,
    PushSubscriptionRead,
    TemplateList,
    TemplateRead,
    TemplateSummary,
)

router = APIRouter(prefix="/api", tags=["messaging"], route_class=TxRoute)

CustomerId = Annotated[str, Query(min_length=1, max_length=36, description="The customer's id")]
Limit = Annotated[int, Query(ge=1, le=500)]
Purpose = Annotated[str, Path(min_length=1, max_length=60, description="The template's purpose")]


@router.get("/messages", summary="Messages sent or queued for a customer, newest first")
def list_messages(
    customer_id: CustomerId, db: Db, _actor: AgentActor, limit: Limit = 100
) -> MessageList:
    messages = service.messages_of(db, customer_id, limit=limit)
    return MessageList(messages=[MessageRead.of(m) for m in messages])


@router.post(
    "/messages",
    status_code=201,
    summary="Request a message from a pack template; routing picks the channel",
)
def request_message(body: MessageRequest, db: Db, actor: AnyActor) -> MessageRead:
    """The customer's preferred channels first, skipping those without consent, without an
    address or over their frequency cap (each skip is listed with its reason); the others
    are fallbacks. Not urgent: held until the customer's quiet hours end. A repeated
    `idempotency_key` returns the first message and sends nothing again."""
    message = service.send(
        db,
        customer_id=body.customer_id,
        purpose=body.purpose,
        data=body.data,
        idempotency_key=body.idempotency_key,
        actor=actor,
        channel=body.channel,
    )
    return MessageRead.of(message)


@router.get("/messages/{message_id}", summary="One message and its delivery state")
def read_message(message_id: str, db: Db, _actor: AgentActor) -> MessageRead:
    return MessageRead.of(service.get_message(db, message_id))


@router.get("/customers/{customer_id}/inbox", summary="The customer's in-app inbox, newest first")
def read_inbox(customer_id: str, db: Db, _actor: AnyActor, limit: Limit = 100) -> InboxRead:
    items = service.inbox_of(db, customer_id, limit=limit)
    return InboxRead(
        items=[InboxItemRead.model_validate(i) for i in items],
        unread=sum(1 for i in items if i.read_at is None),
    )


@router.post(
    "/customers/{customer_id}/inbox/{item_id}/read",
    summary="Read receipt: the customer opened an inbox message",
)
def mark_read(customer_id: str, item_id: str, db: Db, actor: AnyActor) -> InboxItemRead:
    return InboxItemRead.model_validate(delivery.mark_read(db, customer_id, item_id, actor=actor))


@router.post(
    "/messaging/callbacks/http-gateway",
    summary="Delivery receipts from the HTTP SMS gateway (its reference and state)",
)
def http_gateway_receipt(body: GatewayReceipt, db: Db, _actor: IntegrationActor) -> MessageRead:
    """Give the gateway an integration token. States: delivered/DELIVRD, failed/UNDELIV,
    EXPIRED, REJECTD, DELETED (final); ENROUTE, ACCEPTD, UNKNOWN, buffered (no change).
    A repeated receipt changes nothing."""
    try:
        state = receipts.state_of(body.status)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="status") from None
    message = delivery.record_receipt(
        db,
        adapter="http_gateway",
        reference=body.reference,
        state=state,
        detail=f"{body.status}: {body.error}" if body.error else body.status,
    )
    return MessageRead.of(message)


@router.get("/messaging/push/key", summary="The VAPID public key browsers subscribe with")
def push_key(_actor: AnyActor) -> PushKey:
    return PushKey(application_server_key=vapid.application_server_key(current_settings()))


@router.post(
    "/customers/{customer_id}/push-subscriptions",
    status_code=201,
    summary="Register a browser's or app's Web Push subscription",
)
def add_push_subscription(
    customer_id: str, body: PushSubscriptionCreate, db: Db, actor: AnyActor
) -> PushSubscriptionRead:
    row = push.subscribe(
        db,
        customer_id,
        endpoint=body.endpoint,
        p256dh=body.keys.p256dh,
        auth=body.keys.auth,
        user_agent=body.user_agent,
        actor=actor,
    )
    return PushSubscriptionRead.model_validate(row)


@router.get("/customers/{customer_id}/push-subscriptions", summary="A customer's subscriptions")
def list_push_subscriptions(
    customer_id: str, db: Db, _actor: AnyActor
) -> list[PushSubscriptionRead]:
    return [PushSubscriptionRead.model_validate(r) for r in push.subscriptions_of(db, customer_id)]


@router.delete(
    "/customers/{customer_id}/push-subscriptions/{subscription_id}",
    summary="Remove a subscription (the browser unsubscribed)",
)
def remove_push_subscription(
    customer_id: str, subscription_id: str, db: Db, actor: AnyActor
) -> PushSubscriptionRead:
    row = push.unsubscribe(db, customer_id, subscription_id, actor=actor)
    return PushSubscriptionRead.model_validate(row)


@router.post(
    "/messaging/callbacks/smtp-bounce",
    summary="A bounce (an RFC 3464 delivery status notification) about mail sent over SMTP",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def smtp_bounce(request: Request, db: Db, _actor: IntegrationActor) -> list[MessageRead]:
    """Post the DSN as it arrived (the whole multipart/report; any content type, e.g.
    message/rfc822). Action `failed` marks the message bounced and sends its next
    channel; `delivered` marks it delivered."""
    raw = await request.body()
    try:
        found = bounces.parse(raw)
    except bounces.NotADsn as exc:
        raise InvalidInput(str(exc), field="body") from None
    return await run_in_threadpool(_apply_bounces, db, found)


def _apply_bounces(db: Db, found: list[bounces.Bounce]) -> list[MessageRead]:
    out = []
    for bounce in found:
        message = delivery.record_receipt(
            db,
            adapter="smtp",
            reference=bounce.message_id,
            state=bounce.state,
            detail=f"{bounce.status} {bounce.diagnostic}".strip(),
        )
        out.append(MessageRead.of(message))
    return out


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


@router.get("/messaging/templates", summary="The message templates in force (current pack)")
def list_templates(db: Db, _actor: AgentActor) -> TemplateList:
    return TemplateList(templates=[TemplateSummary.of(t) for t in templates.current_templates(db)])


@router.get("/messaging/templates/{purpose}", summary="A template's current version, every text")
def read_template(purpose: Purpose, db: Db, _actor: AgentActor) -> TemplateRead:
    return TemplateRead.of(templates.current(db, purpose))


@router.get(
    "/messaging/templates/{purpose}/versions",
    summary="Every version of a template, newest first (a pack load adds one when it changed)",
)
def template_versions(purpose: Purpose, db: Db, _actor: AgentActor) -> list[TemplateRead]:
    return [TemplateRead.of(row) for row in templates.versions(db, purpose)]


@router.post(
    "/messaging/templates/{purpose}/preview",
    summary="Render a template for one channel and locale, with sample or given data",
)
def preview_template(
    purpose: Purpose, body: PreviewRequest, db: Db, _actor: AgentActor
) -> PreviewRead:
    """An SMS preview adds the encoding (GSM-7 or UCS-2), the segments and their cost."""
    return PreviewRead.model_validate(
        templates.preview(
            db,
            purpose,
            channel=body.channel,
            locale=body.locale,
            data=body.data,
            number=body.version,
        )
    )
