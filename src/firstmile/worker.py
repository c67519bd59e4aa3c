"""The worker loop: runs due jobs until told to stop. In-process (SQLite) or `firstmile worker`."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from firstmile.journeys import runner as journeys
from firstmile.kit import housekeeping, jobs
from firstmile.kit import settings as settings_module
from firstmile.kit.db import described
from firstmile.kit.registry import load_job_handlers
from firstmile.messaging.channels import adapters

log = logging.getLogger("firstmile.worker")


def run_once(sessions: sessionmaker[Session], *, batch_size: int) -> int:
    """One batch in one transaction, then the slow middles of its staged jobs, each stored
    in a transaction of its own, then a batch of due journey instances in one more; returns
    how many jobs and instances were claimed."""
    staged: list[jobs.StagedWork] = []
    with sessions() as db:
        budget = settings_module.current().worker_job_budget_seconds
        count = jobs.run_due(db, batch_size=batch_size, staged=staged, budget_seconds=budget)
        db.commit()
    for work in staged:
        jobs.finish_staged(sessions, work)
    with sessions() as db:
        count += journeys.run_due(db, batch_size=settings_module.current().journeys_batch_size)
        db.commit()
    return count


def _queue_housekeeping(sessions: sessionmaker[Session]) -> bool:
    """The daily clean-up queued (once: it queues its next run itself); True when done."""
    with sessions() as db:
        try:
            housekeeping.schedule_next(db)
            db.commit()
        except IntegrityError:  # a worker starting with this one queued it first
            db.rollback()
    return True


def run_until_idle(
    sessions: sessionmaker[Session], *, batch_size: int = 50, limit: int = 10_000
) -> int:
    """Drain every job due now (tests and CLI); returns how many ran."""
    total = 0
    while total < limit:
        ran = run_once(sessions, batch_size=batch_size)
        if ran == 0:
            return total
        total += ran
    return total


def run_forever(
    sessions: sessionmaker[Session],
    stop: threading.Event,
    *,
    batch_size: int = 50,
    poll_seconds: float = 0.5,
) -> None:
    """Loop until `stop` is set; finishes the batch in hand first (graceful shutdown)."""
    load_job_handlers()
    log.info("worker started")
    housekept = False
    while not stop.is_set():
        try:
            housekept = housekept or _queue_housekeeping(sessions)
            ran = run_once(sessions, batch_size=batch_size)
        except OperationalError as exc:
            log.warning("worker batch failed, retrying: %s", described(exc))
            ran = 0
        if ran == 0:
            stop.wait(poll_seconds)
    adapters.close_all()  # QUIT to the SMTP server, unbind from the SMS centre
    log.info("worker stopped")


def start_in_thread(
    sessions: sessionmaker[Session], *, batch_size: int, poll_seconds: float
) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        args=(sessions, stop),
        kwargs={"batch_size": batch_size, "poll_seconds": poll_seconds},
        name="firstmile-worker",
        daemon=True,
    )
    thread.start()
    return thread, stop


def wait_for_jobs(seconds: float) -> None:
    time.sleep(seconds)
