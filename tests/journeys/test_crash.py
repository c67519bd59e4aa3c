"""A worker process killed (SIGKILL) in the middle of its batches, again and again: no step
is lost, and no message or domain call happens twice."""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.billing.models import BillingAccount
from firstmile.eventlog import service as eventlog
from firstmile.eventlog.models import Event
from firstmile.journeys import service as journeys
from firstmile.journeys.definition import JourneyFile
from firstmile.journeys.models import JourneyActionCall, JourneyInstance
from firstmile.kit import time as clock
from firstmile.kit.settings import Settings
from firstmile.messaging.models import Message
from tests.conftest import RunJobs
from tests.factories import customers as make

CUSTOMERS = 100
KILLS = 8
CRASH_FLOW: dict[str, Any] = {
    "code": "crash_flow",
    "name": "Crash flow",
    "trigger": {"event": "crm.contact_logged"},
    "start": "m1",
    "steps": [
        {
            "id": "m1",
            "phase": "activation",
            "type": "message",
            "purpose": "welcome",
            "data": {"given_name": '"Eva"'},
            "next": "bill",
        },
        {
            "id": "bill",
            "phase": "activation",
            "type": "action",
            "action": "billing.set_up",
            "args": {"account_id": "customer.accounts[0].id", "paperless": "false"},
            "next": "w1",
        },
        {"id": "w1", "phase": "activation", "type": "wait", "duration": "1s", "next": "m2"},
        {
            "id": "m2",
            "phase": "usage",
            "type": "message",
            "purpose": "welcome",
            "data": {"given_name": '"Eva"'},
            "next": "w2",
        },
        {"id": "w2", "phase": "usage", "type": "wait", "duration": "1s", "next": "m3"},
        {
            "id": "m3",
            "phase": "loyalty",
            "type": "message",
            "purpose": "welcome",
            "data": {"given_name": '"Eva"'},
            "next": "done",
        },
        {"id": "done", "phase": "loyalty", "type": "end"},
    ],
}
STEPS = 7  # visits per instance: m1 bill w1 m2 w2 m3 done


def _spawn(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FIRSTMILE_DATABASE_URL": settings.database_url,
        "FIRSTMILE_DATA_DIR": str(settings.data_dir),
        "FIRSTMILE_JOURNEYS_BATCH_SIZE": "4",
        "FIRSTMILE_WORKER_BATCH_SIZE": "4",
        "FIRSTMILE_WORKER_POLL_SECONDS": "0.05",
    }
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("firstmile")), "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _steps_done(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return len(s.scalars(select(Event.id).where(Event.type == "journey.step")).all())


def test_sigkill_mid_batch_loses_nothing_and_repeats_nothing(
    sessions: sessionmaker[Session], settings: Settings, run_jobs: RunJobs, telco: str
) -> None:
    # The worker processes keep the real time: so does this test (FIRSTMILE_TEST_START_HOUR
    # would otherwise make every step due hours after the workers' now).
    clock.reset()
    with sessions() as s:
        journeys.publish(s, "telco", JourneyFile.model_validate(CRASH_FLOW), actor=SYSTEM)
        ids = []
        for i in range(CUSTOMERS):
            customer = make.registered(s, contacts=[make.email(f"crash{i}@example.com")])
            eventlog.record(s, "crm.contact_logged", actor=SYSTEM.ref, customer_id=customer.id)
            ids.append(customer.id)
        s.commit()
    rng = random.Random(4)
    progress = [0]
    for _ in range(KILLS):
        process = _spawn(settings)
        deadline = time.monotonic() + 60
        while _steps_done(sessions) == progress[-1] and time.monotonic() < deadline:
            time.sleep(0.05)  # until this worker is at work (start-up takes a second or more)
        time.sleep(rng.uniform(0.0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait()
        progress.append(_steps_done(sessions))
        if progress[-1] == CUSTOMERS * STEPS:
            break
    # each kill came while there was work: it went on between kills, and was not all done
    print("journey steps done after each kill:", progress)
    assert len(progress) - 1 >= 3, progress
    assert all(a < b for a, b in itertools.pairwise(progress)), progress
    clock.travel(timedelta(seconds=5))
    for _ in range(10):  # whatever is left, and the timers now due
        if run_jobs() == 0:
            break
        clock.travel(timedelta(seconds=2))

    with sessions() as s:
        instances = s.scalars(select(JourneyInstance)).all()
        assert len(instances) == CUSTOMERS
        assert {i.status for i in instances} == {"completed"}
        steps: dict[str, list[int]] = defaultdict(list)
        for event in s.scalars(select(Event).where(Event.type == "journey.step")):
            steps[str(event.subject_id)].append(int(event.payload["seq"]))
        for instance in instances:  # every step once: none lost, none twice
            assert sorted(steps[instance.id]) == list(range(1, STEPS + 1))
        messages = Counter(
            s.scalars(
                select(Message.customer_id).where(
                    Message.purpose == "welcome", Message.idempotency_key.like("journey:%")
                )
            )
        )
        assert messages == dict.fromkeys(ids, 3)
        billing = Counter(s.scalars(select(BillingAccount.customer_id)))
        assert billing == dict.fromkeys(ids, 1)
        assert len(s.scalars(select(JourneyActionCall.key)).all()) == CUSTOMERS


def test_sigterm_finishes_the_batch_in_hand_and_stops(
    sessions: sessionmaker[Session], settings: Settings, telco: str
) -> None:
    with sessions() as s:
        journeys.publish(s, "telco", JourneyFile.model_validate(CRASH_FLOW), actor=SYSTEM)
        for i in range(30):
            customer = make.registered(s, contacts=[make.email(f"term{i}@example.com")])
            eventlog.record(s, "crm.contact_logged", actor=SYSTEM.ref, customer_id=customer.id)
        s.commit()
    process = _spawn(settings)
    deadline = time.monotonic() + 60
    while _steps_done(sessions) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0  # a clean exit, not a kill
    with sessions() as s:  # whatever it did, it finished: every instance is in one place
        for instance in s.scalars(select(JourneyInstance)):
            seqs = [
                int(e.payload["seq"])
                for e in s.scalars(
                    select(Event).where(
                        Event.type == "journey.step", Event.subject_id == instance.id
                    )
                )
            ]
            assert sorted(seqs) == list(range(1, instance.state.get("seq", 0) + 1))
