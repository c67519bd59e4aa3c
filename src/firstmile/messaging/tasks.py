"""Background work of the messaging domain."""

from __future__ import annotations

from typing import Any

from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.messaging import service


@jobs.handler(service.DELIVER_JOB)
def deliver(db: Session, args: dict[str, Any]) -> None:
    service.deliver(db, str(args["message_id"]))


@jobs.handler(service.UNREAD_JOB)
def check_unread(db: Session, args: dict[str, Any]) -> None:
    service.check_unread(db, str(args["message_id"]))
