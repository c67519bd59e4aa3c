"""Background work of the kyc domain: the daily purge of document images and verification
details past their retention periods."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.kit.time import utcnow
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
    """Tomorrow's run, keyed by its date so it is queued once however often asked."""
    tomorrow = utcnow().date() + timedelta(days=1)
    run_at = datetime.combine(tomorrow, datetime.min.time(), tzinfo=utcnow().tzinfo)
    return jobs.enqueue(
        db, PURGE_JOB, {}, run_at=run_at + timedelta(hours=2), key=f"{PURGE_JOB}:{tomorrow}"
    )
