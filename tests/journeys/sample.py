"""A journey that uses every kind of step, for the core's tests (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from firstmile.journeys import core
from firstmile.journeys.definition import Journey, JourneyFile, compile_journey

SAMPLE: dict[str, Any] = {
    "code": "sample",
    "name": "Sample onboarding",
    "trigger": {"event": "order.placed", "reentry": {"after_days": 30}},
    "goal": {"event": "service.activated", "within": "14d"},
    "exit": [
        {"event": "order.cancelled"},
        {"condition": 'customer.status == "closed"'},
    ],
    "start": "welcome",
    "steps": [
        {
            "id": "welcome",
            "phase": "activation",
            "type": "message",
            "purpose": "welcome",
            "data": {"order_id": "trigger.payload.order_id"},
            "next": "split",
        },
        {
            "id": "split",
            "phase": "activation",
            "type": "split",
            "variants": [
                {"name": "nudge", "weight": 90, "next": "wait_sign"},
                {"name": "holdout", "weight": 10, "next": "wait_sign", "holdout": True},
            ],
        },
        {
            "id": "wait_sign",
            "phase": "activation",
            "type": "wait_event",
            "event": "contract.signed",
            "match": "event.payload.order_id == trigger.payload.order_id",
            "timeout": "24h",
            "on_event": "signed",
            "on_timeout": "is_holdout",
        },
        {
            "id": "is_holdout",
            "phase": "activation",
            "type": "branch",
            "cases": [{"when": 'journey.variants.split == "holdout"', "next": "wait_sign"}],
            "otherwise": "nudge_sign",
        },
        {
            "id": "nudge_sign",
            "phase": "activation",
            "type": "message",
            "purpose": "contract_reminder",
            "next": "wait_sign",
        },
        {
            "id": "signed",
            "phase": "activation",
            "type": "set",
            "attribute": "signed",
            "value": "true",
            "next": "billing",
        },
        {
            "id": "billing",
            "phase": "activation",
            "type": "action",
            "action": "billing.set_up",
            "args": {"order_id": "trigger.payload.order_id"},
            "next": "morning",
        },
        {"id": "morning", "phase": "usage", "type": "wait", "until": "09:00", "next": "check_in"},
        {
            "id": "check_in",
            "phase": "usage",
            "type": "webhook",
            "endpoint": "crm",
            "payload": {"step": '"check_in"'},
            "next": "joined",
        },
        {"id": "joined", "phase": "usage", "type": "merge", "next": "day3"},
        {"id": "day3", "phase": "loyalty", "type": "wait", "duration": "3d", "next": "done"},
        {"id": "done", "phase": "loyalty", "type": "end", "outcome": "onboarded"},
    ],
}

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def journey(data: dict[str, Any] | None = None) -> Journey:
    return compile_journey(JourneyFile.model_validate(data or SAMPLE))


def ctx(now: datetime = T0, *, status: str = "active", zone: str = "Europe/Prague") -> core.Context:
    return core.Context(
        now=now,
        customer=lambda: {"status": status, "kind": "individual"},
        count=lambda event_type, window=None: 0,
        time_zone=lambda: zone,
    )


def event(event_type: str, order_id: str = "o1", **payload: Any) -> dict[str, Any]:
    return {
        "id": f"e-{event_type}",
        "type": event_type,
        "payload": {"order_id": order_id, **payload},
        "occurred_at": T0.isoformat(),
    }


def started(customer_id: str = "c1", now: datetime = T0) -> core.Outcome:
    return core.start(
        journey(),
        instance_id="i1",
        customer_id=customer_id,
        trigger=event("order.placed"),
        ctx=ctx(now),
    )


def later(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)
