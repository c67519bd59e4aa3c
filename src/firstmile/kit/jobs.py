"""Durable background jobs: rows claimed by workers after the enqueuing transaction commits.

A job is (kind, args of ids and plain values). Handlers are registered per kind and must be
idempotent. A batch is claimed with FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite has one
writer at a time and one in-process worker); each job runs in a savepoint, so one failure
rolls back only that job, which is retried with exponential backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin, Session, skip_locked
from firstmile.kit.time import utcnow

log = logging.getLogger("firstmile.jobs")
Handler = Callable[[Session, dict[str, Any]], None]
_handlers: dict[str, Handler] = {}


# Lower runs first among due jobs. URGENT: a person is waiting on it this second (a one-time
# code). HIGH: a short step that finishes work already under way (sealing a signed contract,
# handing a service order to the network), so it never queues behind a backlog of new
# contract PDFs. NORMAL: everything else. BULK: campaigns and batch work.
URGENT = 10
HIGH = 50
NORMAL = 100
BULK = 200


class JobStatus(StrEnum):
    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"


class Job(IdMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_due", "status", "run_at"),
        Index("ix_jobs_queue", "status", "priority", "run_at"),
    )

    kind: Mapped[str] = mapped_column(String(80))
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[JobStatus] = mapped_column(String(16), default=JobStatus.QUEUED)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    priority: Mapped[int] = mapped_column(default=NORMAL, server_default=str(NORMAL))
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class PermanentJobError(Exception):
    """Raised by a handler when retrying cannot help; the job fails at once."""


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers[kind] = fn
        return fn

    return register


def enqueue(
    db: Session,
    kind: str,
    args: dict[str, Any],
    *,
    run_at: datetime | None = None,
    key: str | None = None,
    max_attempts: int = 8,
    priority: int = NORMAL,
) -> Job:
    """Add a job in the caller's transaction; with `key`, a second enqueue returns the first.

    Due jobs run by `priority` (URGENT, NORMAL, BULK), then oldest first."""
    if key is not None:
        existing = db.scalar(select(Job).where(Job.key == key))
        if existing is not None:
            return existing
    job = Job(
        kind=kind,
        args=args,
        key=key,
        run_at=run_at or utcnow(),
        max_attempts=max_attempts,
        priority=priority,
    )
    db.add(job)
    db.flush()
    return job


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 3600))


def run_due(db: Session, *, batch_size: int = 50) -> int:
    """Claim and run up to `batch_size` due jobs in the caller's transaction; returns the count.

    The caller commits. A job whose handler raises is rolled back to its savepoint and
    rescheduled (or failed), so the batch still commits the others.
    """
    from firstmile.kit.registry import load_job_handlers

    load_job_handlers()
    dialect = db.get_bind().dialect.name
    stmt = (
        select(Job)
        .where(Job.status == JobStatus.QUEUED, Job.run_at <= utcnow())
        .order_by(Job.priority, Job.run_at)
        .limit(batch_size)
        .with_for_update(skip_locked=skip_locked(dialect))
    )
    jobs = list(db.scalars(stmt))
    for job in jobs:
        _run_one(db, job)
    return len(jobs)


def _run_one(db: Session, job: Job) -> None:
    fn = _handlers.get(job.kind)
    job.attempts += 1
    if fn is None:
        job.status, job.last_error = JobStatus.FAILED, f"no handler for {job.kind}"
        return
    savepoint = db.begin_nested()
    try:
        fn(db, job.args)
        savepoint.commit()
    except Exception as exc:
        savepoint.rollback()
        permanent = isinstance(exc, PermanentJobError) or job.attempts >= job.max_attempts
        log.warning("job %s (%s) attempt %d failed: %s", job.id, job.kind, job.attempts, exc)
        job.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if permanent:
            job.status, job.finished_at = JobStatus.FAILED, utcnow()
        else:
            job.run_at = utcnow() + backoff(job.attempts)
        return
    job.status, job.finished_at = JobStatus.DONE, utcnow()


def next_due_at(db: Session) -> datetime | None:
    return db.scalar(
        select(Job.run_at).where(Job.status == JobStatus.QUEUED).order_by(Job.run_at).limit(1)
    )
