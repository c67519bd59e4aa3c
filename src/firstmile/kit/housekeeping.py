"""The daily clean-up of short-lived rows: the stored answers of idempotent requests past
`idempotency_keep_hours`, rate-limit hits past the longest window, and what domains
register with `@cleaner` (the auth domain: browser sessions long over). Each holds personal
data (answers name customers; hit keys and sessions name browser addresses), kept no
longer than it serves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete

from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.kit.idempotency import IdempotencyRecord
from firstmile.kit.ratelimit import LONGEST_WINDOW, RateLimitHit
from firstmile.kit.settings import current as current_settings
from firstmile.kit.time import utcnow

JOB = "kit.housekeeping"

# name -> delete what has served its time, as of `now`; how many rows went
Cleaner = Callable[[Session, datetime], int]
_CLEANERS: dict[str, Cleaner] = {}


def cleaner(name: str) -> Callable[[Cleaner], Cleaner]:
    """Register a domain's clean-up (run in the daily job's transaction)."""

    def register(fn: Cleaner) -> Cleaner:
        _CLEANERS[name] = fn
        return fn

    return register


@jobs.handler(JOB)
def housekeep(db: Session, _args: dict[str, Any]) -> None:
    clean_up(db)
    schedule_next(db)


def clean_up(db: Session) -> dict[str, int]:
    """Delete what has served its time; how many rows of each kind went."""
    now = utcnow()
    return {name: clean(db, now) for name, clean in sorted(_CLEANERS.items())}


@cleaner("idempotent_answers")
def _forget_answers(db: Session, now: datetime) -> int:
    kept = timedelta(hours=current_settings().idempotency_keep_hours)
    gone = db.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - kept))
    return cast(CursorResult[Any], gone).rowcount


@cleaner("rate_limit_hits")
def _forget_hits(db: Session, now: datetime) -> int:
    gone = db.execute(delete(RateLimitHit).where(RateLimitHit.at < now - LONGEST_WINDOW))
    return cast(CursorResult[Any], gone).rowcount


def schedule_next(db: Session) -> jobs.Job:
    """Tomorrow's run (03:00 UTC); queued once however often asked."""
    return jobs.enqueue_tomorrow(db, JOB, after_midnight=timedelta(hours=3))
