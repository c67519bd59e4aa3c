"""A sliding-window rate limit kept in the database, so it holds across web processes.

One row per hit; a hit counts the rows of its key within the window and is refused past the
limit. Rows older than the window are deleted by the next hit of the same key, and every
row past the longest window by the daily housekeeping (kit/housekeeping.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Index, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin, Session
from firstmile.kit.errors import TooManyRequests
from firstmile.kit.time import utcnow

# No limit counts over a longer window (housekeeping deletes older hits).
LONGEST_WINDOW = timedelta(days=1)


class RateLimitHit(IdMixin, Base):
    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key_at", "key", "at"),)

    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


def hit(db: Session, key: str, *, limit: int, window_seconds: int) -> None:
    """Count one hit for `key`; TooManyRequests (with retry_after_seconds) past `limit`."""
    if timedelta(seconds=window_seconds) > LONGEST_WINDOW:
        raise ValueError(f"a rate limit's window is at most {LONGEST_WINDOW}")
    now = utcnow()
    since = now - timedelta(seconds=window_seconds)
    db.execute(delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.at < since))
    row = db.execute(
        select(func.count(), func.min(RateLimitHit.at)).where(
            RateLimitHit.key == key, RateLimitHit.at >= since
        )
    ).one()
    if row[0] >= limit:
        oldest: datetime = row[1]
        retry = int((oldest + timedelta(seconds=window_seconds) - now).total_seconds()) + 1
        raise TooManyRequests("too many requests; try again later", retry_after_seconds=retry)
    db.add(RateLimitHit(key=key[:200], at=now))
    db.flush()
