"""The TMF641 notification listener: what a standard network reports about a service order
(ServiceOrderStateChangeEvent, ServiceOrderAttributeValueChangeEvent), taken in as the
network reports firstmile already knows (`network.service_order_completed` / `..._failed`)
through the event log's one ingestion path: once per `eventId` (a repeat changes nothing),
and handled by the same report rules (service/reports.py) as `POST /api/events`.

The event's ServiceOrder is found by its `externalId`, firstmile's service order id sent with
the order. `completed` is the completion report, with the characteristics of the order's
services as identifiers (less those firstmile sent: its options and secrets); `failed` and
`rejected` are a permanent failure with the network's errorMessage; other states change
nothing. The submission attempt comes back in the order's externalReference; without it, an
event about another network order than the current submission's is ignored as stale.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from firstmile.eventlog import service as eventlog_service
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.provisioning import events
from firstmile.provisioning import repository as repo
from firstmile.provisioning.adapters.tmf641 import (
    ATTEMPT_REFERENCE,
    MAX_REF_LENGTH,
    PRIVATE_CHARACTERISTICS,
    network_reason,
)
from firstmile.provisioning.models import ServiceOrder

SOURCE = "tmf641"
FAILED_STATES = frozenset({"failed", "rejected"})
ServiceOrderState = Literal[
    "acknowledged",
    "rejected",
    "pending",
    "held",
    "inProgress",
    "cancelled",
    "completed",
    "failed",
    "partial",
    "assessingCancellation",
    "pendingCancellation",
]
ListenerOutcome = Literal["recorded", "repeated", "ignored"]
_ATTEMPT = re.compile(r"[0-9]{1,9}")


class _Tmf(BaseModel):
    model_config = ConfigDict(populate_by_name=True)  # fields not read here are ignored


class Characteristic(_Tmf):
    name: str = Field(min_length=1, max_length=120)
    value: Any = None


class ReportedService(_Tmf):
    characteristics: list[Characteristic] = Field(
        default_factory=list, alias="serviceCharacteristic"
    )


class ReportedItem(_Tmf):
    service: ReportedService | None = None


class Reference(_Tmf):
    name: str = Field(max_length=200)
    reference_type: str | None = Field(default=None, alias="externalReferenceType")


class ReportedOrder(_Tmf):
    """The TMF641 ServiceOrder an event carries (the fields firstmile reads)."""

    id: str = Field(min_length=1, max_length=MAX_REF_LENGTH)
    external_id: str = Field(alias="externalId", min_length=1, max_length=36)
    state: ServiceOrderState
    error_message: list[dict[str, Any]] | dict[str, Any] | None = Field(
        default=None, alias="errorMessage"
    )
    external_reference: list[Reference] = Field(default_factory=list, alias="externalReference")
    items: list[ReportedItem] = Field(default_factory=list, alias="serviceOrderItem")


class ReportedPayload(_Tmf):
    service_order: ReportedOrder = Field(alias="serviceOrder")


class ServiceOrderNotification(_Tmf):
    """A TMF641 ServiceOrderStateChangeEvent or ServiceOrderAttributeValueChangeEvent."""

    event_id: str = Field(alias="eventId", min_length=1, max_length=200)
    event_time: AwareDatetime | None = Field(default=None, alias="eventTime")
    event_type: Literal["ServiceOrderStateChangeEvent", "ServiceOrderAttributeValueChangeEvent"] = (
        Field(alias="eventType")
    )
    event: ReportedPayload


class ListenerResult(BaseModel):
    event_id: str
    service_order_id: str
    outcome: ListenerOutcome
    detail: str = ""


def receive(db: Session, notification: ServiceOrderNotification, *, actor: str) -> ListenerResult:
    """Record the notification as a network report, once per eventId; unknown order: 404."""
    reported = notification.event.service_order
    so = repo.service_order(db, reported.external_id)
    if so is None:
        raise NotFound("service order", reported.external_id)

    def answer(outcome: ListenerOutcome, detail: str = "") -> ListenerResult:
        return ListenerResult(
            event_id=notification.event_id, service_order_id=so.id, outcome=outcome, detail=detail
        )

    report = _report(so, reported)
    if report is None:
        return answer("ignored", f"state {reported.state} changes nothing")
    event_type, payload = report
    attempt = _attempt(reported)
    if attempt is None and so.external_ref and so.external_ref != reported.id:
        return answer("ignored", f"network order {reported.id} is not the current submission")
    if attempt is not None:
        payload["attempt"] = attempt
    created = _ingest(db, notification, so, event_type, payload, actor=actor)
    return answer("recorded" if created else "repeated")


def _report(so: ServiceOrder, reported: ReportedOrder) -> tuple[str, dict[str, Any]] | None:
    """The firstmile network report a state stands for, or None when it stands for none."""
    base: dict[str, Any] = {"service_order_id": so.id}
    if reported.state == "completed":
        identifiers = reported_identifiers(reported, sent=so.data.keys())
        return events.NETWORK_SERVICE_ORDER_COMPLETED, {**base, "identifiers": identifiers}
    if reported.state in FAILED_STATES:
        reason = network_reason({"errorMessage": reported.error_message})
        message = f"network {reported.state} the order {reported.id}: {reason}"
        failure = {"error_kind": "permanent", "message": message}
        return events.NETWORK_SERVICE_ORDER_FAILED, {**base, **failure}
    return None


def reported_identifiers(reported: ReportedOrder, *, sent: Collection[str]) -> dict[str, Any]:
    """What the network assigned: its services' characteristics that firstmile did not send."""
    return {
        c.name: c.value
        for item in reported.items
        if item.service is not None
        for c in item.service.characteristics
        if c.name not in sent and c.name not in PRIVATE_CHARACTERISTICS
    }


def _attempt(reported: ReportedOrder) -> int | None:
    for ref in reported.external_reference:
        if ref.reference_type == ATTEMPT_REFERENCE and _ATTEMPT.fullmatch(ref.name):
            return int(ref.name)
    return None


def _ingest(
    db: Session,
    notification: ServiceOrderNotification,
    so: ServiceOrder,
    event_type: str,
    payload: dict[str, Any],
    *,
    actor: str,
) -> bool:
    occurred_at: datetime | None = notification.event_time
    try:
        _event, created = eventlog_service.ingest(
            db,
            event_type=event_type,
            source=SOURCE,
            idempotency_key=notification.event_id,
            actor=actor,
            customer_id=so.customer_id,
            subject_id=so.id,
            payload=payload,
            occurred_at=occurred_at,
        )
    except InvalidInput as exc:
        if exc.field == "idempotency_key":  # the same eventId for another event
            raise InvalidInput(exc.message, field="eventId") from None
        raise
    return created
