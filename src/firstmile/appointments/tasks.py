"""The daily job that keeps every calendar's slots generated up to its horizon."""

from __future__ import annotations

from typing import Any

from firstmile.appointments import service
from firstmile.auth.scopes import SYSTEM
from firstmile.kit import jobs
from firstmile.kit.db import Session


@jobs.handler(service.EXTEND_JOB)
def extend_slots(db: Session, args: dict[str, Any]) -> None:
    """Extend the horizon by a day and enqueue tomorrow's run (keyed by date: never doubled)."""
    days = args.get("days")
    service.extend_slots(db, actor=SYSTEM, days=int(days) if days is not None else None)
    service.schedule_next_extension(db)
