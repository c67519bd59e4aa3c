"""The daily clean-up of the platform's own short-lived rows: the stored answers of
idempotent requests past `idempotency_keep_hours`, and rate-limit hits past the longest
window. Both hold personal data (answers name customers; hit keys name browser
addresses), kept no longer than they serve."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete

from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.kit.idempotency import IdempotencyRecord
from firstmile.kit.ratelimit import LONGEST_WINDOW, RateLimitHit
from firstmile.kit.settings import current as current_settings
from firstmile.kit.time import utcnow

JOB = "kit.housekeeping"


@jobs.handler(JOB)
def housekeep(db: Session, _args: dict[str, Any]) -> None:
    clean_up(db)
    schedule_next(db)


def clean_up(db: Session) -> dict[str, int]:
    """Delete what has served its time; how many rows of each kind went."""
    now = utcnow()
    answers_kept = timedelta(hours=current_settings().idempotency_keep_hours)
    answers = db.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - answers_kept)
    )
    hits = db.execute(delete(RateLimitHit).where(RateLimitHit.at < now - LONGEST_WINDOW))
    return {
        "idempotent_answers": cast(CursorResult[Any], answers).rowcount,
        "rate_limit_hits": cast(CursorResult[Any], hits).rowcount,
    }


def schedule_next(db: Session) -> jobs.Job:
    """Tomorrow's run (03:00 UTC); queued once however often asked."""
    return jobs.enqueue_tomorrow(db, JOB, after_midnight=timedelta(hours=3))
