"""Durable background jobs: rows claimed by workers after the enqueuing transaction commits.

A job is (kind, args of ids and plain values). Handlers are registered per kind and must be
idempotent. A batch is claimed with FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite has one
writer at a time and one in-process worker); each job runs in a savepoint, so one failure
rolls back only that job, which is retried with exponential backoff. (A batch of jobs that
only write here shares one savepoint; a batch of jobs with a call outside makes its calls
first and records them in one: see `handler`.)

A *staged* job (`staged_handler`) has a slow middle, such as rendering a PDF: `prepare` reads
what it needs in the claiming transaction and leases the job; `compute` then runs with no
transaction open (no row lock held, and on SQLite no write lock that would stall every other
writer); `apply` stores the result in a short transaction of its own. A worker that dies in
the middle loses its lease and another one runs the job again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from firstmile.kit.db import Base, IdMixin, Session, described, new_id, skip_locked
from firstmile.kit.time import utcnow

log = logging.getLogger("firstmile.jobs")
Handler = Callable[[Session, dict[str, Any]], None]
_handlers: dict[str, Handler] = {}
_batches: dict[str, int] = {}  # kind -> how many of its jobs one transaction may take
BatchHook = Callable[[Session, list[dict[str, Any]]], None]
_before_batch: dict[str, BatchHook] = {}
OnlyDatabase = Callable[[Session, dict[str, Any]], bool]
_only_database: dict[str, OnlyDatabase] = {}


@dataclass(frozen=True)
class SendThenRecord:
    """A job whose work is a call outside this database (an email handed to an SMTP
    server), then the writes that record it, as two halves.

    `send(db, args)` makes the call and returns what the writes need, or raises when the
    job should be retried; it reads and locks rows, and writes only what the call itself
    taught (a push subscription the push service says is gone), which stays whatever
    comes after: the call was made. `record(db, args, sent)` writes the rest. A batch of
    such jobs makes all its calls first, then records them all in one savepoint (one
    flush); should a record fail, that savepoint is rolled back and each is recorded again
    in its own, so a failed write never repeats a call made for another job (the job that
    failed is retried, its call with it).

    `send_many(db, jobs)`, given instead of `send`, makes the calls of several jobs at
    once (over several connections, say) and returns for each what `record` needs, or
    the exception that has that job retried."""

    record: Callable[[Session, dict[str, Any], Any], None]
    send: Callable[[Session, dict[str, Any]], Any] | None = None
    send_many: Callable[[Session, list[Job]], list[Any]] | None = None

    def __post_init__(self) -> None:
        if (self.send is None) == (self.send_many is None):
            raise ValueError("give either send or send_many")


_send_then_record: dict[str, SendThenRecord] = {}
SEND_MANY_CHUNK = 50  # calls made at once; the worker's time budget is checked between
_RUNNING = "jobs.running"
LEASE = timedelta(minutes=10)  # how long a staged job's slow middle may take


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


def handler(
    kind: str,
    *,
    batch: int = 1,
    before_batch: BatchHook | None = None,
    only_database: OnlyDatabase | None = None,
    send_then_record: SendThenRecord | None = None,
) -> Callable[[Handler], Handler]:
    """Register the handler of a job kind. `batch`: when a job of this kind is next in
    line, the worker takes up to this many due jobs of the kind and priority in the same
    transaction (short jobs, such as handing a message to its channel, then share one
    commit and the session's cached reference data instead of paying for them each).
    `before_batch` gets the args of all the jobs of a batch before the first runs (to read
    or lock what they need in one query instead of one each).
    `only_database(db, args)`: True when this job's whole work is writes in this database
    (nothing is sent outside), so that after a rollback it can simply run again. Such jobs
    of a batch run together in one savepoint, their writes sent in one flush; should one
    of them fail, the savepoint is rolled back and each runs again in its own.
    `send_then_record`: the handler's two halves (see `SendThenRecord`); the jobs of a
    batch that are not `only_database` run by them, the handler runs the rest."""

    def register(fn: Handler) -> Handler:
        _handlers[kind] = fn
        _batches[kind] = batch
        if before_batch is not None:
            _before_batch[kind] = before_batch
        if only_database is not None:
            _only_database[kind] = only_database
        if send_then_record is not None:
            _send_then_record[kind] = send_then_record
        return fn

    return register


@dataclass(frozen=True)
class Staged:
    prepare: Callable[[Session, dict[str, Any]], Any]  # None: nothing left to do
    compute: Callable[[Any], Any]  # no session: plain data in, plain data out
    apply: Callable[[Session, dict[str, Any], Any], None]


_staged: dict[str, Staged] = {}


def staged_handler(
    kind: str,
    *,
    prepare: Callable[[Session, dict[str, Any]], Any],
    compute: Callable[[Any], Any],
    apply: Callable[[Session, dict[str, Any], Any], None],
) -> None:
    _staged[kind] = Staged(prepare, compute, apply)


@dataclass(frozen=True)
class StagedWork:
    """A leased staged job between its transactions."""

    job_id: str
    kind: str
    args: dict[str, Any]
    attempts: int
    data: Any


def enqueue(
    db: Session,
    kind: str,
    args: dict[str, Any],
    *,
    run_at: datetime | None = None,
    key: str | None = None,
    max_attempts: int = 8,
    priority: int = NORMAL,
    key_is_new: bool = False,
) -> Job:
    """Add a job in the caller's transaction; with `key`, a second enqueue returns the first.

    `key_is_new`: the caller knows no job can have this key yet (it is derived from a row
    made in this transaction): the job is not looked up, and is inserted with the session's
    next flush (the unique key still refuses a duplicate then).
    Due jobs run by `priority` (URGENT, HIGH, NORMAL, BULK), then oldest first."""
    if key is not None and not key_is_new:
        existing = db.scalar(select(Job).where(Job.key == key))
        if existing is not None:
            return existing
    job = Job(
        id=new_id(),
        kind=kind,
        args=args,
        key=key,
        run_at=run_at or utcnow(),
        max_attempts=max_attempts,
        priority=priority,
    )
    db.add(job)
    if not key_is_new:
        db.flush()
    return job


def enqueue_tomorrow(db: Session, kind: str, *, after_midnight: timedelta) -> Job:
    """A daily job's next run, `after_midnight` (UTC) tomorrow, keyed by its date so it is
    queued once however often asked."""
    tomorrow = utcnow().date() + timedelta(days=1)
    midnight = datetime.combine(tomorrow, datetime.min.time(), tzinfo=utcnow().tzinfo)
    return enqueue(
        db, kind, {}, run_at=midnight + after_midnight, key=f"{kind}:{tomorrow.isoformat()}"
    )


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 3600))


def run_due(
    db: Session,
    *,
    batch_size: int = 50,
    staged: list[StagedWork] | None = None,
    budget_seconds: float | None = None,
) -> int:
    """Claim and run up to `batch_size` due jobs in the caller's transaction; returns the count.

    When the first of them is of a kind registered with a larger `batch`, more due jobs of
    that kind and priority are claimed with it, up to that size. The caller commits. A job
    whose handler raises is rolled back to its savepoint and rescheduled (or failed), so
    the batch still commits the others. Staged jobs are prepared and leased, and their work
    appended to `staged` for `finish_staged` after the commit; without a `staged` list they
    run whole, here. After `budget_seconds` no further job of
    the batch is started: those stay queued, untouched, for the next batch.
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
    if jobs and _batches.get(jobs[0].kind, 1) > len(jobs):
        jobs += _more_of_kind(db, jobs, _batches[jobs[0].kind] - len(jobs), dialect)
    for kind in dict.fromkeys(job.kind for job in jobs):
        if kind in _before_batch:
            _before_batch[kind](db, [job.args for job in jobs if job.kind == kind])
    started = time.perf_counter()
    deadline = None if budget_seconds is None else started + budget_seconds
    together, alone = _partition(db, jobs)
    done = 0
    if len(together) > 1 and _run_together(db, together):
        done, jobs = len(together), alone
    # (jobs that only write here run whole, as above, even when their kind has halves)
    split = [job for job in alone if job.kind in _send_then_record]
    if split:
        done += _send_then_record_all(db, split, deadline)
        jobs = [job for job in jobs if job.kind not in _send_then_record or job in together]
    for job in jobs:
        if deadline is not None and time.perf_counter() > deadline:
            return done
        done += 1
        if job.kind in _staged:
            _prepare_staged(db, job, staged)
        else:
            _run_one(db, job)
    return done


def _partition(db: Session, jobs: list[Job]) -> tuple[list[Job], list[Job]]:
    """The jobs whose work stays in the database (they may run together), and the rest."""
    together: list[Job] = []
    alone: list[Job] = []
    for job in jobs:
        stays = job.kind in _only_database and _only_database[job.kind](db, job.args)
        (together if stays else alone).append(job)
    return together, alone


def _run_together(db: Session, jobs: list[Job]) -> bool:
    """Run jobs whose work stays in the database in one savepoint; False (and nothing of
    theirs kept) when one of them failed: they then run one savepoint each."""
    savepoint = db.begin_nested()
    try:
        for job in jobs:
            job.attempts += 1
            db.info[_RUNNING] = job
            _handlers[job.kind](db, job.args)
            job.status, job.finished_at = JobStatus.DONE, utcnow()
        savepoint.commit()
        return True
    except Exception:
        log.debug("a batch of %d jobs fell back to one savepoint each", len(jobs), exc_info=True)
        savepoint.rollback()
        return False
    finally:
        db.info.pop(_RUNNING, None)


def _send_then_record_all(db: Session, jobs: list[Job], deadline: float | None) -> int:
    """Run jobs by their two halves: every call first, then their records in one
    savepoint (one by one if that fails). Returns how many were started."""
    sent: list[tuple[Job, Any]] = []
    started = 0
    for chunk, halves in _chunks(jobs):
        if deadline is not None and time.perf_counter() > deadline:
            break
        started += len(chunk)
        for job in chunk:
            job.attempts += 1
        # no savepoint: what the calls learnt stays (see SendThenRecord)
        for job, result in zip(chunk, _send(db, halves, chunk), strict=True):
            if isinstance(result, Exception):
                _failed(job, result)
            else:
                sent.append((job, result))
    if len(sent) > 1:
        savepoint = db.begin_nested()
        try:
            for job, result in sent:
                _record(db, job, result)
            savepoint.commit()
            return started
        except Exception:
            log.debug("recording %d jobs fell back to one savepoint each", len(sent), exc_info=True)
            savepoint.rollback()
    for job, result in sent:
        savepoint = db.begin_nested()
        try:
            _record(db, job, result)
            savepoint.commit()
        except Exception as exc:
            savepoint.rollback()  # the attempt was flushed before the savepoint: it stays
            _failed(job, exc)
    return started


def _chunks(jobs: list[Job]) -> Iterator[tuple[list[Job], SendThenRecord]]:
    """The jobs in the groups their calls are made in: of one kind, up to SEND_MANY_CHUNK
    where the kind sends many at once, else one by one."""
    for kind in dict.fromkeys(job.kind for job in jobs):
        halves = _send_then_record[kind]
        of_kind = [job for job in jobs if job.kind == kind]
        step = SEND_MANY_CHUNK if halves.send_many is not None else 1
        for at in range(0, len(of_kind), step):
            yield of_kind[at : at + step], halves


def _send(db: Session, halves: SendThenRecord, jobs: list[Job]) -> list[Any]:
    """The calls of these jobs: for each, what its record needs or the exception."""
    if halves.send_many is not None:
        try:
            return halves.send_many(db, jobs)
        except Exception as exc:
            log.exception("sending %d jobs at once failed", len(jobs))
            return [exc] * len(jobs)
    assert halves.send is not None  # one of the two (__post_init__)
    results: list[Any] = []
    for job in jobs:
        db.info[_RUNNING] = job
        try:
            results.append(halves.send(db, job.args))
        except Exception as exc:
            results.append(exc)
        finally:
            db.info.pop(_RUNNING, None)
    return results


def _record(db: Session, job: Job, result: Any) -> None:
    db.info[_RUNNING] = job
    try:
        _send_then_record[job.kind].record(db, job.args, result)
        job.status, job.finished_at = JobStatus.DONE, utcnow()
    finally:
        db.info.pop(_RUNNING, None)


def _more_of_kind(db: Session, claimed: list[Job], count: int, dialect: str) -> list[Job]:
    first = claimed[0]
    return list(
        db.scalars(
            select(Job)
            .where(
                Job.status == JobStatus.QUEUED,
                Job.kind == first.kind,
                Job.priority == first.priority,
                Job.run_at <= utcnow(),
                Job.id.not_in([job.id for job in claimed]),
            )
            .order_by(Job.run_at)
            .limit(count)
            .with_for_update(skip_locked=skip_locked(dialect))
        )
    )


def _run_one(db: Session, job: Job) -> None:
    fn = _handlers.get(job.kind)
    if fn is None:
        job.attempts += 1
        job.status, job.last_error = JobStatus.FAILED, f"no handler for {job.kind}"
        return
    savepoint = db.begin_nested()
    db.info[_RUNNING] = job
    try:
        # counted and marked done inside the savepoint: one UPDATE of the job, flushed
        # with the job's own changes, and nothing left for the next savepoint to flush
        job.attempts += 1
        fn(db, job.args)
        job.status, job.finished_at = JobStatus.DONE, utcnow()
        savepoint.commit()
    except Exception as exc:
        savepoint.rollback()  # the job's row is read again: its attempt is counted anew
        job.attempts += 1
        _failed(job, exc)
    finally:
        db.info.pop(_RUNNING, None)


def running(db: Session) -> Job | None:
    """The job whose handler is running in this session now (its attempt count, say)."""
    return db.info.get(_RUNNING)


def _failed(job: Job, exc: Exception) -> None:
    """Reschedule with backoff, or fail for good (permanent error, attempts used up)."""
    permanent = isinstance(exc, PermanentJobError) or job.attempts >= job.max_attempts
    job.last_error = described(exc)[:2000]
    log.warning("job %s (%s) attempt %d failed: %s", job.id, job.kind, job.attempts, job.last_error)
    if permanent:
        job.status, job.finished_at = JobStatus.FAILED, utcnow()
    else:
        job.run_at = utcnow() + backoff(job.attempts)


def _prepare_staged(db: Session, job: Job, staged: list[StagedWork] | None) -> None:
    spec = _staged[job.kind]
    job.attempts += 1
    savepoint = db.begin_nested()
    try:
        data = spec.prepare(db, job.args)
        if data is not None and staged is None:  # no later transaction: do it all now
            spec.apply(db, job.args, spec.compute(data))
            data = None
        savepoint.commit()
    except Exception as exc:
        savepoint.rollback()
        _failed(job, exc)
        return
    if data is None:
        job.status, job.finished_at = JobStatus.DONE, utcnow()
        return
    job.run_at = utcnow() + LEASE  # nobody else takes it while the middle runs
    assert staged is not None
    staged.append(StagedWork(job.id, job.kind, dict(job.args), job.attempts, data))


def finish_staged(sessions: sessionmaker[Session], work: StagedWork) -> None:
    """Run a leased job's slow middle with no transaction open, then store its result."""
    spec = _staged[work.kind]
    try:
        result, error = spec.compute(work.data), None
    except Exception as exc:
        result, error = None, exc
    with sessions() as db:
        job = db.scalar(
            select(Job)
            .where(Job.id == work.job_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if job is None or job.status != JobStatus.QUEUED or job.attempts != work.attempts:
            return  # the lease ran out and another worker took the job over
        if error is not None:
            _failed(job, error)
            db.commit()
            return
        savepoint = db.begin_nested()
        try:
            spec.apply(db, work.args, result)
            savepoint.commit()
        except Exception as exc:
            savepoint.rollback()
            _failed(job, exc)
        else:
            job.status, job.finished_at = JobStatus.DONE, utcnow()
        db.commit()


def next_due_at(db: Session) -> datetime | None:
    return db.scalar(
        select(Job.run_at).where(Job.status == JobStatus.QUEUED).order_by(Job.run_at).limit(1)
    )
