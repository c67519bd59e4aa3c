"""Browser sessions for the portal and the back office.

The cookie carries a random secret; the database keeps its SHA-256 only, so a copy of the
table cannot be replayed as cookies. A session ends after `web_session_idle_minutes` without
a request, at `web_session_max_hours` after sign-in, or at sign-out.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from firstmile.auth.models import WebSession
from firstmile.kit.db import Session
from firstmile.kit.settings import current as current_settings
from firstmile.kit.time import utcnow

CUSTOMER = "customer"
STAFF = "staff"
_TOUCH_EVERY = timedelta(seconds=60)  # last_seen is written at most once a minute


@dataclass(frozen=True, slots=True)
class Started:
    session: WebSession
    secret: str  # goes into the cookie, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(
    db: Session, *, kind: str, subject_id: str, ip: str, user_agent: str, pending: bool = False
) -> Started:
    settings = current_settings()
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    row = WebSession(
        secret_hash=_digest(secret),
        kind=kind,
        subject_id=subject_id,
        pending=pending,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.web_session_max_hours),
        ip=ip[:64],
        user_agent=user_agent[:300],
    )
    db.add(row)
    db.flush()
    return Started(row, secret)


def resolve(db: Session, secret: str | None, *, kind: str) -> WebSession | None:
    """The live session a cookie names, or None (unknown, ended, idle too long, expired)."""
    if not secret or len(secret) > 100:
        return None
    row = db.scalar(select(WebSession).where(WebSession.secret_hash == _digest(secret)))
    if row is None or row.kind != kind or row.ended_at is not None:
        return None
    now = utcnow()
    idle = timedelta(minutes=current_settings().web_session_idle_minutes)
    if row.expires_at <= now or row.last_seen_at + idle <= now:
        return None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        row.last_seen_at = now
    return row


def promote(db: Session, row: WebSession) -> Started:
    """After the second factor: a fresh secret (no fixation) for a full session."""
    secret = secrets.token_urlsafe(32)
    row.secret_hash = _digest(secret)
    row.pending = False
    row.last_seen_at = utcnow()
    db.flush()
    return Started(row, secret)


def end(db: Session, row: WebSession) -> None:
    row.ended_at = utcnow()
    db.flush()


def end_all(db: Session, *, kind: str, subject_id: str) -> None:
    db.execute(
        update(WebSession)
        .where(
            WebSession.kind == kind,
            WebSession.subject_id == subject_id,
            WebSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
    )
