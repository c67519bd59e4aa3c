"""The daily clean-up of idempotent answers and rate-limit hits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from firstmile import worker
from firstmile.kit import housekeeping, ratelimit
from firstmile.kit import time as clock
from firstmile.kit.idempotency import IdempotencyRecord
from firstmile.kit.jobs import Job
from firstmile.kit.ratelimit import RateLimitHit


def _answer(key: str) -> IdempotencyRecord:
    return IdempotencyRecord(
        actor="token:t",
        key=key,
        request_hash="h",
        status_code=201,
        body=b'{"given_name": "Eva"}',
        media_type="application/json",
    )


def _count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_answers_and_hits_go_once_they_have_served(db: Session) -> None:
    db.add(_answer("old"))
    ratelimit.hit(db, "portal-login:10.0.0.1", limit=5, window_seconds=3600)
    db.flush()
    clock.travel(timedelta(hours=71))
    db.add(_answer("recent"))
    ratelimit.hit(db, "portal-login:10.0.0.2", limit=5, window_seconds=3600)
    db.flush()
    clock.travel(timedelta(hours=2))  # "old" is 73 hours old, "recent" 2 hours
    done = housekeeping.clean_up(db)
    assert (done["idempotent_answers"], done["rate_limit_hits"]) == (1, 1)
    assert list(db.scalars(select(IdempotencyRecord.key))) == ["recent"]
    assert list(db.scalars(select(RateLimitHit.key))) == ["portal-login:10.0.0.2"]


def test_no_limit_counts_over_more_than_the_longest_window(db: Session) -> None:
    with pytest.raises(ValueError, match="at most"):
        ratelimit.hit(db, "k", limit=1, window_seconds=2 * 86400)


def test_a_worker_queues_the_daily_run_once_and_each_run_queues_the_next(
    sessions: sessionmaker[Session],
) -> None:
    import threading

    stop = threading.Event()
    stop.set()
    worker.run_forever(sessions, stop)  # stops at once: nothing queued before the loop
    with sessions() as db:
        assert _count(db, Job) == 0
    assert worker._queue_housekeeping(sessions)
    assert worker._queue_housekeeping(sessions)  # a second worker: the same job
    with sessions() as db:
        [job] = db.scalars(select(Job).where(Job.kind == housekeeping.JOB))
        assert job.run_at.hour == 3
        clock.travel(job.run_at - clock.utcnow() + timedelta(minutes=1))
        db.commit()
    worker.run_until_idle(sessions)
    with sessions() as db:
        runs = list(
            db.scalars(select(Job).where(Job.kind == housekeeping.JOB).order_by(Job.run_at))
        )
        assert [r.status for r in runs] == ["done", "queued"]


def test_browser_sessions_go_a_while_after_their_last_use(db: Session) -> None:
    import firstmile.auth.tasks  # noqa: F401  (registers its cleaner, as the worker does)
    from firstmile.auth import sessions as web_sessions
    from firstmile.auth.models import WebSession

    ended = web_sessions.start(db, kind="customer", subject_id="c1", ip="192.0.2.7", user_agent="x")
    web_sessions.end(db, ended.session)
    clock.travel(timedelta(days=29))
    web_sessions.start(db, kind="customer", subject_id="c2", ip="192.0.2.8", user_agent="y")
    clock.travel(timedelta(days=2))  # the first last used 31 days ago, the second 2
    assert housekeeping.clean_up(db)["web_sessions"] == 1
    assert list(db.scalars(select(WebSession.ip))) == ["192.0.2.8"]
