"""A worker stops taking jobs from its batch after its time budget, so due journey steps
are not held up behind a backlog of jobs."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile import worker
from firstmile.auth.scopes import SYSTEM
from firstmile.eventlog import service as eventlog
from firstmile.journeys import service as journeys
from firstmile.journeys.definition import JourneyFile
from firstmile.journeys.models import JourneyInstance
from firstmile.kit import jobs
from firstmile.kit.db import Session as DbSession
from firstmile.kit.settings import Settings, configure
from tests.factories import customers as make

SLOW = "tests.slow"


@jobs.handler(SLOW)
def _slow(db: DbSession, args: dict[str, Any]) -> None:
    time.sleep(0.05)


def test_a_job_backlog_does_not_hold_up_due_journey_steps(
    sessions: sessionmaker[Session], settings: Settings, telco: str
) -> None:
    flow = {
        "code": "quick",
        "name": "Quick",
        "trigger": {"event": "crm.contact_logged"},
        "start": "done",
        "steps": [{"id": "done", "phase": "activation", "type": "end"}],
    }
    with sessions() as s:
        journeys.publish(s, "telco", JourneyFile.model_validate(flow), actor=SYSTEM)
        eva = make.registered(s)
        for i in range(20):
            jobs.enqueue(s, SLOW, {"n": i}, priority=jobs.URGENT)
        eventlog.record(s, "crm.contact_logged", actor=SYSTEM.ref, customer_id=eva.id)
        s.commit()
    configure(settings.model_copy(update={"worker_job_budget_seconds": 0.12}))
    try:
        worker.run_once(sessions, batch_size=20)
    finally:
        configure(settings)
    with sessions() as s:
        left = s.scalars(
            select(jobs.Job).where(jobs.Job.kind == SLOW, jobs.Job.status == jobs.JobStatus.QUEUED)
        ).all()
        assert 10 <= len(left) < 20  # a few ran, the rest wait for the next batch
        [instance] = s.scalars(select(JourneyInstance)).all()
        assert instance.status == "completed"  # the journey did not wait for the backlog
