"""Background work of the auth domain: browser sessions long over leave the database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete

from firstmile.auth.models import WebSession
from firstmile.kit import housekeeping
from firstmile.kit.db import Session
from firstmile.kit.settings import current as current_settings


@housekeeping.cleaner("web_sessions")
def forget_old_sessions(db: Session, now: datetime) -> int:
    """Sessions not used for `web_session_keep_days` (they ended long before: the idle limit
    is at most a day) go, with the browser address and user agent they kept."""
    kept = timedelta(days=current_settings().web_session_keep_days)
    gone = db.execute(delete(WebSession).where(WebSession.last_seen_at < now - kept))
    return cast(CursorResult[Any], gone).rowcount
