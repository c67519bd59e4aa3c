"""Where each of a customer's journey instances stands, for the customer page: the journey,
its version's steps (a supervisor may move the instance to one), and the path so far."""

from __future__ import annotations

from typing import Any

from firstmile.journeys import core, runner
from firstmile.journeys import service as journeys_service
from firstmile.journeys.models import Journey, JourneyVersion
from firstmile.kit.db import Session

LIVE = (core.ACTIVE, core.WAITING)


def _versions(db: Session, journeys: list[Journey]) -> dict[str, tuple[Journey, JourneyVersion]]:
    return {
        version.id: (journey, version)
        for journey in journeys
        for version in journeys_service.versions(db, journey)
    }


def journeys_of(db: Session, customer_id: str) -> list[dict[str, Any]]:
    """One entry per instance, oldest first. An instance of a journey the pack no longer
    has shows where it stands, without steps to move it to."""
    instances = journeys_service.instances_of_customer(db, customer_id)
    if not instances:
        return []
    known = _versions(db, journeys_service.journeys(db))
    out = []
    for instance in instances:
        journey, version = known.get(instance.version_id, (None, None))
        steps = runner.compiled(version).graph()["nodes"] if version is not None else []
        path = [
            {
                "type": event.type,
                "step": (event.payload or {}).get("step"),
                "reason": (event.payload or {}).get("reason"),
                "at": event.occurred_at,
                "actor": event.actor,
            }
            for event in journeys_service.path(db, instance.id)
        ]
        out.append(
            {
                "instance": instance,
                "journey": journey,
                "version": version.version if version is not None else None,
                "steps": steps,
                "names": {node["id"]: node["name"] for node in steps},
                "path": path,
                "live": instance.status in LIVE,
            }
        )
    return out
