"""Background work of the kyc domain: the daily purge of document images and verification
details past their retention periods."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.kyc import service

PURGE_JOB = "kyc.documents_purge"


@jobs.handler(service.SLA_JOB)
def review_sla(db: Session, args: dict[str, Any]) -> None:
    service.check_sla(db, str(args["verification_id"]))


@jobs.handler(PURGE_JOB)
def purge(db: Session, args: dict[str, Any]) -> None:
    while service.purge_documents(db) == 500:
        pass
    while service.purge_details(db) == 500:
        pass
    schedule_next_purge(db)


def schedule_next_purge(db: Session) -> jobs.Job:
    """Tomorrow's run (02:00 UTC)."""
    return jobs.enqueue_tomorrow(db, PURGE_JOB, after_midnight=timedelta(hours=2))
